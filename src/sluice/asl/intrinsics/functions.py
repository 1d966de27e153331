"""Evaluation of the 18 `States.*` intrinsic functions.

Behaviour follows the AWS "Intrinsic functions" page, the AWS-recorded conformance cases
(`asl-aws-recorded.jsonl`, features `Intrinsic:*`) and published
black-box observations of AWS where the page is silent. The non-obvious ones:

* A failing call is a `States.Runtime` error whose cause contains `Invalid arguments in
  States.<Name>` — that is what AWS reports (the `States.IntrinsicFailure` name is reserved but
  not what executions fail with), and why `States.ALL` cannot catch it. Wrong arity is a run-time
  failure too: AWS accepts `States.Hash('x')` when the definition is created.
* Fractional numbers are truncated by ArrayRange/ArrayPartition/ArrayGetItem/MathRandom but
  rounded half-up by MathAdd (AWS-recorded: `MathAdd(2.5, 0) == 3`, `MathAdd(-1.49, -1.5) == -2`).
* StringSplit splits on *any* character of the delimiter string and drops empty tokens
  (AWS-recorded: `",,,,"` → `[]`), i.e. `java.util.StringTokenizer`.
* StringToJson of a blank string is `null` (AWS-recorded for `" "`).
* ArrayContains compares values by their text (AWS matches `true` against `"true"` and is
  sensitive to object key order); ArrayUnique compares JSON values structurally.
* Base64Decode is lenient like a MIME decoder: characters outside the alphabet are skipped and
  padding is optional.

Example:
    >>> evaluate_intrinsic("States.MathAdd($.n, 1)", lambda path: 41, random.Random(0))
    42
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import random
import uuid
from collections.abc import Callable
from typing import Any, NoReturn

from sluice import json_text
from sluice.asl.errors import ErrorName, StatesError
from sluice.asl.intrinsics.javalike import (
    JavaRandom,
    is_int32,
    java_round,
    java_string,
    truncate,
    utf16_length,
)
from sluice.asl.intrinsics.parser import (
    Argument,
    IntrinsicCall,
    LiteralArg,
    PathArg,
    StringArg,
    parse_intrinsic,
)

Resolver = Callable[[str], Any]

FAILURE_ERROR = ErrorName.RUNTIME
"""The error a failing call raises. AWS executions fail with `States.Runtime` and a cause
containing `Invalid arguments in States.<Name>` (observed for MathAdd, ArrayRange, Hash, …), not
with the reserved `States.IntrinsicFailure`; `States.ALL` therefore does not catch it."""

MAX_ARRAY_RANGE_ITEMS = 1000
MAX_STRING_INPUT = 10_000
"""Base64Encode/Base64Decode/Hash: "a data string of up to 10,000 characters"."""

HASH_ALGORITHMS: dict[str, Callable[[bytes], Any]] = {
    "MD5": hashlib.md5,
    "SHA-1": hashlib.sha1,
    "SHA-256": hashlib.sha256,
    "SHA-384": hashlib.sha384,
    "SHA-512": hashlib.sha512,
}

# Tuples, not `A | B`: a union written in a function is built again on every call (hot path).
_CONSTANT_ARGUMENTS = (StringArg, LiteralArg)
_NUMBERS = (int, float)
_BASE64_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")


def evaluate_intrinsic(call: IntrinsicCall | str, resolve: Resolver, rng: random.Random) -> Any:
    """Evaluate a call; `resolve` maps a path argument to its value, `rng` is the execution's.

    Raises StatesError(States.Runtime) for invalid arguments; errors raised by `resolve`
    (a missing path, an undefined variable) propagate unchanged.
    """
    parsed = parse_intrinsic(call) if isinstance(call, str) else call
    return _evaluate(parsed, resolve, rng)


def _evaluate(call: IntrinsicCall, resolve: Resolver, rng: random.Random) -> Any:
    args = [_argument_value(arg, resolve, rng) for arg in call.args]
    if (fixed := _FUNCTIONS.get(call.name)) is not None:  # most calls: one lookup, no comparisons
        function, arity = fixed
        if len(args) != arity:
            _expect_arity(call.name, args, arity)
        return function(call.name, *args)
    if call.name == "States.Format":
        return _format(call, args)
    if call.name == "States.MathRandom":
        return _math_random(call.name, args, rng)
    if call.name == "States.Array":
        return args
    if call.name == "States.UUID":
        _expect_arity(call.name, args, 0)
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))
    raise KeyError(call.name)  # not one of the 18 (the parser accepts none other)


def _argument_value(arg: Argument, resolve: Resolver, rng: random.Random) -> Any:
    if isinstance(arg, _CONSTANT_ARGUMENTS):
        return arg.value
    if isinstance(arg, PathArg):
        return resolve(arg.path)
    return _evaluate(arg, resolve, rng)


def _invalid(name: str, detail: str) -> NoReturn:
    raise StatesError(FAILURE_ERROR, f"Invalid arguments in {name}: {detail}", contextual=True)


def _expect_arity(name: str, args: list[Any], *accepted: int) -> None:
    if len(args) not in accepted:
        wanted = " or ".join(str(count) for count in accepted)
        _invalid(name, f"expected {wanted} argument(s), got {len(args)}")


def _number(name: str, value: Any, role: str) -> int | float:
    # JSON booleans are not numbers; `1e309` parses to infinity, which no function accepts.
    if isinstance(value, bool) or not isinstance(value, _NUMBERS) or not math.isfinite(value):
        _invalid(name, f"the {role} must be a finite number, got {_describe(value)}")
    return value


def _string(name: str, value: Any, role: str) -> str:
    if not isinstance(value, str):
        _invalid(name, f"the {role} must be a string, got {_describe(value)}")
    return value


def _array(name: str, value: Any, role: str = "first argument") -> list[Any]:
    if not isinstance(value, list):
        _invalid(name, f"the {role} must be an array, got {_describe(value)}")
    return value


def _describe(value: Any) -> str:
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _json_text(value: Any) -> str:
    """Compact JSON, non-ASCII kept as is — what AWS's JsonToString produces."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _check_length(name: str, text: str) -> None:
    if utf16_length(text) > MAX_STRING_INPUT:
        _invalid(name, f"the input string is longer than {MAX_STRING_INPUT} characters")


