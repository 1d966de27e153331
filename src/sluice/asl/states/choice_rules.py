"""Choice rules compiled to predicates: every comparison operator of the ASL spec.

A rule is `{"Variable": path, "<Operator>": value}` or a boolean combination (`And`, `Or`,
`Not`). `*Path` operators compare against another path. Type mismatches are simply false
(a NumericEquals on a string does not match), as in AWS; a `Variable` that does not exist is an
error except for `IsPresent`. Paths are compiled with the rule, not on every evaluation.

Example:
    >>> frame = ...  # a Frame from a running execution
    >>> rule = compile_rule({"Variable": "$.n", "NumericGreaterThan": 3})
    >>> rule({"n": 5}, frame)
    True
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from sluice.asl.errors import ErrorName
from sluice.asl.frame import Frame
from sluice.asl.paths import PathNotFound
from sluice.asl.payload import Reference, contextual
from sluice.asl.states.wait import parse_timestamp

Predicate = Callable[[Any, Frame], bool]

_ORDER = {
    "Equals": operator.eq,
    "LessThan": operator.lt,
    "GreaterThan": operator.gt,
    "LessThanEquals": operator.le,
    "GreaterThanEquals": operator.ge,
}


_NUMBERS = (int, float)  # a tuple: `int | float` written in the function is built on every call


def _is_number(value: Any) -> bool:
    return isinstance(value, _NUMBERS) and not isinstance(value, bool)


def _as_timestamp(value: Any) -> float | None:
    moment = parse_timestamp(value)
    return moment.timestamp() if moment is not None else None


# Kind -> (its type test, the conversion its values are compared after; None: as they are).
_KINDS: dict[str, tuple[Callable[[Any], bool], Callable[[Any], Any] | None]] = {
    "String": (lambda v: isinstance(v, str), None),
    "Numeric": (_is_number, None),
    "Boolean": (lambda v: isinstance(v, bool), None),
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
        return lambda data, frame: all(p(data, frame) for p in parts)
    if "Or" in rule:
        parts = [compile_rule(r) for r in rule["Or"]]
        return lambda data, frame: any(p(data, frame) for p in parts)
    if "Not" in rule:
        inner = compile_rule(rule["Not"])
        return lambda data, frame: not inner(data, frame)
    variable = Reference.of(rule["Variable"])
    operator_name = next(key for key in rule if key not in {"Variable", "Next", "Assign", "Output", "Comment"})
    expected = rule[operator_name]
    if operator_name == "IsPresent":
        return _is_present(variable, bool(expected))
    if operator_name in _TYPE_TESTS:
        test = _TYPE_TESTS[operator_name]
        return lambda data, frame: test(_value(variable, data, frame)) == expected
    if operator_name == "StringMatches":
        pattern = _wildcard(expected)
        return lambda data, frame: _matches(pattern, _value(variable, data, frame))
    if operator_name.endswith("Path"):
        return _comparison(variable, operator_name[:-4], Reference.of(expected))
    return _comparison(variable, operator_name, expected)


def _comparison(variable: Reference, operator_name: str, expected: Any) -> Predicate:
    """`<Kind><Order>` against a literal, or against a path when `expected` is a Reference."""
    by_path = isinstance(expected, Reference)
    kind = next(k for k in _KINDS if operator_name.startswith(k))
    compare = _ORDER[operator_name[len(kind) :]]
    is_kind, convert = _KINDS[kind]

    def predicate(data: Any, frame: Frame) -> bool:
        left = _value(variable, data, frame)
        right = _value(expected, data, frame) if by_path else expected
        if not (is_kind(left) and is_kind(right)):
            return False
        if convert is None:
            return bool(compare(left, right))
        return bool(compare(convert(left), convert(right)))

    return predicate


def _is_present(variable: Reference, expected: bool) -> Predicate:
    def predicate(data: Any, frame: Frame) -> bool:
        try:
            variable.resolve(data, frame)
        except PathNotFound:
            return not expected
        return expected

    return predicate


def _value(path: Reference, data: Any, frame: Frame) -> Any:
    try:
        return path.resolve(data, frame)
    except PathNotFound:
        raise contextual(
            ErrorName.RUNTIME,
            f"Invalid path '{path.text}': The choice state's condition path references an invalid value.",
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
