"""JSONata evaluation with Step Functions' bindings, via the jsonata-python library.

A JSONata state sees `$states` (`input`, `result`, `errorOutput`, `context`) and every workflow
variable as `$name`, plus six functions AWS adds (`$partition`, `$range`, `$hash`, `$random`,
`$uuid`, `$parse`). jsonata-python maps JSON null and "undefined" both to `None`; we keep its
`NULL_VALUE` sentinel on the way in and out so that "returned nothing (undefined)" — an AWS error —
is told apart from a legitimate `null`.

The library costs ~100 ms to import, so it is imported on first use only: a JSONPath-only
workflow never pays for it.

Example:
    >>> evaluate_expression("$states.input.a + $x", {"input": {"a": 1}}, {"x": 2}, rng=random.Random(0))
    3
"""

from __future__ import annotations

import hashlib
import random
import uuid
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from sluice import json_text
from sluice.asl.errors import ErrorName, StatesError
from sluice.asl.jsonata_bounds import JsonataLimits, bound_exceeded, bounded_bindings
from sluice.asl.limits import json_problem

JSONATA_OPEN = "{%"
JSONATA_CLOSE = "%}"


DEFAULT_LIMITS = JsonataLimits()
MAX_RANGE_ITEMS = 1_000_000
_MEMORY_LIMIT = "Expression evaluation memory limit exceeded: Check for excessive memory usage"


class Undefined(Exception):
    """The expression evaluated to nothing."""


def is_jsonata_template(value: Any) -> bool:
    """AWS only treats a string as JSONata when it *starts* with `{%` and *ends* with `%}`."""
    return isinstance(value, str) and value.startswith(JSONATA_OPEN) and value.endswith(JSONATA_CLOSE)


def template_body(value: str) -> str:
    return value[len(JSONATA_OPEN) : -len(JSONATA_CLOSE)].strip()


@lru_cache(maxsize=2048)
def _compile(expression: str) -> Any:
    import jsonata  # noqa: PLC0415 - deliberately lazy, see module docstring

    compiled = jsonata.Jsonata(expression)
    compiled.set_output_convert_nulls(False)
    return compiled


def check_syntax(expression: str) -> str | None:
    """Return the parser's message when `expression` is not valid JSONata, else None."""
    try:
        _compile(expression)
    except Exception as error:  # jsonata raises its own JException hierarchy
        return str(error)
    return None


def evaluate_expression(
    expression: str,
    states: Mapping[str, Any],
    variables: Mapping[str, Any],
    *,
    rng: random.Random,
    field_name: str = "",
    limits: JsonataLimits = DEFAULT_LIMITS,
) -> Any:
    """Evaluate one JSONata expression within `limits`; raise `Undefined` when it yields nothing.

    Errors inside the expression, and a tripped bound, become `States.QueryEvaluationError` with
    AWS's cause: "The JSONata expression '<expr>' specified for the field '<field>' threw an error
    during evaluation" then ". <CODE>: <message>" for a JSONata error or ": <message>" for a bound.
    """
    from jsonata.utils import Utils  # noqa: PLC0415

    try:
        compiled = _compile(expression)
    except Exception as error:
        raise StatesError(ErrorName.QUERY_EVALUATION_ERROR, _failure(expression, field_name, error)) from error
    bindings: dict[str, Any] = {name: _to_jsonata(value, Utils) for name, value in variables.items()}
    bindings["states"] = {key: _to_jsonata(value, Utils) for key, value in states.items()}
    bindings.update(_aws_functions(rng))
    try:
        result = compiled.evaluate(None, bounded_bindings(bindings, limits))
        if result is None:
            raise Undefined(expression)
        value = Utils.convert_nulls(_from_sequence(result))
    except (StatesError, Undefined):
        raise
    except Exception as error:  # jsonata's JException hierarchy, or Python's stack running out
        raise StatesError(ErrorName.QUERY_EVALUATION_ERROR, _failure(expression, field_name, error)) from error
    if json_problem(value) is not None:
        # A function (`function($x){$x}`, `$string`) or a regex literal is no JSON value (recorded:
        # LocalStack's test_map_state_items_eval_jsonata_fail[function]).
        raise StatesError(
            ErrorName.QUERY_EVALUATION_ERROR,
            f"The JSONata expression '{expression}' specified for the field '{field_name}' "
            "returned an unsupported result type.",
        )
    return value


