"""The order of one raw object's versions: which run's source is the newer one.

Publishing follows this order, not the order in which runs happen to finish, so that a run slowed by a
retry can never put an older version of an object back into the curated partition.

* **Sequencer.** S3 stamps the notification of every PUT and DELETE with `sequencer`, "a string
  representation of a hexadecimal value used to determine event sequence". The S3 User Guide ("Event
  message structure") gives the rule: of two events on the *same object key*, the one with the greater
  sequencer happened later; sequencers cannot order events of different keys; and "the sequencers can
  be of different lengths. So to compare these values, you first left pad the shorter value with
  zeros, and then do a lexicographical comparison". Equal sequencers are the same event, so the same
  version.
* **The bucket's version list.** A run without a sequencer (a replay, a backfill child: HeadObject
  returns no sequencer) of a versioned bucket is ordered by S3's own list of the key's versions
  (ListObjectVersions, newest first), asked only then. Found by `sluice chaos`: a replay of v1 taken
  in the same second as v2 was unordered by event time, and put v1 back over v2.
* **Event time (last resort).** Otherwise (an unversioned bucket, a `dataset.ready` announcement) the
  version's `LastModified`, the time S3 created it. It has one-second precision, so a tie orders nothing.
* Equal version ids (of a versioned bucket) are the same version whatever else is known.

Example:
    >>> compare_sequencers("0066681C5E2B3A9F41", "66681C5E2B3A9F42")
    -1
    >>> v1 = SourceObject(bucket="raw", key="a.csv", sequencer="0066681C5E2B3A9F41")
    >>> order(v1, v1.model_copy(update={"sequencer": "0066681C5E2B3A9F42"}))
    <Order.OLDER: 'older'>
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import ValidationError

from sluice_runtime.datasets.jobs import SourceObject


class Order(StrEnum):
    """Where a candidate version stands relative to another version."""

    NEWER = "newer"
    SAME = "same"
    OLDER = "older"
    UNORDERED = "unordered"  # another key, or nothing comparable: the later commit wins, as it always did


def compare_sequencers(left: str, right: str) -> int:
    """-1, 0 or 1 as `left` is before, the same as or after `right` (two sequencers of one key)."""
    width = max(len(left), len(right))
    # Upper-casing keeps the documented lexicographical comparison equal to the hexadecimal value's order
    # for any spelling ('a' sorts after 'F' in ASCII); S3 itself writes upper case.
    padded_left, padded_right = left.upper().rjust(width, "0"), right.upper().rjust(width, "0")
    return (padded_left > padded_right) - (padded_left < padded_right)


VersionList = Callable[[str, str], Sequence[str]]  # (bucket, key) -> version ids, newest first


def order(candidate: SourceObject, other: SourceObject, versions: VersionList | None = None) -> Order:
    """How `candidate` compares with `other` in their object's version order (see the module docstring);
    `versions` lists a key's versions, newest first, for runs without a sequencer."""
    if (candidate.bucket, candidate.key) != (other.bucket, other.key):
        return Order.UNORDERED
    if candidate.version_id != "null" and candidate.version_id == other.version_id:
        return Order.SAME
    if candidate.sequencer is not None and other.sequencer is not None:
        return _from_sign(compare_sequencers(candidate.sequencer, other.sequencer))
    if versions is not None and _versioned(candidate) and _versioned(other):
        listed = list(versions(candidate.bucket, candidate.key))
        if candidate.version_id in listed and other.version_id in listed:
            # Newest first: a smaller position is a newer version.
            return _from_sign(listed.index(other.version_id) - listed.index(candidate.version_id))
    created, other_created = _instant(candidate.last_modified), _instant(other.last_modified)
    if created is None or other_created is None or created == other_created:
        return Order.UNORDERED
    return Order.NEWER if created > other_created else Order.OLDER


def published_source(marker: Mapping[str, Any]) -> SourceObject | None:
    """The source a `_SUCCESS` marker describes (None: no marker, or one that names no source)."""
    source = marker.get("source")
    if not isinstance(source, Mapping):
        return None
    try:
        return SourceObject.model_validate(source)
    except ValidationError:
        return None  # a marker written by hand or by an older layout: nothing to order against


def newer_publication(source: SourceObject | None, marker: Mapping[str, Any],
                      versions: VersionList | None = None) -> SourceObject | None:
    """The published source of `marker` when it is a newer version of `source`'s object, else None."""
    published = published_source(marker)
    if source is None or published is None:
        return None
    return published if order(source, published, versions) is Order.OLDER else None


def _versioned(source: SourceObject) -> bool:
    return source.version_id not in (None, "", "null")


def _from_sign(sign: int) -> Order:
    return Order.NEWER if sign > 0 else Order.OLDER if sign < 0 else Order.SAME


def _instant(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        return None
    return instant if instant.tzinfo is not None else None  # a naive time cannot be compared with S3's UTC
