"""The JSON name of a Python value's type, as messages about JSON documents say it.

Example:
    >>> [json_type(value) for value in (None, True, 1.5, "s", [1], {"a": 1})]
    ['null', 'boolean', 'number', 'string', 'array', 'object']
"""

from __future__ import annotations

from typing import Any


def json_type(value: Any) -> str:
    """`null`, `boolean`, `number`, `string`, `object` or `array` (anything else that is not a dict)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "object" if isinstance(value, dict) else "array"
