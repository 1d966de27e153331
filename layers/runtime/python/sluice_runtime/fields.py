"""Dotted field paths into a trigger's *view* (the flat dict each event model exposes).

The registry names idempotency, content and ordering fields with paths such as `detail.dataset_id` or
`sequence_number`; a path that is absent from an event is a schema error of that event.

Example:
    >>> lookup({"detail": {"dataset_id": "ds-1"}}, "detail.dataset_id")
    'ds-1'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import StringConstraints

from sluice_runtime.errors import InvalidEvent

PATH_PATTERN = r"^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)*$"
FieldPath = Annotated[str, StringConstraints(pattern=PATH_PATTERN)]
_MISSING = object()


def lookup(view: Mapping[str, Any], path: str) -> Any:
    """Return the value at `path`, raising `InvalidEvent` (naming the path) when it is absent or null."""
    value: Any = view
    for part in path.split("."):
        value = value.get(part, _MISSING) if isinstance(value, Mapping) else _MISSING
        if value is _MISSING or value is None:
            raise InvalidEvent(f"event has no value at '{path}'", path=path)
    return value
