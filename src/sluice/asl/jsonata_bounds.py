"""Bounds on one JSONata evaluation (depth and wall time): the one place sluice relies on how
jsonata-python enforces them. Tested with jsonata-python 0.7.x (`pyproject.toml`: >=0.6).

AWS bounds every evaluation and fails the state with `States.QueryEvaluationError` when an
expression nests too deeply (measured by others against AWS: a limit near depth 100, e.g. a sum of
200 terms fails) or runs too long. JSONata optimises tail calls, so a runaway recursive function
(`($f := function($x){ $f($x) }; $f(1))`) loops without growing the stack: only a clock ends it.

jsonata-python's `Timebox` counts evaluation depth and elapsed time through the entry/exit
callbacks of an evaluation frame (`Jsonata.Frame.set_runtime_bounds`) and raises `JException`
D1011 (depth) or D1012 (time). The bounds given to the `Jsonata(...)` constructor would start the
clock when the expression is *compiled* (we cache compiled expressions) and would keep a depth
count that an exception leaves unbalanced, so every evaluation gets a fresh bounded frame instead.
Depth 100 also keeps Python's own stack (a few frames per JSONata level) far from its limit.

Example:
    >>> import jsonata
    >>> bindings = bounded_bindings({"x": 1}, JsonataLimits())
    >>> jsonata.Jsonata("$x + 1").evaluate(None, bindings)
    2
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# AWS's wording for the two bounds (cause tails measured against AWS, reported in
# floci-io/floci#2737); jsonata-python's own D1011/D1012 messages differ.
_BOUND_MESSAGES = {
    "D1011": "Stack overflow error: Check for non-terminating recursive function. "
    "Consider rewriting as tail-recursive",
    "D1012": "Expression evaluation timeout: Check for infinite loop",
}


@dataclass(frozen=True)
class JsonataLimits:
    """How deep (JSONata evaluation depth) and how long (wall seconds) one expression may run.

    The time bound is wall time, not the engine's virtual clock: it protects the process.
    """

    max_depth: int = 100
    timeout_seconds: float = 5.0


def bounded_bindings(bindings: Mapping[str, Any], limits: JsonataLimits) -> Any:
    """A fresh `Jsonata.Frame` holding `bindings`, bounded by `limits` from this moment on;
    pass it as the bindings of `Jsonata.evaluate`."""
    from jsonata import Jsonata  # noqa: PLC0415 - the library is imported lazily (jsonata_expr)

    frame = Jsonata.Frame(None)
    for name, value in bindings.items():
        frame.bind(name, value)
    frame.set_runtime_bounds(round(limits.timeout_seconds * 1000), limits.max_depth)
    return frame


def bound_exceeded(error: BaseException) -> str | None:
    """AWS's message when `error` is a tripped bound (or Python's own stack running out)."""
    if isinstance(error, RecursionError):
        return _BOUND_MESSAGES["D1011"]
    return _BOUND_MESSAGES.get(getattr(error, "error", None) or "")
