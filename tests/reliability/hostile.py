"""Hostile values for the handlers' bad-input campaign (issue 10, item 4), and the containment check.

Strategies draw what a hostile producer can put into an event: keys with `../`, percent-literals
(`%2E`, `%25`), form-encoding (`+`), the separators the runtime uses in keys (`|`, `=`, `#`), control
characters, lone surrogates (Lambda's Python runtime decodes a `"\\ud800"` escape into one),
`NaN`/`Infinity` (Python's `json` accepts them, RFC 8259 does not), wrong types and deep nesting.

`assert_contained` is the "none escapes its prefix" property: every object a handler wrote sits under
its bucket's documented prefixes, with no `.`/`..` segment and no control character in its key.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Mapping
from typing import Any

from hypothesis import strategies as st

# Pieces of a key that a decoder, a joiner or a path normaliser could misread.
KEY_PIECES = ["../", "..", "./", "/", "%2E", "%2e", "%25", "%2B", "%", "%E2%28", "+", " ", "|", "=", "#", "\\",
              "\x00", "\x1f", "\n", "\t", "\x7f", "\ud800", "\udfff", "é", "✓", "\U0001f600", "?versionId=x", "*"]
SURROGATES = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
TEXT = st.text(alphabet=st.one_of(st.characters(), SURROGATES, st.sampled_from("|=#%+./\\")), max_size=16)
KEY_TEXT = st.lists(st.one_of(st.sampled_from(KEY_PIECES), st.text(max_size=4)), min_size=1, max_size=6).map("".join)
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), TEXT, KEY_TEXT,
)
JSON_VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(TEXT, inner, max_size=4)), max_leaves=10)
# Characters an SQS message body may hold (#x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF):
# SQS rejects any other at SendMessage, so no poller ever receives them.
SQS_TEXT = st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters=[
    chr(c) for c in range(0x20) if c not in (0x9, 0xA, 0xD)] + ["\ufffe", "\uffff"]), max_size=40)


def deep(depth: int) -> Any:
    """A list nested `depth` levels deep."""
    value: Any = 0
    for _ in range(depth):
        value = [value]
    return value


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a member of a JSON document (dict keys, list indexes)."""
    found = [prefix] if prefix else []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
    for key, child in items:
        found += paths(child, (*prefix, key))
    return found


def replace_at(document: Any, path: tuple[Any, ...], value: Any) -> None:
    """Set the member at `path` (from `paths`) to `value`, in place."""
    container = document
    for key in path[:-1]:
        container = container[key]
    container[path[-1]] = value


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def assert_contained(written: Mapping[str, Iterable[str]], prefixes: Mapping[str, tuple[str, ...]]) -> None:
    """Every key written to a bucket starts with one of its prefixes and stays there once normalised."""
    for bucket, keys in written.items():
        allowed = prefixes[bucket]
        for key in keys:
            assert key.startswith(allowed), f"s3://{bucket}/{key} is outside {allowed}"
            segments = key.split("/")
            assert "." not in segments and ".." not in segments, f"s3://{bucket}/{key} has a relative segment"
            assert posixpath.normpath(key).startswith(allowed), f"s3://{bucket}/{key} escapes {allowed}"
            assert _CONTROL.search(key) is None, f"s3://{bucket}/{key!r} holds a control character"
