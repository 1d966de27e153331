"""A short string a regular expression matches in full: the placeholder for a parameter with no `Default`
whose `AllowedPattern` its name does not meet (`^fsvol-[A-Za-z0-9]+`, say).

It walks the pattern as Python's `re` parses it, taking the first choice everywhere and each repeat its
least count (at least one); lookarounds, back references and any construct it does not know give up (None),
and so does a result the pattern does not match in full. This relies on `re._parser`, the parser behind
`re.compile` (Python 3.11-3.13 tested), kept to this one adapter: no maintained
library generates strings from a regular expression, and a parameter placeholder needs only one.

Example:
    >>> example("^fsvol-[A-Za-z0-9]+"), example("[a-z]{3}-\\\\d{2}"), example("(prod|dev)")
    ('fsvol-A', 'aaa-00', 'prod')
    >>> example("(?!x).*") is None
    True
"""

from __future__ import annotations

import re
from re import _constants as constants  # type: ignore[attr-defined]
from re import _parser as parser  # type: ignore[attr-defined]
from typing import Any

_CATEGORY_CHARACTER = {constants.CATEGORY_DIGIT: "0", constants.CATEGORY_WORD: "a", constants.CATEGORY_SPACE: " ",
                       constants.CATEGORY_NOT_DIGIT: "a", constants.CATEGORY_NOT_WORD: "-",
                       constants.CATEGORY_NOT_SPACE: "a"}


class _GiveUp(Exception):
    """A construct this walk does not produce text for."""


def example(pattern: str) -> str | None:
    """A string `pattern` matches in full, or None when none is found this way."""
    try:
        text = _walk(parser.parse(pattern), {})
    except (_GiveUp, re.error, RecursionError, TypeError, ValueError, IndexError):
        # An unknown construct, or parser nodes of another shape than this walk knows: no example.
        return None
    return text if re.fullmatch(pattern, text) else None


def _walk(items: Any, groups: dict[int, str]) -> str:
    return "".join(_item(op, argument, groups) for op, argument in items)


def _item(op: Any, argument: Any, groups: dict[int, str]) -> str:
    if op is constants.LITERAL:
        return chr(argument)
    if op in (constants.NOT_LITERAL, constants.ANY):
        return "a" if op is constants.ANY or argument != ord("a") else "b"
    if op is constants.IN:
        return _member(argument)
    if op in (constants.MAX_REPEAT, constants.MIN_REPEAT, getattr(constants, "POSSESSIVE_REPEAT", None)):
        least, most, body = argument
        return _walk(body, groups) * int(least or min(1, most))
    if op is constants.SUBPATTERN:
        group, _add, _delete, body = argument
        text = _walk(body, groups)
        if group is not None:
            groups[group] = text
        return text
    if op is constants.BRANCH:
        return _walk(argument[1][0], groups)
    if op is constants.AT:
        return ""
    if op is constants.GROUPREF and argument in groups:
        return groups[argument]
    raise _GiveUp(str(op))


def _member(items: Any) -> str:
    if items and items[0][0] is constants.NEGATE:
        excluded = {chr(value) for op, value in items[1:] if op is constants.LITERAL}
        return next(character for character in "axz0_" if character not in excluded)
    op, value = items[0]
    if op is constants.LITERAL:
        return chr(value)
    if op is constants.RANGE:
        return chr(value[0])
    if op is constants.CATEGORY and value in _CATEGORY_CHARACTER:
        return _CATEGORY_CHARACTER[value]
    raise _GiveUp(str(op))