# --- States.Format -------------------------------------------------------------------------------


def _format(call: IntrinsicCall, args: list[Any]) -> str:
    name = call.name
    if not args:
        _invalid(name, "expected a format string as first argument")
    template = _string(name, args[0], "format string (first argument)")
    first = call.args[0]
    # A literal template knows which braces were escaped; a template read from a path has no
    # escapes, so every brace in it is significant.
    braces = (
        first.brace_positions
        if isinstance(first, StringArg)
        else frozenset(i for i, char in enumerate(template) if char in "{}")
    )
    pieces = _split_template(name, template, braces)
    values = args[1:]
    if len(pieces) - 1 != len(values):
        _invalid(
            name,
            f"the format string has {len(pieces) - 1} placeholder(s) {{}} but {len(values)} "
            "value(s) were given",
        )
    rendered = [pieces[0]]
    for value, piece in zip(values, pieces[1:], strict=True):
        rendered.append(java_string(value))
        rendered.append(piece)
    return "".join(rendered)


def _split_template(name: str, template: str, braces: frozenset[int]) -> list[str]:
    """Text between placeholders; every unescaped brace must belong to a `{}` pair."""
    pieces: list[str] = []
    start = i = 0
    while i < len(template):
        if i in braces:
            if template[i] == "{" and i + 1 in braces and template[i + 1] == "}":
                pieces.append(template[start:i])
                i += 2
                start = i
                continue
            _invalid(name, f"unmatched '{template[i]}' at position {i} of the format string")
        i += 1
    pieces.append(template[start:])
    return pieces


# --- JSON ----------------------------------------------------------------------------------------


def _string_to_json(name: str, value: Any) -> Any:
    text = _string(name, value, "argument")
    if not text.strip():
        return None  # AWS-recorded: StringToJson(" ") is null
    try:
        return json_text.loads(text, parse_constant=_reject_constant)
    except ValueError as error:
        _invalid(name, f"the argument is not valid JSON text: {error}")


def _reject_constant(constant: str) -> NoReturn:
    raise ValueError(f"{constant} is not a JSON value")


def _json_to_string(name: str, value: Any) -> str:
    return _json_text(value)


def _json_merge(name: str, left: Any, right: Any, deep: Any) -> dict[str, Any]:
    if not isinstance(left, dict) or not isinstance(right, dict):
        _invalid(name, "the first two arguments must be JSON objects")
    if deep is True:
        _invalid(name, "deep merging is not supported; the third argument must be false")
    return {**left, **right}


# --- Arrays --------------------------------------------------------------------------------------


def _array_partition(name: str, items: Any, size: Any) -> list[list[Any]]:
    array = _array(name, items)
    chunk = truncate(_number(name, size, "chunk size"))
    if chunk <= 0:
        _invalid(name, f"the chunk size must be a positive integer, got {_describe(size)}")
    return [array[i : i + chunk] for i in range(0, len(array), chunk)]


def _comparable_text(value: Any) -> str:
    """AWS compares ArrayContains values as text: scalars bare, containers as JSON."""
    return value if isinstance(value, str) else _json_text(value)


def _array_contains(name: str, items: Any, wanted: Any) -> bool:
    target = _comparable_text(wanted)
    return any(_comparable_text(item) == target for item in _array(name, items))


