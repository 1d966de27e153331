"""Intrinsic functions (`States.Format`, `States.ArrayRange`, …) for JSONPath states.

`parse_intrinsic` turns the text of a `.$` value into a call tree (cached, and used by the
definition validator); `evaluate_intrinsic` runs it with a path resolver supplied by the
interpreter and the execution's seeded random generator, so `States.UUID()` and
`States.MathRandom()` are reproducible run to run.

Example:
    >>> import random
    >>> evaluate_intrinsic("States.Format('Hello {}!', $.name)", lambda path: "Ada", random.Random(7))
    'Hello Ada!'
"""

from sluice.asl.intrinsics.functions import evaluate_intrinsic
from sluice.asl.intrinsics.parser import (
    FUNCTION_NAMES,
    Argument,
    IntrinsicCall,
    IntrinsicSyntaxError,
    LiteralArg,
    PathArg,
    StringArg,
    is_intrinsic,
    parse_intrinsic,
)

__all__ = [
    "FUNCTION_NAMES",
    "Argument",
    "IntrinsicCall",
    "IntrinsicSyntaxError",
    "LiteralArg",
    "PathArg",
    "StringArg",
    "evaluate_intrinsic",
    "is_intrinsic",
    "parse_intrinsic",
]
