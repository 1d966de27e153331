"""Typed reads of resolved template values: a number where CloudFormation wants one, or a `TemplateError`
naming the resource and property.

CloudFormation takes an Integer or Double property as a JSON number or as text holding one (`"5"`);
anything else fails the stack before a resource is made. Converting with `int()` where a value is used
would instead turn the template's mistake into a bare ValueError in the middle of a stack's start.

Example:
    >>> whole_number("5", resource="Fn", property="Timeout")
    5
    >>> numbers({"BatchSize": "10", "Enabled": True}, ("BatchSize", "ParallelizationFactor"), resource="Fn")
    {'BatchSize': 10, 'Enabled': True}
    >>> mapping("Text", resource="Fn", property="LoggingConfig")
    Traceback (most recent call last):
    ...
    sluice.local.errors.TemplateError: resource Fn, property LoggingConfig: must be a mapping (got 'Text')
    >>> strings(["ReportBatchItemFailures"])
    ['ReportBatchItemFailures']
    >>> number([3], resource="Fn", property="Timeout")
    Traceback (most recent call last):
    ...
    sluice.local.errors.TemplateError: resource Fn, property Timeout: must be a number (got [3])
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from sluice.local.errors import TemplateError


def number(value: Any, *, resource: str | None = None, property: str | None = None,
           origin: str | None = None) -> float:
    """A Double: a JSON number, or text holding a finite one."""
    parsed = parsed_number(value)
    if parsed is None:
        raise TemplateError(f"must be a number (got {value!r})", resource=resource, property=property, origin=origin)
    return parsed


def whole_number(value: Any, *, resource: str | None = None, property: str | None = None,
                 origin: str | None = None) -> int:
    """An Integer: a JSON number or text holding one, without a fraction."""
    parsed = parsed_number(value)
    if parsed is None or not parsed.is_integer():
        raise TemplateError(f"must be a whole number (got {value!r})", resource=resource, property=property,
                            origin=origin)
    return int(parsed)


def mapping(value: Any, *, resource: str | None = None, property: str | None = None,
            origin: str | None = None) -> dict[str, Any]:
    """A property that CloudFormation types as an object (absent or null: empty)."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise TemplateError(f"must be a mapping (got {value!r})", resource=resource, property=property, origin=origin)
    return dict(value)


def strings(value: Any, *, resource: str | None = None, property: str | None = None,
            origin: str | None = None) -> list[str]:
    """A property that CloudFormation types as a list of strings (absent or null: empty)."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise TemplateError(f"must be a list of strings (got {value!r})", resource=resource, property=property,
                            origin=origin)
    return list(value)


def numbers(settings: Mapping[str, Any], keys: Iterable[str], *, resource: str | None = None,
            where: str | None = None, origin: str | None = None) -> dict[str, Any]:
    """A copy of `settings` with each of `keys` it holds read as a whole number."""
    typed = dict(settings)
    for key in keys:
        if key in typed and typed[key] is not None:
            typed[key] = whole_number(typed[key], resource=resource, property=f"{where}.{key}" if where else key,
                              origin=origin)
    return typed


def parsed_number(value: Any) -> float | None:
    """The finite number a value is or holds as text (CloudFormation takes `5` and `"5"`); None otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        parsed = float(value)
    except (ValueError, OverflowError):
        return None
    return parsed if math.isfinite(parsed) else None
