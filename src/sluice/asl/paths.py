"""JSONPath as Step Functions uses it: reference paths, queries, and `ResultPath` merging.

A path starts at one of three roots: `$` (the state's data), `$$` (the context object) or
`$name` (a workflow variable). Paths are parsed once and cached; definite paths (only fields and
indexes — the overwhelming majority) are evaluated by a tight loop, the rest (wildcards, slices,
unions, filters, recursive descent) by a small tree walker.

Why hand-written rather than jsonpath-ng: ASL needs the `$$`/`$var` roots, "definite vs
indefinite" results (a definite path yields a value, an indefinite one a list) and speed on the
hot path (every state evaluates several paths); a generic library gives none of the three.

Example:
    >>> compile_path("$.orders[0].id").get({"orders": [{"id": 7}]})
    7
    >>> set_path({"a": 1}, compile_path("$.b.c"), 2)
    {'a': 1, 'b': {'c': 2}}
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sluice import json_text
from sluice.asl.errors import ErrorName, StatesError

ROOT_INPUT = "$"
ROOT_CONTEXT = "$$"


class PathNotFound(LookupError):
    """The path is well formed but does not exist in the data; `str()` says why, in the words
    of Jayway JsonPath (the library AWS's messages come from): "No results for path: $['a']['b']"
    when the last step is missing, "Missing property in path $['a']" when an earlier one is."""


class PathSyntaxError(ValueError):
    """The text is not a JSONPath Step Functions accepts."""


@dataclass(frozen=True, slots=True)
class _Field:
    name: str


@dataclass(frozen=True, slots=True)
class _Index:
    index: int


@dataclass(frozen=True, slots=True)
class _Wildcard:
    pass


@dataclass(frozen=True, slots=True)
class _Slice:
    start: int | None
    stop: int | None
    step: int | None


@dataclass(frozen=True, slots=True)
class _Union:
    keys: tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class _Descend:
    name: str | None  # None: `..*`


@dataclass(frozen=True, slots=True)
class _Filter:
    expression: str


_Step = _Field | _Index | _Wildcard | _Slice | _Union | _Descend | _Filter

_ROOT = re.compile(r"\$\$|\$[A-Za-z_][A-Za-z0-9_]*|\$")
_NAME = re.compile(r"[^.\[\]\s]+")
_BRACKET_STRING = re.compile(r"""\[\s*(['"])(.*?)\1\s*\]""")
_BRACKET_INDEX = re.compile(r"\[\s*(-?\d+)\s*\]")
_BRACKET_SLICE = re.compile(r"\[\s*(-?\d*)\s*:\s*(-?\d*)\s*(?::\s*(-?\d*)\s*)?\]")
_BRACKET_UNION = re.compile(r"""\[\s*((?:'[^']*'|"[^"]*"|-?\d+)(?:\s*,\s*(?:'[^']*'|"[^"]*"|-?\d+))+)\s*\]""")


@dataclass(frozen=True, slots=True)
class Path:
    """A compiled path: its root (`$`, `$$` or `$name`) and its steps."""

    text: str
    root: str
    steps: tuple[_Step, ...]
    definite: bool
    # The steps' names when every step is a field (`$.a.b`, most paths): the hot path walks them
    # directly; a miss falls through to the general walk, which words it.
    names: tuple[str, ...] | None = None

    def get(self, data: Any) -> Any:
        """Evaluate against `data` (the value of the root); raise PathNotFound when absent."""
        if self.names is not None:
            current = data
            for name in self.names:
                if type(current) is not dict or name not in current:
                    break
                current = current[name]
            else:
                return current
        if self.definite:
            current = data
            for position, step in enumerate(self.steps):
                if isinstance(step, _Field):
                    if not isinstance(current, dict) or step.name not in current:
                        raise PathNotFound(self._miss(position, current))
                    current = current[step.name]
                else:
                    assert isinstance(step, _Index)
                    if not isinstance(current, list) or not -len(current) <= step.index < len(current):
                        raise PathNotFound(self._miss(position, current))
                    current = current[step.index]
            return current
        return _query(data, self.steps)

    def _miss(self, position: int, node: Any) -> str:
        """Why step `position` found nothing in `node`, as Jayway words it (AWS recordings:
        `$.no.such.result.path` on `{}` is "Missing property in path $['no']", `$.NoSuchInputPath`
        "No results for path: $['NoSuchInputPath']")."""
        last = position == len(self.steps) - 1
        if isinstance(node, dict) and not last:
            return f"Missing property in path {self._normalized(self.steps[: position + 1])}"
        return f"No results for path: {self.normalized()}"

    def normalized(self) -> str:
        """The path as Jayway JsonPath (the library AWS's messages come from) prints it:
        `$.a[0]` is `$['a'][0]`."""
        return self._normalized(self.steps)

    def _normalized(self, steps: tuple[_Step, ...]) -> str:
        return self.root + "".join(
            f"['{step.name}']" if isinstance(step, _Field) else f"[{step.index}]"
            for step in steps
            if isinstance(step, _Field | _Index)
        )

    @property
    def is_reference(self) -> bool:
        """A Reference Path (ASL spec): only fields and single indexes — what ResultPath needs."""
        return self.definite


@lru_cache(maxsize=4096)
def compile_path(text: str) -> Path:
    """Parse a path once; raise PathSyntaxError with the offending text when malformed."""
    stripped = text.strip()
    root_match = _ROOT.match(stripped)
    if root_match is None:
        raise PathSyntaxError(f"'{text}' is not a valid JSONPath: it must start with '$'")
    root = root_match.group(0)
    steps: list[_Step] = []
    pos = root_match.end()
    while pos < len(stripped):
        step, pos = _parse_step(stripped, pos, text)
        steps.append(step)
    definite = all(isinstance(step, _Field | _Index) for step in steps)
    names = tuple(step.name for step in steps if isinstance(step, _Field))
    return Path(text=text, root=root, steps=tuple(steps), definite=definite,
                names=names if len(names) == len(steps) else None)


def _parse_step(text: str, pos: int, original: str) -> tuple[_Step, int]:
    if text.startswith("..", pos):
        pos += 2
        if text.startswith("*", pos):
            return _Descend(None), pos + 1
        name = _NAME.match(text, pos)
        if name is None:
            raise PathSyntaxError(f"'{original}' is not a valid JSONPath: expected a name after '..'")
        return _Descend(name.group(0)), name.end()
    if text.startswith(".[", pos):
        return _parse_bracket(text, pos + 1, original)  # AWS documents `$.abc.['def ghi']`
    if text.startswith(".", pos):
        pos += 1
        if text.startswith("*", pos):
            return _Wildcard(), pos + 1
        name = _NAME.match(text, pos)
        if name is None:
            raise PathSyntaxError(f"'{original}' is not a valid JSONPath: expected a name after '.'")
        return _Field(name.group(0)), name.end()
    if text.startswith("[", pos):
        return _parse_bracket(text, pos, original)
    raise PathSyntaxError(f"'{original}' is not a valid JSONPath: unexpected '{text[pos]}' at {pos}")


def _parse_bracket(text: str, pos: int, original: str) -> tuple[_Step, int]:
    if text.startswith("[*]", pos):
        return _Wildcard(), pos + 3
    if text.startswith("[?(", pos):
        end = _matching_filter_end(text, pos, original)
        return _Filter(text[pos + 3 : end - 2].strip()), end
    if m := _BRACKET_STRING.match(text, pos):
        return _Field(m.group(2)), m.end()
    if m := _BRACKET_INDEX.match(text, pos):
        return _Index(int(m.group(1))), m.end()
    if m := _BRACKET_SLICE.match(text, pos):
        start, stop, step = (int(g) if g else None for g in m.groups())
        return _Slice(start, stop, step), m.end()
    if m := _BRACKET_UNION.match(text, pos):
        keys = tuple(_union_key(part.strip()) for part in _split_union(m.group(1)))
        return _Union(keys), m.end()
    raise PathSyntaxError(f"'{original}' is not a valid JSONPath: bad bracket expression at {pos}")


def _split_union(body: str) -> list[str]:
    return re.findall(r"""'[^']*'|"[^"]*"|-?\d+""", body)


def _union_key(part: str) -> str | int:
    return part[1:-1] if part[0] in "'\"" else int(part)


def _matching_filter_end(text: str, pos: int, original: str) -> int:
    depth = 0
    quote: str | None = None
    for i in range(pos + 2, len(text)):
        char = text[i]
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                if text.startswith(")]", i):
                    return i + 2
                break
    raise PathSyntaxError(f"'{original}' is not a valid JSONPath: unterminated filter")


def _query(data: Any, steps: tuple[_Step, ...]) -> list[Any]:
    """Evaluate an indefinite path: the list of every match (possibly empty)."""
    nodes = [data]
    for step in steps:
        nodes = [child for node in nodes for child in _apply(step, node)]
    return nodes


def _apply(step: _Step, node: Any) -> list[Any]:
    if isinstance(step, _Field):
        return [node[step.name]] if isinstance(node, dict) and step.name in node else []
    if isinstance(step, _Index):
        if isinstance(node, list) and -len(node) <= step.index < len(node):
            return [node[step.index]]
        return []
    if isinstance(step, _Wildcard):
        return _children(node)
    if isinstance(step, _Slice):
        return node[step.start : step.stop : step.step] if isinstance(node, list) else []
    if isinstance(step, _Union):
        return [value for key in step.keys for value in _apply(_key_step(key), node)]
    if isinstance(step, _Descend):
        return _descend(node, step.name)
    return [child for child in _children(node) if _filter_matches(step.expression, child)]


def _key_step(key: str | int) -> _Field | _Index:
    return _Index(key) if isinstance(key, int) else _Field(key)


def _children(node: Any) -> list[Any]:
    if isinstance(node, dict):
        return list(node.values())
    if isinstance(node, list):
        return list(node)
    return []


def _descend(node: Any, name: str | None) -> list[Any]:
    found: list[Any] = []
    stack = [node]
    while stack:
        current = stack.pop(0)
        if name is None:
            found.extend(_children(current))
        elif isinstance(current, dict) and name in current:
            found.append(current[name])
        stack.extend(_children(current))
    return found


_COMPARISON = re.compile(r"^@((?:\.[A-Za-z0-9_\-]+|\[\d+\])*)\s*(==|!=|<=|>=|<|>)\s*(.+)$")
_EXISTS = re.compile(r"^@((?:\.[A-Za-z0-9_\-]+|\[\d+\])+)$")


def _filter_matches(expression: str, item: Any) -> bool:
    """Filter predicates: `@.x op literal`, `@.x` (exists), joined by `&&` / `||`."""
    for disjunct in expression.split("||"):
        if all(_atom_matches(atom.strip(), item) for atom in disjunct.split("&&")):
            return True
    return False


def _atom_matches(atom: str, item: Any) -> bool:
    if m := _EXISTS.match(atom):
        return bool(_query(item, compile_path("$" + m.group(1)).steps))
    m = _COMPARISON.match(atom)
    if m is None:
        raise PathSyntaxError(f"Unsupported JSONPath filter expression '{atom}'")
    matches = _query(item, compile_path("$" + m.group(1)).steps) if m.group(1) else [item]
    if not matches:
        return False
    left, operator, right = matches[0], m.group(2), _literal(m.group(3).strip())
    try:
        return bool(_COMPARATORS[operator](left, right))
    except TypeError:
        return False


def _literal(text: str) -> Any:
    if text[:1] == "'" and text[-1:] == "'":
        return text[1:-1]
    return json_text.loads(text)


_COMPARATORS = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def set_path(data: Any, path: Path, value: Any) -> Any:
    """Return a copy of `data` with `value` placed at the reference path (ResultPath semantics).

    Only the containers along the path are copied — the rest is shared — because values are
    never mutated in place anywhere in the engine.
    """
    if not path.steps:
        return value
    if not path.definite:
        raise StatesError(ErrorName.RESULT_PATH_MATCH_FAILURE, f"ResultPath '{path.text}' is not a reference path")
    # Iterative, not recursive: a path may have thousands of steps (`$.a.a.a…`).
    copies: list[Any] = []
    node = data
    for step in path.steps:
        if isinstance(step, _Field):
            if not isinstance(node, dict):
                raise _result_path_mismatch(path, node)
            copies.append(dict(node))
            # Missing intermediate objects are created, as AWS does for `"ResultPath": "$.a.b"`.
            node = node.get(step.name, {})
        else:
            assert isinstance(step, _Index)
            if not isinstance(node, list) or not -len(node) <= step.index < len(node):
                raise _result_path_mismatch(path, node)
            copies.append(list(node))
            node = node[step.index]
    for container, step in zip(reversed(copies), reversed(path.steps), strict=True):
        key = step.name if isinstance(step, _Field) else step.index  # type: ignore[union-attr]
        container[key] = value
        value = container
    return value


def _result_path_mismatch(path: Path, node: Any) -> StatesError:
    rendered = json.dumps(node, separators=(",", ":"))
    return StatesError(
        ErrorName.RESULT_PATH_MATCH_FAILURE,
        f"Unable to apply ResultPath '{path.text}' to input '{rendered}'",
    )
