"""Wait: pauses for `Seconds` or until a `Timestamp` (or their `*Path` / JSONata forms).

The pause is an `asyncio.sleep` on the execution's clock: instant in virtual time.
"""

from __future__ import annotations

import asyncio
import json
import re
from datetime import datetime
from typing import Any

from sluice.asl.errors import ErrorName
from sluice.asl.frame import Frame
from sluice.asl.paths import PathNotFound
from sluice.asl.payload import contextual, evaluate_jsonata, jsonata_states, require_path, resolve_path
from sluice.asl.states.base import State

_JAVA_LONG_MIN, _JAVA_LONG_MAX = -(2**63), 2**63 - 1

# AWS rejects waits beyond the maximum execution duration of a Standard workflow (1 year);
# the recorded boundary case (24,856 days) fails with this message.
MAX_WAIT_SECONDS = 99_999_999


class WaitState(State):
    TYPE = "Wait"
    EVALUATION_FOLLOWS_ENTRY = True

    async def produce(self, effective: Any, raw: Any, frame: Frame) -> tuple[Any, str | None]:
        seconds = self._seconds(effective, raw, frame)
        if seconds > MAX_WAIT_SECONDS:
            raise contextual(ErrorName.RUNTIME, "Wait state delay is too long.")
        if seconds > 0:
            await asyncio.sleep(seconds)
        return effective, self.next

    def _seconds(self, effective: Any, raw: Any, frame: Frame) -> float:
        spec = self.spec
        if self.jsonata:
            states = jsonata_states(frame, raw)
            if "Seconds" in spec:
                return _as_seconds(evaluate_jsonata(spec["Seconds"], states, frame, "Seconds"), "Seconds")
            value = evaluate_jsonata(spec["Timestamp"], states, frame, "Timestamp")
            return self._until(value, frame, error=ErrorName.QUERY_EVALUATION_ERROR, source=None)
        if "Seconds" in spec:
            return float(spec["Seconds"])
        if "SecondsPath" in spec:
            return _seconds_at(spec["SecondsPath"], effective, frame)
        if "Timestamp" in spec:
            return self._until(spec["Timestamp"], frame, error=ErrorName.RUNTIME, source=None)
        path = spec["TimestampPath"]
        value = require_path(path, effective, frame)
        return self._until(value, frame, error=ErrorName.RUNTIME, source=path)

    def _until(self, value: Any, frame: Frame, *, error: str, source: str | None) -> float:
        moment = parse_timestamp(value)
        if moment is None:
            if source is None:
                raise contextual(
                    error,
                    "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time "
                    f"format string: {value}",
                )
            raise contextual(
                error,
                "The TimestampPath parameter does not reference a valid ISO-8601 extended offset "
                f"date-time format string: {source} == {value}",
            )
        return moment.timestamp() - frame.runtime.clock.now()


def _seconds_at(path: str, effective: Any, frame: Frame) -> float:
    """`SecondsPath`: AWS reads the value as a Java long, and words each failure its own way
    (recorded `test_base_wait_seconds_path` and `test_base[wait_seconds_path…]`): a miss is "does
    not reference an input value: $.x", `1.5` "cannot be parsed as a long value: $.x == 1.5", `-1`
    "references a negative value: $.x == -1"."""
    try:
        value = resolve_path(path, effective, frame)
    except PathNotFound:
        raise contextual(
            ErrorName.RUNTIME, f"The SecondsPath parameter does not reference an input value: {path}"
        ) from None
    if isinstance(value, bool) or not isinstance(value, int) or not _JAVA_LONG_MIN <= value <= _JAVA_LONG_MAX:
        raise contextual(
            ErrorName.RUNTIME, f"The SecondsPath parameter cannot be parsed as a long value: {path} == {_shown(value)}"
        )
    if value < 0:
        raise contextual(ErrorName.RUNTIME, f"The SecondsPath parameter references a negative value: {path} == {value}")
    return float(value)


def _shown(value: Any) -> str:
    """A value in a cause: text as is (AWS shows `$.TimestampValue == 05-12-2016T21:29:29Z`),
    anything else as compact JSON."""
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _as_seconds(value: Any, field_name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise contextual(ErrorName.RUNTIME, f"The {field_name} field must be a positive integer: {value}")
    return float(value)


_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})")


def parse_timestamp(value: Any) -> datetime | None:
    """RFC 3339 / ISO-8601 *extended offset* date-time (`T`, seconds and `Z` or `±hh:mm` required)."""
    if not isinstance(value, str) or not _RFC3339.fullmatch(value):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
