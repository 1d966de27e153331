"""Parser for intrinsic function calls (`States.Format('{}', $.name)`) in JSONPath states.

The grammar follows the AWS "Intrinsic functions" page and what CreateStateMachine accepts:

* a call is `States.<Name>(arg, ...)`; the name must be one of the 18 documented functions;
* an argument is a string literal in single quotes, a number (JSON number syntax, may be
  negative), `true`/`false`/`null`, a path (`$.a[0]`, `$$.Execution.Id`, `$var.field`) or a
  nested call; calls nest at most 10 deep ("You can nest up to 10 intrinsic functions");
* inside a string literal `\\'`, `\\{`, `\\}` and `\\\\` are the only escapes; any other
  backslash is an "open escape", which AWS rejects when the definition is created.

Arity and argument types are *not* checked here: AWS accepts `States.Hash('x')` at creation and
fails the execution (see `functions.py`), so the validator must accept it too.

Brace positions matter only to `States.Format`: an escaped `\\{` is a literal brace, an
unescaped `{}` is a placeholder. `StringArg.brace_positions` keeps that distinction, which the
unescaped `value` alone would lose.

Example:
    >>> call = parse_intrinsic("States.Format('Hello {}', $.name)")
    >>> call.name, call.args[1]
    ('States.Format', PathArg(path='$.name'))
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

FUNCTION_NAMES: frozenset[str] = frozenset(
    f"States.{name}"
    for name in (
        "Format",
        "StringToJson",
        "JsonToString",
        "Array",
        "ArrayPartition",
        "ArrayContains",
        "ArrayRange",
        "ArrayGetItem",
        "ArrayLength",
        "ArrayUnique",
        "Base64Encode",
        "Base64Decode",
        "Hash",
        "JsonMerge",
        "MathRandom",
        "MathAdd",
        "StringSplit",
        "UUID",
    )
)

MAX_NESTING = 10
"""AWS: "You can nest up to 10 intrinsic functions within a field"."""

_ESCAPABLE = "'{}\\"
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_FUNCTION_NAME = re.compile(r"States\.[A-Za-z0-9_]+")
_KEYWORDS = {"true": True, "false": False, "null": None}
_WHITESPACE = " \t\n\r"


class IntrinsicSyntaxError(ValueError):
    """The text is not a well-formed intrinsic function call."""


@dataclass(frozen=True, slots=True)
class LiteralArg:
    """A number, boolean or null written in the call."""

    value: int | float | bool | None


@dataclass(frozen=True, slots=True)
class StringArg:
    """A quoted string; `brace_positions` are the indexes in `value` of unescaped `{`/`}`."""

    value: str
    brace_positions: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class PathArg:
    """A path exactly as written: `$...`, `$$...` or `$name...`; resolved at run time."""

    path: str


@dataclass(frozen=True, slots=True)
class IntrinsicCall:
    """`States.<Name>(args)`; `args` may contain nested calls."""

    name: str
    args: tuple[Argument, ...]

    def paths(self) -> Iterator[str]:
        """Every path argument, nested calls included (what a validator needs to check)."""
        for arg in self.args:
            if isinstance(arg, PathArg):
                yield arg.path
            elif isinstance(arg, IntrinsicCall):
                yield from arg.paths()


Argument = LiteralArg | StringArg | PathArg | IntrinsicCall


def is_intrinsic(text: str) -> bool:
    """Does a `.$` value look like an intrinsic call (as opposed to a path)?

    Only the shape is checked, as AWS's own lexer does: `States.` … `(` … `)`. Whether the call
    is well formed is `parse_intrinsic`'s job.
    """
    return text.startswith("States.") and text.endswith(")") and "(" in text


@lru_cache(maxsize=2048)
def parse_intrinsic(text: str) -> IntrinsicCall:
    """Parse a call; raise IntrinsicSyntaxError naming the problem and its position."""
    parser = _Parser(text)
    call = parser.call(depth=1)
    parser.skip_whitespace()
    if parser.pos != len(text):
        parser.fail(f"unexpected {text[parser.pos :]!r} after the closing parenthesis")
    return call


class _Parser:
    """Recursive descent over one call text; `pos` is the index of the next unread character."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def fail(self, problem: str) -> None:
        raise IntrinsicSyntaxError(
            f"Invalid intrinsic function call {self.text!r}: {problem} (at position {self.pos})"
        )

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def skip_whitespace(self) -> None:
        while self.peek() and self.peek() in _WHITESPACE:
            self.pos += 1

    def call(self, depth: int) -> IntrinsicCall:
        match = _FUNCTION_NAME.match(self.text, self.pos)
        if match is None:
            self.fail("expected a function name such as 'States.Format'")
        assert match is not None
        name = match.group(0)
        if name not in FUNCTION_NAMES:
            self.fail(f"unknown intrinsic function '{name}'")
        if depth > MAX_NESTING:
            self.fail(f"intrinsic functions can be nested at most {MAX_NESTING} deep")
        self.pos = match.end()
        self.skip_whitespace()
        if self.peek() != "(":
            self.fail(f"expected '(' after '{name}'")
        self.pos += 1
        args: list[Argument] = []
        self.skip_whitespace()
        if self.peek() == ")":
            self.pos += 1
            return IntrinsicCall(name, ())
        while True:
            self.skip_whitespace()
            args.append(self.argument(depth))
            self.skip_whitespace()
            separator = self.peek()
            self.pos += 1
            if separator == ")":
                return IntrinsicCall(name, tuple(args))
            if separator != ",":
                self.pos -= 1
                self.fail("expected ',' or ')' after an argument" if separator else "missing ')'")

    def argument(self, depth: int) -> Argument:
        char = self.peek()
        if not char:
            self.fail("missing ')'")
        if char == "'":
            return self.string()
        if char == "$":
            return PathArg(self.path())
        if self.text.startswith("States.", self.pos):
            return self.call(depth + 1)
        if char == "-" or char.isdigit():
            return self.number()
        for word, value in _KEYWORDS.items():
            end = self.pos + len(word)
            if self.text.startswith(word, self.pos) and not self.text[end : end + 1].isalnum():
                self.pos = end
                return LiteralArg(value)
        self.fail("expected an argument: a 'string', a number, true, false, null, a path or a call")
        raise AssertionError  # unreachable: fail() always raises

    def string(self) -> StringArg:
        self.pos += 1  # opening quote
        chars: list[str] = []
        braces: set[int] = set()
        while True:
            char = self.peek()
            if not char:
                self.fail("unterminated string literal")
            self.pos += 1
            if char == "'":
                return StringArg("".join(chars), frozenset(braces))
            if char == "\\":
                escaped = self.peek()
                if not escaped or escaped not in _ESCAPABLE:
                    self.pos -= 1
                    self.fail("open escape '\\': only \\', \\{, \\} and \\\\ are allowed in a string")
                chars.append(escaped)
                self.pos += 1
                continue
            if char in "{}":
                braces.add(len(chars))
            chars.append(char)

    def number(self) -> LiteralArg:
        match = _NUMBER.match(self.text, self.pos)
        end = match.end() if match else self.pos
        following = self.text[end : end + 1]
        if match is None or following == "." or following.isalnum():
            self.fail("malformed number")
        assert match is not None
        literal = match.group(0)
        self.pos = end
        is_integer = "." not in literal and "e" not in literal.lower()
        return LiteralArg(int(literal) if is_integer else float(literal))

    def path(self) -> str:
        """Read a path token: it ends at `,` `)` or whitespace outside brackets and quotes."""
        start = self.pos
        closers: list[str] = []  # brackets and filter parentheses still open
        quote = ""
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if quote:
                quote = "" if char == quote else quote
            elif char in "'\"" and closers:
                quote = char
            elif char in "[(":
                closers.append("]" if char == "[" else ")")
            elif char in "])":
                if not closers:
                    break
                if closers.pop() != char:
                    self.fail(f"mismatched {char!r} in path")
            elif not closers and (char == "," or char in _WHITESPACE):
                break
            self.pos += 1
        if quote or closers:
            self.fail("unterminated bracket in path")
        return self.text[start : self.pos]
