"""The Java behaviours AWS's intrinsic functions leak, reproduced in Python.

Step Functions runs on the JVM and several intrinsic results show it:

* `States.Format` renders an object argument the way `java.util.Map.toString` does —
  `{Id=arn:..., Name=...}` (AWS-recorded case `test_generic.py::TestGeneric::test_context_json_path`)
  — and numbers the way `Double.toString` does;
* `States.MathRandom(start, end, seed)` returns the same number for the same seed on every run,
  consistent with `start + new java.util.Random(seed).nextInt(end - start)`;
* `States.MathAdd` rounds with `Math.round` (half up: 2.5 → 3, -1.5 → -1), while `ArrayRange`,
  `ArrayPartition`, `ArrayGetItem` and `MathRandom` truncate like a `(int)` cast;
* string-length limits count UTF-16 code units, as `String.length()` does.

Example:
    >>> JavaRandom(42).next_int(10)
    0
    >>> java_round(-1.5), truncate(-2.7), java_string({"a": [1, "x"], "b": None})
    (-1, -2, '{a=[1, x], b=null}')
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

_MASK_48 = (1 << 48) - 1
_MULTIPLIER = 0x5DEECE66D
_INT_MAX = 2**31 - 1
_INT_MIN = -(2**31)


class JavaRandom:
    """`java.util.Random`'s 48-bit linear congruential generator (the documented algorithm)."""

    def __init__(self, seed: int) -> None:
        self._seed = (seed ^ _MULTIPLIER) & _MASK_48

    def _next(self, bits: int) -> int:
        self._seed = (self._seed * _MULTIPLIER + 0xB) & _MASK_48
        value = self._seed >> (48 - bits)
        return value - (1 << 32) if value > _INT_MAX else value  # Java's (int) cast

    def next_int(self, bound: int) -> int:
        """A uniform int in [0, bound); `bound` must be a positive 32-bit int."""
        if not 0 < bound <= _INT_MAX:
            raise ValueError(f"bound must be in 1..{_INT_MAX}, got {bound}")
        if bound & (bound - 1) == 0:  # a power of two: take the high bits
            return (bound * self._next(31)) >> 31
        while True:
            bits = self._next(31)
            value = bits % bound
            if bits - value + (bound - 1) <= _INT_MAX:  # Java rejects draws that overflow int
                return value


def is_int32(value: int) -> bool:
    return _INT_MIN <= value <= _INT_MAX


def java_round(value: int | float) -> int:
    """`Math.round`: nearest integer, ties towards positive infinity."""
    if isinstance(value, int):
        return value
    floor = math.floor(value)
    # Comparing the fraction (rather than floor(value + 0.5)) avoids the classic
    # 0.49999999999999994 + 0.5 == 1.0 rounding trap, as Java 7+ does.
    return floor + 1 if value - floor >= 0.5 else floor


def truncate(value: int | float) -> int:
    """`(int) value`: drop the fraction, towards zero."""
    return value if isinstance(value, int) else math.trunc(value)


def utf16_length(text: str) -> int:
    """`String.length()`: characters outside the BMP count twice."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def java_double(value: float) -> str:
    """`Double.toString`: `1.0`, `0.001`, `1.0E7`, `1.5E-4` (shortest round-trip digits)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    sign, digit_tuple, exponent = Decimal(repr(value)).as_tuple()
    assert isinstance(exponent, int)
    digits = "".join(map(str, digit_tuple)).rstrip("0") or "0"
    # Scientific exponent of the first significant digit.
    point = len(digit_tuple) + exponent - 1
    prefix = "-" if sign else ""
    if 1e-3 <= abs(value) < 1e7:
        if point >= 0:
            whole = digits[: point + 1].ljust(point + 1, "0")
            fraction = digits[point + 1 :] or "0"
        else:
            whole, fraction = "0", "0" * (-point - 1) + digits
        return f"{prefix}{whole}.{fraction}"
    return f"{prefix}{digits[0]}.{digits[1:] or '0'}E{point}"


def java_string(value: Any) -> str:
    """How a JSON value prints through Java's `toString`: strings bare, maps as `{k=v, ...}`."""
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return java_double(value)
    if isinstance(value, list):
        return "[" + ", ".join(java_string(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}={java_string(item)}" for key, item in value.items()) + "}"
    raise TypeError(f"not a JSON value: {type(value).__name__}")
