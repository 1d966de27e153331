"""EventBridge event patterns: the full content-filter syntax, compiled once, matched fast.

Supported, as documented in "Content filtering in Amazon EventBridge event patterns": exact
values (strings, numbers, `true`/`false`, `null`), `prefix` and `suffix` (each also with
`equals-ignore-case`), `equals-ignore-case`, `wildcard` (with `\\*` for a literal star),
`anything-but` (values, or `prefix`/`suffix`/`equals-ignore-case`/`wildcard`), `numeric`
comparisons and ranges, `exists`, `cidr` (IPv4 and IPv6), `$or`, and events whose values are
arrays — including arrays of objects and nested arrays, which EventBridge flattens, so a pattern
field matches if any element matches.

Example:
    >>> pattern = compile_pattern({"source": ["aws.s3"], "detail": {"object": {"key": [{"suffix": ".csv"}]}}})
    >>> pattern.matches({"source": "aws.s3", "detail": {"object": {"key": "in/a.csv"}}})
    True
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sluice import json_text
from sluice.json_types import json_type

Matcher = Callable[[Any], bool]
_NUMERIC_OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    "=": lambda a, b: a == b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}
_ABSENT = object()


class PatternError(ValueError):
    """The pattern is not valid; the message says where and why (like PutRule's error)."""

    def __init__(self, reason: str, path: str = "") -> None:
        where = f" at {path}" if path else ""
        super().__init__(f"Event pattern is not valid{where}. Reason: {reason}")


@dataclass
class _Leaf:
    matchers: list[Matcher]
    #: None when the leaf has no `exists` clause, else the required presence.
    exists: bool | None = None


@dataclass
class _Node:
    fields: dict[str, _Node | _Leaf] = field(default_factory=dict)
    alternatives: list[_Node] = field(default_factory=list)


class Pattern:
    """A compiled event pattern."""

    def __init__(self, source: Mapping[str, Any] | str) -> None:
        document = _load(source)
        self.source = document
        self._root = _compile_node(document, "")

    def matches(self, event: Mapping[str, Any]) -> bool:
        return _match_node(self._root, [event])


def compile_pattern(source: Mapping[str, Any] | str) -> Pattern:
    return Pattern(source)


def matches(pattern: Mapping[str, Any] | str, event: Mapping[str, Any]) -> bool:
    """One-off match (compile once with `compile_pattern` when matching many events)."""
    return Pattern(pattern).matches(event)


# -- compiling ---------------------------------------------------------------------------------

def _load(source: Mapping[str, Any] | str) -> dict[str, Any]:
    if isinstance(source, str):
        try:
            document = json_text.loads(source)
        except json.JSONDecodeError as error:
            raise PatternError(f"not valid JSON: {error.msg} (column {error.colno})") from None
    elif isinstance(source, Mapping):
        document = dict(source)
    else:  # a YAML list or scalar where the template meant an object
        document = source
    if not isinstance(document, dict):
        kind = json_type(document)
        article = "an" if kind[0] in "aeiou" else "a"
        raise PatternError(f"a pattern must be a non-empty JSON object, not {article} {kind}")
    if not document:
        raise PatternError("a pattern must be a non-empty JSON object")
    return document


def _compile_node(document: Mapping[str, Any], path: str) -> _Node:
    node = _Node()
    for key, value in document.items():
        where = f"{path}.{key}" if path else key
        if key == "$or":
            if not isinstance(value, list) or len(value) < 2 or not all(isinstance(item, dict) for item in value):
                raise PatternError("$or takes a list of at least two pattern objects", where)
            node.alternatives = [_compile_node(item, where) for item in value]
        elif isinstance(value, dict):
            if not value:
                raise PatternError("empty object", where)
            node.fields[key] = _compile_node(value, where)
        elif isinstance(value, list):
            node.fields[key] = _compile_leaf(value, where)
        else:
            raise PatternError(f"match value must be an array or an object, not {json.dumps(value)}", where)
    return node


def _compile_leaf(values: list[Any], path: str) -> _Leaf:
    if not values:
        raise PatternError("empty arrays are not allowed", path)
    leaf = _Leaf(matchers=[])
    for value in values:
        if isinstance(value, dict):
            if len(value) != 1:
                raise PatternError(f"a filter object has exactly one key, not {sorted(value)}", path)
            operator, argument = next(iter(value.items()))
            if operator == "exists":
                if not isinstance(argument, bool):
                    raise PatternError("exists takes true or false", path)
                leaf.exists = argument
                continue
            leaf.matchers.append(_compile_filter(operator, argument, path))
        elif isinstance(value, list):
            raise PatternError("nested arrays are not allowed in a pattern", path)
        else:
            leaf.matchers.append(_exact(value))
    return leaf


def _compile_filter(operator: str, argument: Any, path: str) -> Matcher:
    if operator in ("prefix", "suffix"):
        return _affix(operator, argument, path)
    if operator == "equals-ignore-case":
        texts = _texts(argument, operator, path)
        folded = {text.casefold() for text in texts}
        return lambda value: isinstance(value, str) and value.casefold() in folded
    if operator == "wildcard":
        expressions = [_wildcard(text, path) for text in _texts(argument, operator, path)]
        return lambda value: isinstance(value, str) and any(expression.fullmatch(value) for expression in expressions)
    if operator == "anything-but":
        return _anything_but(argument, path)
    if operator == "numeric":
        return _numeric(argument, path)
    if operator == "cidr":
        return _cidr(argument, path)
    raise PatternError(f"unrecognized match type {operator}", path)


def _exact(expected: Any) -> Matcher:
    if isinstance(expected, bool) or expected is None:
        return lambda value: value is expected
    if isinstance(expected, int | float):
        return lambda value: isinstance(value, int | float) and not isinstance(value, bool) and value == expected
    if isinstance(expected, str):
        return lambda value: value == expected
    raise PatternError(f"unsupported value {expected!r}")


def _affix(operator: str, argument: Any, path: str) -> Matcher:
    ignore_case = False
    if isinstance(argument, dict):
        if set(argument) != {"equals-ignore-case"}:
            raise PatternError(f"{operator} takes a string or {{\"equals-ignore-case\": string}}", path)
        argument, ignore_case = argument["equals-ignore-case"], True
    if not isinstance(argument, str):
        raise PatternError(f"{operator} match pattern must be a string", path)
    wanted = argument.casefold() if ignore_case else argument
    check = str.startswith if operator == "prefix" else str.endswith

    def matcher(value: Any) -> bool:
        if not isinstance(value, str):
            return False
        return check(value.casefold() if ignore_case else value, wanted)

    return matcher


def _anything_but(argument: Any, path: str) -> Matcher:
    where = f"{path} (anything-but)"
    if isinstance(argument, dict):
        if len(argument) != 1:
            raise PatternError("anything-but takes one filter", where)
        operator, inner = next(iter(argument.items()))
        if operator not in ("prefix", "suffix", "equals-ignore-case", "wildcard"):
            raise PatternError(f"anything-but cannot be combined with {operator}", where)
        excluded = [_compile_filter(operator, item, where) for item in (inner if isinstance(inner, list) else [inner])]
        return lambda value: isinstance(value, str) and not any(match(value) for match in excluded)
    values = argument if isinstance(argument, list) else [argument]
    if not values or any(isinstance(item, dict | list) for item in values):
        raise PatternError("anything-but takes a value, a list of values, or one filter object", where)
    excluded_values = [_exact(item) for item in values]
    return lambda value: not any(match(value) for match in excluded_values)


def _numeric(argument: Any, path: str) -> Matcher:
    if not isinstance(argument, list) or len(argument) not in (2, 4):
        raise PatternError("numeric takes [operator, number] or [lower operator, number, upper operator, number]",
                           path)
    conditions: list[tuple[Callable[[float, float], bool], float]] = []
    for index in range(0, len(argument), 2):
        operator, bound = argument[index], argument[index + 1]
        if operator not in _NUMERIC_OPERATORS:
            raise PatternError(f"unrecognized numeric operator {operator!r}", path)
        if isinstance(bound, bool) or not isinstance(bound, int | float):
            raise PatternError(f"numeric bound must be a number, not {bound!r}", path)
        conditions.append((_NUMERIC_OPERATORS[operator], float(bound)))
    if len(argument) == 4 and not (argument[0] in (">", ">=") and argument[2] in ("<", "<=")):
        raise PatternError("a numeric range is a lower bound (> or >=) followed by an upper bound (< or <=)", path)

    def matcher(value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        return all(compare(float(value), bound) for compare, bound in conditions)

    return matcher


def _cidr(argument: Any, path: str) -> Matcher:
    try:
        network = ipaddress.ip_network(str(argument), strict=False)
    except ValueError:
        raise PatternError(f"{argument!r} is not a CIDR block", path) from None

    def matcher(value: Any) -> bool:
        if not isinstance(value, str):
            return False
        try:
            return ipaddress.ip_address(value) in network
        except ValueError:
            return False

    return matcher


def _texts(argument: Any, operator: str, path: str) -> list[str]:
    texts = argument if isinstance(argument, list) else [argument]
    if not texts or not all(isinstance(text, str) for text in texts):
        raise PatternError(f"{operator} match pattern must be a string", path)
    return texts


def _wildcard(text: str, path: str) -> re.Pattern[str]:
    if "**" in text:
        raise PatternError("consecutive wildcard characters are not allowed", path)
    pieces, index = [], 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text) and text[index + 1] in "*\\":
            pieces.append(re.escape(text[index + 1]))
            index += 2
            continue
        pieces.append(".*" if char == "*" else re.escape(char))
        index += 1
    return re.compile("".join(pieces), re.DOTALL)


# -- matching ----------------------------------------------------------------------------------

def _match_node(node: _Node, values: list[Any]) -> bool:
    objects = [value for value in values if isinstance(value, dict)]
    for key, child in node.fields.items():
        found = _children(objects, key)
        if isinstance(child, _Node):
            if not _match_node(child, found):
                return False
        elif not _match_leaf(child, found):
            return False
    return not node.alternatives or any(_match_node(branch, values) for branch in node.alternatives)


def _children(objects: list[dict[str, Any]], key: str) -> list[Any]:
    """Every value at `key`, arrays flattened (nested arrays too)."""
    found: list[Any] = []
    for item in objects:
        value = item.get(key, _ABSENT)
        if value is not _ABSENT:
            _flatten(value, found)
    return found


def _flatten(value: Any, into: list[Any]) -> None:
    if isinstance(value, list):
        for item in value:
            _flatten(item, into)
    else:
        into.append(value)


def _match_leaf(leaf: _Leaf, values: list[Any]) -> bool:
    scalars = [value for value in values if not isinstance(value, dict)]
    present = bool(scalars)
    if leaf.exists is not None and leaf.exists == present:
        return True
    return any(matcher(value) for matcher in leaf.matchers for value in scalars)
