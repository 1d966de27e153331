"""Choice rules compiled to predicates: every comparison operator of the ASL spec.

A rule is `{"Variable": path, "<Operator>": value}` or a boolean combination (`And`, `Or`,
`Not`). `*Path` operators compare against another path. Type mismatches are simply false
(a NumericEquals on a string does not match), as in AWS; a `Variable` that does not exist is an
error except for `IsPresent`.

Example:
    >>> rule = compile_rule({"Variable": "$.n", "NumericGreaterThan": 3})
    >>> rule({"n": 5}, resolve=lambda path, data: data["n"])
    True
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from sluice.asl.errors import ErrorName
from sluice.asl.paths import PathNotFound
from sluice.asl.payload import contextual
from sluice.asl.states.wait import parse_timestamp

Resolver = Callable[[str, Any], Any]
Predicate = Callable[[Any, Resolver], bool]

_ORDER = {
    "Equals": operator.eq,
    "LessThan": operator.lt,
    "GreaterThan": operator.gt,
    "LessThanEquals": operator.le,
    "GreaterThanEquals": operator.ge,
}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _as_timestamp(value: Any) -> float | None:
    moment = parse_timestamp(value)
    return moment.timestamp() if moment is not None else None


_KINDS: dict[str, tuple[Callable[[Any], bool], Callable[[Any], Any]]] = {
    "String": (lambda v: isinstance(v, str), lambda v: v),
    "Numeric": (_is_number, lambda v: v),
    "Boolean": (lambda v: isinstance(v, bool), lambda v: v),
    "Timestamp": (lambda v: _as_timestamp(v) is not None, _as_timestamp),
}

_TYPE_TESTS: dict[str, Callable[[Any], bool]] = {
    "IsNull": lambda v: v is None,
    "IsNumeric": _is_number,
    "IsString": lambda v: isinstance(v, str),
    "IsBoolean": lambda v: isinstance(v, bool),
    "IsTimestamp": lambda v: _as_timestamp(v) is not None,
}


def compile_rule(rule: dict[str, Any]) -> Predicate:
    """Turn one Choice rule (or nested boolean expression) into a predicate."""
    if "And" in rule:
        parts = [compile_rule(r) for r in rule["And"]]
        return lambda data, resolve: all(p(data, resolve) for p in parts)
    if "Or" in rule:
        parts = [compile_rule(r) for r in rule["Or"]]
        return lambda data, resolve: any(p(data, resolve) for p in parts)
    if "Not" in rule:
        inner = compile_rule(rule["Not"])
        return lambda data, resolve: not inner(data, resolve)
    variable = rule["Variable"]
    operator_name = next(key for key in rule if key not in {"Variable", "Next", "Assign", "Output", "Comment"})
    expected = rule[operator_name]
    if operator_name == "IsPresent":
        return _is_present(variable, bool(expected))
    if operator_name in _TYPE_TESTS:
        test = _TYPE_TESTS[operator_name]
        return lambda data, resolve: test(_value(variable, data, resolve)) == expected
    if operator_name == "StringMatches":
        pattern = _wildcard(expected)
        return lambda data, resolve: _matches(pattern, _value(variable, data, resolve))
    return _comparison(variable, operator_name, expected)


def _comparison(variable: str, operator_name: str, expected: Any) -> Predicate:
    by_path = operator_name.endswith("Path")
    base = operator_name[:-4] if by_path else operator_name
    kind = next(k for k in _KINDS if base.startswith(k))
    compare = _ORDER[base[len(kind) :]]
    is_kind, convert = _KINDS[kind]

    def predicate(data: Any, resolve: Resolver) -> bool:
        left = _value(variable, data, resolve)
        right = _value(expected, data, resolve) if by_path else expected
        if not (is_kind(left) and is_kind(right)):
            return False
        return bool(compare(convert(left), convert(right)))

    return predicate


def _is_present(variable: str, expected: bool) -> Predicate:
    def predicate(data: Any, resolve: Resolver) -> bool:
        try:
            resolve(variable, data)
        except PathNotFound:
            return not expected
        return expected

    return predicate


def _value(path: str, data: Any, resolve: Resolver) -> Any:
    try:
        return resolve(path, data)
    except PathNotFound:
        raise contextual(
            ErrorName.RUNTIME,
            f"Invalid path '{path}': The choice state's condition path references an invalid value.",
        ) from None


@lru_cache(maxsize=256)
def _wildcard(pattern: str) -> re.Pattern[str]:
    """StringMatches: `*` is any run of characters, `\\*` a literal star."""
    parts = re.split(r"(\\\\|\\\*|\*)", pattern)
    regex = "".join(
        ".*"
        if part == "*"
        else re.escape("*")
        if part == "\\*"
        else re.escape("\\")
        if part == "\\\\"
        else re.escape(part)
        for part in parts
    )
    return re.compile(regex, re.DOTALL)


def _matches(pattern: re.Pattern[str], value: Any) -> bool:
    return isinstance(value, str) and pattern.fullmatch(value) is not None
