"""JSONPath as ASL uses it: definite and indefinite paths, ResultPath merging."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sluice.asl.errors import StatesError
from sluice.asl.paths import PathNotFound, PathSyntaxError, compile_path, set_path

DATA = {"orders": [{"id": 1, "total": 5}, {"id": 2, "total": 50}], "name with space": "x", "n": None}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$", DATA),
        ("$.orders[1].id", 2),
        ("$.orders[-1].total", 50),
        ("$['name with space']", "x"),
        ("$.n", None),
        ("$.orders[*].id", [1, 2]),
        ("$.orders[?(@.total > 10)].id", [2]),
        ("$..id", [1, 2]),
        ("$.orders[0:1]", [{"id": 1, "total": 5}]),
    ],
)
def test_paths_select_like_aws(path: str, expected: Any) -> None:
    assert compile_path(path).get(DATA) == expected


def test_missing_definite_path_is_not_found() -> None:
    with pytest.raises(PathNotFound):
        compile_path("$.orders[5]").get(DATA)


def test_roots_are_recognised() -> None:
    assert compile_path("$$.Execution.Id").root == "$$"
    assert compile_path("$myVar.field").root == "$myVar"


@pytest.mark.parametrize("text", ["orders", "$.", "$[?(@.a", "$.a[x]"])
def test_malformed_paths_are_rejected(text: str) -> None:
    with pytest.raises(PathSyntaxError):
        compile_path(text)


def test_result_path_creates_missing_objects_without_touching_the_input() -> None:
    original = {"a": {"keep": 1}}
    merged = set_path(original, compile_path("$.a.b.c"), 9)
    assert merged == {"a": {"keep": 1, "b": {"c": 9}}}
    assert original == {"a": {"keep": 1}}


def test_result_path_into_a_scalar_is_a_match_failure() -> None:
    with pytest.raises(StatesError) as failure:
        set_path({"a": "text"}, compile_path("$.a.b"), 1)
    assert failure.value.error == "States.ResultPathMatchFailure"


keys = st.text(alphabet="abcdefgh", min_size=1, max_size=4)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.dictionaries(keys, inner, max_size=3),
    max_leaves=8,
)


@given(
    base=st.dictionaries(keys, json_values, max_size=4), path=st.lists(keys, min_size=1, max_size=3), value=json_values
)
def test_set_then_get_round_trips(base: dict[str, Any], path: list[str], value: Any) -> None:
    compiled = compile_path("$." + ".".join(path))
    try:
        merged = set_path(base, compiled, value)
    except StatesError:
        return  # an intermediate key held a scalar: AWS refuses too
    assert compiled.get(merged) == value