def _failure(expression: str, field_name: str, error: Exception) -> str:
    sentence = (
        f"The JSONata expression '{expression}' specified for the field '{field_name}' "
        "threw an error during evaluation"
    )
    bound = bound_exceeded(error)
    if bound is not None:
        return f"{sentence}: {bound}"
    code = getattr(error, "error", None)
    return f"{sentence}. {code}: {error}" if code else f"{sentence}: {error}"


def _to_jsonata(value: Any, utils: Any) -> Any:
    return utils.NULL_VALUE if value is None else value


def _from_sequence(value: Any) -> Any:
    """jsonata returns list subclasses (sequences); hand plain lists back to the engine."""
    if isinstance(value, list):
        return [_from_sequence(item) for item in value]
    if isinstance(value, dict):
        return {key: _from_sequence(item) for key, item in value.items()}
    return value


def _aws_functions(rng: random.Random) -> dict[str, Any]:
    from jsonata import Jsonata  # noqa: PLC0415
    from jsonata.utils import Utils  # noqa: PLC0415

    def partition(array: list[Any], size: int) -> list[list[Any]]:
        if not isinstance(array, list) or not isinstance(size, int | float) or size <= 0:
            raise StatesError(ErrorName.QUERY_EVALUATION_ERROR, "$partition expects (array, size > 0)")
        step = int(size)
        return [list(array[i : i + step]) for i in range(0, len(array), step)]

    def range_(start: float, end: float, step: float) -> list[Any]:
        # Inclusive of `end`, like States.ArrayRange: $range(0, 10, 2) -> [0, 2, 4, 6, 8, 10].
        # AWS returns a JSONata *sequence*, which JSONata unwraps when it holds one value:
        # $range(1, 9, 9) is 1, not [1] (recorded test_array_jsonata.py::test_array_range), while
        # $partition returns a plain array ($partition([0], 1) is [[0]], test_array_partition).
        if step == 0:
            raise StatesError(ErrorName.QUERY_EVALUATION_ERROR, "$range step must not be 0")
        if (end - start) / step >= MAX_RANGE_ITEMS:
            # A plain Python loop: the evaluation bounds cannot interrupt it, so bound it here, as
            # AWS bounds the memory one expression holds (it accepts [1..873782], not [1..873783]).
            raise StatesError(ErrorName.QUERY_EVALUATION_ERROR, _MEMORY_LIMIT)
        values: list[Any] = Utils.create_sequence()
        current = start
        while (step > 0 and current <= end) or (step < 0 and current >= end):
            values.append(current)
            current += step
        return values

    def hash_(data: Any, algorithm: str) -> str:
        names = {"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512"}
        if algorithm not in names:
            raise StatesError(ErrorName.QUERY_EVALUATION_ERROR, f"Unsupported hash algorithm '{algorithm}'")
        return hashlib.new(names[algorithm], str(data).encode()).hexdigest()

    def random_(seed: Any = None) -> float:
        return random.Random(seed).random() if seed is not None else rng.random()

    def uuid_() -> str:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    def parse(text: str) -> Any:
        try:
            value = json_text.loads(text)
        except (TypeError, ValueError) as error:
            raise StatesError(ErrorName.QUERY_EVALUATION_ERROR, f"$parse: invalid JSON: {error}") from error
        problem = json_problem(value)
        if problem is not None:
            raise StatesError(ErrorName.QUERY_EVALUATION_ERROR, f"$parse: invalid JSON: {problem}")
        return value

    return {
        "partition": Jsonata.JLambda(partition),
        "range": Jsonata.JLambda(range_),
        "hash": Jsonata.JLambda(hash_),
        "random": Jsonata.JLambda(random_),
        "uuid": Jsonata.JLambda(uuid_),
        "parse": Jsonata.JLambda(parse),
    }
