"""`sluice.json_types`: the JSON names messages use for a value's type (Map's ItemsPath error, patterns)."""

from __future__ import annotations

import doctest

from sluice import json_types


def test_the_module_example_holds() -> None:
    assert doctest.testmod(json_types).failed == 0
