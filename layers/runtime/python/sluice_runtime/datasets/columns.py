"""Column values: parse what a file holds into the one normalized form the curated data uses.

CSV cells are text (`from_text=True`); JSON Lines values are JSON (`from_text=False`). Both end in the
same normalized JSON value per type, so a value that went through staging compares equal to itself
when parsed again (`conforms`, used by the quality gate):

| type        | normalized as                              | accepted from text              | from JSON            |
|-------------|--------------------------------------------|---------------------------------|----------------------|
| `string`    | str                                        | any (empty = null)              | str                  |
| `integer`   | int                                        | `-12`, `+7`                     | int                  |
| `decimal`   | str, plain notation (`"12.50"`, precision kept) | `12.50`, `-.5`             | int, float, numeric str |
| `number`    | float                                      | `1e3`, `2.5`                    | int, float           |
| `boolean`   | bool                                       | true/false/1/0/yes/no           | bool                 |
| `date`      | `YYYY-MM-DD`                               | ISO 8601 date                   | str                  |
| `timestamp` | UTC `YYYY-MM-DDTHH:MM:SS[.ffffff]Z`        | ISO 8601 with a UTC offset      | str                  |

An empty CSV cell and a JSON `null` (or a missing JSON field) are null; null in a required column is a
violation. Timestamps without an offset are rejected: a naive time is ambiguous.

Example:
    >>> coerce(Column(name="amount", type="decimal"), "12.50", from_text=True)
    '12.50'
    >>> coerce(Column(name="at", type="timestamp"), "2024-06-11T11:15:00+02:00", from_text=True)
    '2024-06-11T09:15:00Z'
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sluice_runtime.datasets.catalog import Column, Schema

_INTEGER = re.compile(r"^[+-]?\d+$")
_DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_TRUE, _FALSE = frozenset({"true", "1", "yes"}), frozenset({"false", "0", "no"})
_SHOWN = 40  # characters of an offending value quoted in a violation
_LISTED = 10  # names quoted in one violation


class ValueViolation(ValueError):
    """One value that does not fit its column (the message names the problem, not the column)."""


def coerce(column: Column, raw: Any, *, from_text: bool) -> Any:
    """The normalized value of `raw` for `column`, or `ValueViolation`."""
    if raw is None or (from_text and raw == ""):
        if column.required:
            raise ValueViolation("required value is missing")
        return None
    value = _parse_text(column, raw) if from_text else _parse_json(column, raw)
    if column.type == "string":
        _check_string(column, value)
    return value


def conforms(column: Column, value: Any) -> bool:
    """True when `value` is already in `column`'s normalized form (or an allowed null)."""
    if value is None:
        return not column.required
    try:
        return bool(_same(coerce(column, value, from_text=False), value))
    except ValueViolation:
        return False


def validate_record(schema: Schema, record: Mapping[str, Any], *, from_text: bool) -> tuple[dict[str, Any], list[str]]:
    """Normalize one row: (record in schema order, violations as `column: problem`).

    Undeclared fields are reported (`extra_columns: reject`), dropped (`ignore`) or kept after the
    declared columns, unchanged (`keep`).
    """
    problems: list[str] = []
    normalized: dict[str, Any] = {}
    for column in schema.columns:
        try:
            normalized[column.name] = coerce(column, record.get(column.name), from_text=from_text)
        except ValueViolation as violation:
            problems.append(f"{column.name}: {violation}")
    extra = [name for name in record if schema.column(name) is None]
    if extra and schema.extra_columns == "reject":
        problems.append(f"undeclared field(s): {listed(sorted(extra))}")
    elif extra and schema.extra_columns == "keep":
        normalized.update({name: record[name] for name in extra})
    return normalized, problems


def shown(value: Any) -> str:
    """A short, quoted rendering of an offending value for messages."""
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def listed(names: Sequence[str], limit: int = _LISTED) -> str:
    """At most `limit` names, each shortened, and how many there are: a message (a reason, a Task's
    output) must stay small whatever the input holds - Step Functions fails a state whose output is
    above 256 KiB with `States.DataLimitExceeded`, which no `Catch` can catch.

    Example:
        >>> listed(["a", "b", "c"], limit=2)
        'a, b and 1 more'
    """
    shown_names = ", ".join(name if len(name) <= _SHOWN else name[: _SHOWN - 3] + "..." for name in names[:limit])
    return shown_names if len(names) <= limit else f"{shown_names} and {len(names) - limit} more"