def _array_range(name: str, first: Any, last: Any, step: Any) -> list[int]:
    start = truncate(_number(name, first, "start"))
    end = truncate(_number(name, last, "end"))
    increment = truncate(_number(name, step, "step"))
    if increment == 0:
        _invalid(name, "the step must not be 0")
    count = max(0, (end - start) // increment + 1)
    if count > MAX_ARRAY_RANGE_ITEMS:
        _invalid(name, f"the range has {count} items; at most {MAX_ARRAY_RANGE_ITEMS} are allowed")
    return [start + k * increment for k in range(count)]


def _array_get_item(name: str, items: Any, index: Any) -> Any:
    array = _array(name, items)
    position = truncate(_number(name, index, "index"))
    if not array:
        return None  # observed on AWS: any index into an empty array yields null
    if not 0 <= position < len(array):
        _invalid(name, f"index {position} is out of bounds for an array of {len(array)} items")
    return array[position]


def _array_length(name: str, items: Any) -> int:
    return len(_array(name, items))


def _array_unique(name: str, items: Any) -> list[Any]:
    seen: set[str] = set()
    unique = []
    for item in _array(name, items):
        key = json.dumps(item, sort_keys=True, separators=(",", ":"))
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique


# --- Encoding and hashing ------------------------------------------------------------------------


def _base64_encode(name: str, value: Any) -> str:
    text = _string(name, value, "argument")
    _check_length(name, text)
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def _base64_decode(name: str, value: Any) -> str:
    text = _string(name, value, "argument")
    _check_length(name, text)
    # Lenient like a MIME decoder: skip characters outside the alphabet, stop at padding,
    # and ignore an incomplete trailing sextet.
    symbols = "".join(char for char in text.split("=", 1)[0] if char in _BASE64_ALPHABET)
    if len(symbols) % 4 == 1:  # 6 bits cannot make a byte
        symbols = symbols[:-1]
    raw = base64.b64decode(symbols + "=" * (-len(symbols) % 4))
    return raw.decode("utf-8", errors="replace")


def _hash(name: str, data: Any, algorithm: Any) -> str:
    algorithm_name = _string(name, algorithm, "algorithm")
    if algorithm_name not in HASH_ALGORITHMS:
        _invalid(name, f"unknown algorithm {algorithm_name!r}; use one of {', '.join(HASH_ALGORITHMS)}")
    # AWS hashes non-string data by its JSON text rather than rejecting it.
    text = data if isinstance(data, str) else _json_text(data)
    _check_length(name, text)
    digest: str = HASH_ALGORITHMS[algorithm_name](text.encode("utf-8")).hexdigest()
    return digest


# --- Math and strings ----------------------------------------------------------------------------


def _math_random(name: str, args: list[Any], rng: random.Random) -> int:
    _expect_arity(name, args, 2, 3)
    start = truncate(_number(name, args[0], "start"))
    end = truncate(_number(name, args[1], "end"))
    if not (is_int32(start) and is_int32(end)) or not 0 < end - start <= 2**31 - 1:
        _invalid(name, f"the start ({start}) must be less than the end ({end}), both 32-bit integers")
    if len(args) == 3:
        seed = truncate(_number(name, args[2], "seed"))
        # Same seed, same number on every run — as `new java.util.Random(seed)` gives on AWS.
        return start + JavaRandom(seed).next_int(end - start)
    return rng.randrange(start, end)


def _math_add(name: str, first: Any, second: Any) -> int:
    # An int (not a bool) is a finite number that rounds to itself: the common case skips both.
    left = first if type(first) is int else java_round(_number(name, first, "first argument"))
    right = second if type(second) is int else java_round(_number(name, second, "second argument"))
    total = left + right
    if not (is_int32(left) and is_int32(right) and is_int32(total)):
        _invalid(name, "the arguments and their sum must be between -2147483648 and 2147483647")
    return total


def _string_split(name: str, value: Any, delimiters: Any) -> list[str]:
    text = _string(name, value, "first argument")
    separators = set(_string(name, delimiters, "delimiter"))
    tokens: list[str] = []
    current: list[str] = []
    for char in text:
        if char in separators:
            if current:
                tokens.append("".join(current))
                current = []
        else:
            current.append(char)
    if current:
        tokens.append("".join(current))
    return tokens


_FUNCTIONS: dict[str, tuple[Callable[..., Any], int]] = {
    "States.StringToJson": (_string_to_json, 1),
    "States.JsonToString": (_json_to_string, 1),
    "States.JsonMerge": (_json_merge, 3),
    "States.ArrayPartition": (_array_partition, 2),
    "States.ArrayContains": (_array_contains, 2),
    "States.ArrayRange": (_array_range, 3),
    "States.ArrayGetItem": (_array_get_item, 2),
    "States.ArrayLength": (_array_length, 1),
    "States.ArrayUnique": (_array_unique, 1),
    "States.Base64Encode": (_base64_encode, 1),
    "States.Base64Decode": (_base64_decode, 1),
    "States.Hash": (_hash, 2),
    "States.MathAdd": (_math_add, 2),
    "States.StringSplit": (_string_split, 2),
}
