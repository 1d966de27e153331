"""The local stack's S3 sequencers order the versions of a key as AWS's do.

S3 User Guide, "Event message structure": of two events on the same object key, the greater sequencer
(left-padded with zeros, then compared lexicographically) is the later one. The file pipeline publishes
versions in that order, so a sequencer that goes backwards would let an older version win.
"""

from __future__ import annotations

from itertools import pairwise

from sluice.local.hooks import ApiCall
from sluice.local.s3.events import BucketWiring, S3Wiring


def test_sequencers_of_one_key_increase_even_when_many_writes_share_one_virtual_instant() -> None:
    now = [1_718_097_302.25]
    wiring = S3Wiring([BucketWiring("RawBucket", "raw", eventbridge=True)], clock=lambda: now[0],
                      account="123456789012", region="us-east-1", size_of=lambda bucket, key, version: 1)

    def put(version: int) -> str:
        call = ApiCall("s3", "PutObject", {"Bucket": "raw", "Key": "in/a.csv"},
                       {"ETag": '"e"', "VersionId": f"v{version}"})
        [change] = wiring.changes(call)
        return change.sequencer

    frozen = [put(n) for n in range(1_005)]  # a backfill's worth of writes before the clock moves
    now[0] += 0.000_001
    later = put(1_005)

    sequence = [*frozen, later]
    assert all(len(value) == 18 for value in sequence)
    assert all(earlier < next_ for earlier, next_ in pairwise(sequence))
    assert int(later, 16) // 1000 == int(now[0] * 1_000_000)  # still the clock's microsecond, like S3's
