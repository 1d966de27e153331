"""Execution names: legal for StartExecution, at most 80 characters, a pure function of the key."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sluice_runtime.execution_names import (
    MAX_LENGTH,
    PIPELINE_NAME_PATTERN,
    REPLAY_TOKEN_PATTERN,
    batch_execution_name,
    execution_name,
    is_legal,
)

pipelines = st.from_regex(PIPELINE_NAME_PATTERN, fullmatch=True)
tokens = st.from_regex(REPLAY_TOKEN_PATTERN, fullmatch=True)
keys = st.text(min_size=1, max_size=2000)  # any unicode: spaces, slashes, brackets, emoji...
# Characters the StartExecution API reference forbids in names.
FORBIDDEN = set(' <>{}[]?*"#%\\^|~`$&,;:/\t\n') | {chr(c) for c in range(0x20)} | {chr(c) for c in range(0x7F, 0xA0)}


@given(pipelines, keys, st.none() | tokens)
def test_names_are_legal_and_short(pipeline: str, key: str, token: str | None) -> None:
    name = execution_name(pipeline, key, token)
    assert 1 <= len(name) <= MAX_LENGTH
    assert not FORBIDDEN & set(name)
    assert is_legal(name)


@given(pipelines, keys, st.none() | tokens)
def test_names_are_deterministic(pipeline: str, key: str, token: str | None) -> None:
    assert execution_name(pipeline, key, token) == execution_name(pipeline, key, token)


@given(pipelines, keys, keys)
def test_different_keys_give_different_names(pipeline: str, key: str, other: str) -> None:
    if key != other:
        assert execution_name(pipeline, key) != execution_name(pipeline, other)


def test_replay_token_is_visible_and_changes_the_name() -> None:
    key = "raw-objects|bucket=sluice-raw|key=a.csv|version_id=null"
    original, replay = execution_name("raw-objects", key), execution_name("raw-objects", key + "|replay=bf-1", "bf-1")
    assert replay.endswith("-r-bf-1")
    assert replay != original


def test_longest_pipeline_and_token_still_fit() -> None:
    name = execution_name("p" * 32, "k", "t" * 16)
    assert len(name) == MAX_LENGTH and is_legal(name)


def test_batch_names_depend_on_members_and_their_order() -> None:
    a = batch_execution_name("events-stream", ["r1", "r2"])
    assert a == batch_execution_name("events-stream", ["r1", "r2"])
    assert a != batch_execution_name("events-stream", ["r2", "r1"])
    assert a != batch_execution_name("events-stream", ["r1"])


@pytest.mark.parametrize(("pipeline", "token"), [("Bad Name", None), ("ok", "no spaces"), ("ok", "x" * 17)])
def test_illegal_parts_are_refused(pipeline: str, token: str | None) -> None:
    with pytest.raises(ValueError, match="does not match"):
        execution_name(pipeline, "key", token)
