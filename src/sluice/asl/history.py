"""Execution history, recorded with the event types and fields of `GetExecutionHistory`.

Events keep references to the (never mutated) Python values and only render them to JSON text
when somebody reads the history: serialising every state's input and output on the hot path is
where interpreters lose their speed. Event ids are always counted — AWS cause texts quote them
("entered at the event id #4") — even when the events themselves are not kept (Express).

Example:
    >>> history = History(clock=lambda: 0.0)
    >>> history.add("ExecutionStarted", executionStartedEventDetails={"input": {}})
    1
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sluice.asl.errors import ErrorName, StatesError

# AWS: "Maximum execution history size: 25,000 events in a single execution history."
MAX_HISTORY_EVENTS = 25_000

# Detail keys whose values are JSON payloads (rendered as text, with a "...Details" sibling).
_PAYLOAD_KEYS = {"input": "inputDetails", "output": "outputDetails", "parameters": None}


@dataclass(slots=True)
class _Event:
    id: int
    previous_id: int
    timestamp: float
    type: str
    details_key: str | None
    details: dict[str, Any] | None


@dataclass
class History:
    """An append-only list of history events with AWS's numbering."""

    clock: Callable[[], float]
    keep: bool = True
    _events: list[_Event] = field(default_factory=list)
    _count: int = 0

    limit: int | None = None

    def add(
        self,
        event_type: str,
        details_key: str | None = None,
        details: dict[str, Any] | None = None,
        *,
        previous: int | None = None,
        **named_details: dict[str, Any],
    ) -> int:
        """Record an event with its `<camelCase>EventDetails` (positionally, or as one keyword).

        `previous` is the event it follows from (`previousEventId`; the event just before it
        unless given: states link to their own thread's last event, see `Frame.record`).
        Past `limit` events the execution cannot go on (AWS fails it); closing events are
        still recorded so the failure itself is visible.
        """
        count = self._count
        if self.limit is not None and count >= self.limit and not event_type.startswith("Execution"):
            raise StatesError(
                ErrorName.RUNTIME,
                f"The execution reached the maximum number of history events ({self.limit}).",
            )
        self._count = count = count + 1
        if self.keep:
            if named_details:
                details_key, details = next(iter(named_details.items()))
            link = count - 1 if previous is None else previous
            self._events.append(_Event(count, link, self.clock(), event_type, details_key, details))
        return count

    def count(self) -> int:
        """Number an event that is not kept (`keep=False`: an Express run nobody shows); its id."""
        self._count += 1
        return self._count

    @property
    def last_id(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return (render_event(event) for event in self._events)

    def types(self) -> list[str]:
        """Event types in order — what most tests and the trace printer need."""
        return [event.type for event in self._events]


def render_event(event: _Event) -> dict[str, Any]:
    """The event as `GetExecutionHistory` returns it (payloads as JSON text)."""
    rendered: dict[str, Any] = {
        "timestamp": datetime.fromtimestamp(event.timestamp, tz=UTC),
        "type": event.type,
        "id": event.id,
        "previousEventId": event.previous_id,
    }
    if event.details_key is not None and event.details is not None:
        rendered[event.details_key] = _render_details(event.details)
    return rendered


def _render_details(details: dict[str, Any]) -> dict[str, Any]:
    rendered: dict[str, Any] = {}
    for key, value in details.items():
        if key in _PAYLOAD_KEYS:
            text = to_json(value)
            rendered[key] = text
            if (sibling := _PAYLOAD_KEYS[key]) is not None:
                rendered[sibling] = {"truncated": False}
        elif key == "assignedVariables":
            rendered[key] = {name: to_json(item) for name, item in value.items()}
            rendered["assignedVariablesDetails"] = {"truncated": False}
        else:
            rendered[key] = value
    return rendered


def to_json(value: Any) -> str:
    """Compact JSON, as Step Functions writes payloads."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
