"""The version order publishing follows: S3 sequencers (pad, then compare), LastModified as the fallback."""

from __future__ import annotations

from functools import cmp_to_key
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st
from sluice_runtime.datasets.jobs import SourceObject
from sluice_runtime.datasets.versions import Order, compare_sequencers, newer_publication, order

V1 = SourceObject(bucket="raw", key="incoming/a.csv", version_id="v1", sequencer="0066681C5E2B3A9F41",
                  last_modified="2024-06-11T09:15:02+00:00")
V2 = V1.model_copy(update={"version_id": "v2", "sequencer": "0066681C5E2B3A9F42",
                           "last_modified": "2024-06-11T09:15:03+00:00"})


@st.composite
def sequencers(draw: st.DrawFn) -> str:
    """A hexadecimal value spelled as S3 might: any width (leading zeros or not), either case."""
    value = draw(st.integers(min_value=0, max_value=16**24))
    digits = f"{value:X}".rjust(draw(st.integers(min_value=1, max_value=26)), "0")
    return "".join(c.lower() if draw(st.booleans()) else c for c in digits)


def sign(number: int) -> int:
    return (number > 0) - (number < 0)


@given(sequencers(), sequencers())
def test_padded_comparison_agrees_with_the_hexadecimal_value(left: str, right: str) -> None:
    # S3 User Guide, "Event message structure": sequencers "can be of different lengths. So to compare
    # these values, you first left pad the shorter value with zeros, and then do a lexicographical comparison".
    assert compare_sequencers(left, right) == sign(int(left, 16) - int(right, 16))
    assert compare_sequencers(right, left) == -compare_sequencers(left, right)


@given(st.lists(sequencers(), min_size=1, max_size=12))
def test_padded_comparison_is_a_total_order(values: list[str]) -> None:
    ordered = sorted(values, key=cmp_to_key(compare_sequencers))
    assert [int(v, 16) for v in ordered] == sorted(int(v, 16) for v in values)
    for left, right in pairwise(ordered):
        assert compare_sequencers(left, right) <= 0


def test_unpadded_text_comparison_would_get_sequencers_of_different_lengths_wrong() -> None:
    unpadded = ["FF", "0100"]
    assert max(unpadded) == "FF"  # as text, but 0xFF < 0x100
    assert compare_sequencers("FF", "0100") == -1
    assert compare_sequencers("0100", "100") == 0  # leading zeros do not make another version


def test_versions_of_one_key_are_ordered_by_sequencer_before_anything_else() -> None:
    assert (order(V1, V2), order(V2, V1), order(V2, V2)) == (Order.OLDER, Order.NEWER, Order.SAME)
    # The sequencer wins over LastModified (clocks tie at one second; sequencers never do).
    backwards = V1.model_copy(update={"last_modified": "2024-06-11T10:00:00+00:00"})
    assert order(backwards, V2) is Order.OLDER
    # An equal sequencer is the same version (an unversioned bucket has no version id to tell).
    unversioned = V2.model_copy(update={"version_id": "null"})
    assert order(unversioned, unversioned.model_copy()) is Order.SAME


def test_without_sequencers_the_version_creation_time_orders_and_a_tie_orders_nothing() -> None:
    replay = V1.model_copy(update={"sequencer": None})  # a replay or backfill run: HeadObject has no sequencer
    assert order(replay, V2) is Order.OLDER and order(V2, replay) is Order.NEWER
    tie = replay.model_copy(update={"version_id": "v3", "last_modified": V2.last_modified})
    assert order(tie, V2) is Order.UNORDERED
    assert order(replay.model_copy(update={"last_modified": None}), V2) is Order.UNORDERED
    # The same version id is the same version, whatever is (not) known about its event.
    assert order(V2.model_copy(update={"sequencer": None, "last_modified": None}), V2) is Order.SAME


def test_sequencers_never_order_different_keys() -> None:
    # "sequencer cannot be used to determine order for events on different object keys" (same page).
    other = V2.model_copy(update={"key": "incoming/b.csv"})
    assert order(V1, other) is Order.UNORDERED and order(other, V1) is Order.UNORDERED


def test_only_a_marker_describing_a_newer_version_supersedes() -> None:
    marker = {"run": "run-2", "source": V2.model_dump()}
    assert newer_publication(V1, marker) == V2
    assert newer_publication(V2, marker) is None  # the same version: re-published
    assert newer_publication(V2.model_copy(update={"version_id": "v3", "sequencer": "0066681C5E2B3A9F43"}),
                             marker) is None  # a newer version replaces it
    assert newer_publication(V1, {"run": "run-0"}) is None  # a marker without a source orders nothing
    assert newer_publication(V1, {"run": "run-0", "source": {"key": "no bucket"}}) is None