def _same(left: Any, right: Any) -> bool:
    # bool is an int in Python: `True == 1` must not make a boolean conform to an integer column.
    return type(left) is type(right) and left == right


def _parse_text(column: Column, text: Any) -> Any:
    if not isinstance(text, str):
        raise ValueViolation(f"expected text, got {type(text).__name__}")
    kind = column.type
    if kind == "string":
        return text
    stripped = text.strip()
    if kind == "integer":
        if _INTEGER.fullmatch(stripped) is None:
            raise ValueViolation(f"{shown(text)} is not an integer")
        return int(stripped)
    if kind == "decimal":
        if _DECIMAL.fullmatch(stripped) is None:
            raise ValueViolation(f"{shown(text)} is not a decimal number")
        return _plain(Decimal(stripped))
    if kind == "number":
        try:
            number = float(stripped)
        except ValueError:
            raise ValueViolation(f"{shown(text)} is not a number") from None
        return _finite(number, text)
    if kind == "boolean":
        lowered = stripped.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ValueViolation(f"{shown(text)} is not a boolean (true/false, 1/0, yes/no)")
    if kind == "date":
        return _date(stripped)
    return _timestamp(stripped)


def _parse_json(column: Column, value: Any) -> Any:
    kind = column.type
    if kind == "string":
        if not isinstance(value, str):
            raise ValueViolation(f"expected a string, got {_json_type(value)}")
        return value
    if kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueViolation(f"expected an integer, got {_json_type(value)} {shown(value)}")
        return value
    if kind == "decimal":
        if isinstance(value, str):
            return _parse_text(column, value)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueViolation(f"expected a decimal number, got {_json_type(value)}")
        if isinstance(value, float):
            _finite(value, value)
        return _plain(Decimal(str(value)))
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueViolation(f"expected a number, got {_json_type(value)}")
        return _finite(float(value), value)
    if kind == "boolean":
        if not isinstance(value, bool):
            raise ValueViolation(f"expected a boolean, got {_json_type(value)}")
        return value
    if not isinstance(value, str):
        raise ValueViolation(f"expected an ISO 8601 {kind} string, got {_json_type(value)}")
    return _date(value) if kind == "date" else _timestamp(value)


def _check_string(column: Column, value: str) -> None:
    if column.allowed is not None and value not in column.allowed:
        raise ValueViolation(f"{shown(value)} is not one of {', '.join(column.allowed)}")
    if column.pattern is not None and re.fullmatch(column.pattern, value) is None:
        raise ValueViolation(f"{shown(value)} does not match {column.pattern}")


def _plain(number: Decimal) -> str:
    try:
        return format(number, "f")
    except (InvalidOperation, ValueError):
        raise ValueViolation(f"{shown(str(number))} is not a finite decimal") from None


def _finite(number: float, original: Any) -> float:
    if math.isnan(number) or math.isinf(number):
        raise ValueViolation(f"{shown(original)} is not a finite number")
    return number


def _date(text: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise ValueViolation(f"{shown(text)} is not an ISO 8601 date (YYYY-MM-DD)") from None


def _timestamp(text: str) -> str:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueViolation(f"{shown(text)} is not an ISO 8601 timestamp") from None
    if moment.tzinfo is None:
        raise ValueViolation(f"{shown(text)} has no UTC offset (write Z or +hh:mm)")
    try:
        utc = moment.astimezone(UTC)
    except OverflowError:
        raise ValueViolation(f"{shown(text)} is out of range in UTC") from None
    # Not strftime: "%Y" does not zero-pad years below 1000 on every platform.
    rendered = f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}"
    if utc.microsecond:
        rendered += f".{utc.microsecond:06d}"
    return rendered + "Z"


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"
