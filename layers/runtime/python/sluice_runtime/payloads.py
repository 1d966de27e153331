"""Keep execution input under the Step Functions payload limit; large values go to S3 by reference.

Step Functions rejects input above 256 KiB (UTF-8 bytes). A record entry larger than the pipeline's
`offload_threshold_bytes` has its payload field (`data`, `detail` or `body`) written to the staging bucket
and replaced by `<field>_ref: {bucket, key, bytes}`. The S3 key is derived from the record's identity, so
a redelivery overwrites the same object with the same bytes instead of leaking new ones.

Example:
    >>> offloader = Offloader("staging-bucket", clients.s3)                             # doctest: +SKIP
    >>> offloader.fit({"id": "r1", "data": big}, "data", "events-stream", "r1", 65536)   # doctest: +SKIP
    {'id': 'r1', 'data_ref': {'bucket': 'staging-bucket', 'key': 'offload/events-stream/<sha256>.json',
                              'bytes': 91234}}
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sluice_runtime.aws_errors import transient_errors
from sluice_runtime.errors import ConfigurationError
from sluice_runtime.starter import canonical_json

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

STATE_PAYLOAD_LIMIT = 256 * 1024
ENVELOPE_RESERVE = 4 * 1024  # room for the `sluice` metadata around `records`


def encoded_size(value: Any) -> int:
    """Bytes `value` occupies in the execution input."""
    return len(canonical_json(value).encode())


class Offloader:
    """Writes oversized payload fields to the staging bucket and returns references.

    `client` is a factory, called on the first offload: most records fit, and an S3 client built for
    nothing costs S3's large service model on every cold start.
    """

    def __init__(self, bucket: str | None, client: Callable[[], S3Client]) -> None:
        self._bucket = bucket
        self._client = client

    def fit(self, entry: dict[str, Any], field: str, pipeline: str, identity: str, threshold: int) -> dict[str, Any]:
        """Return `entry` unchanged if it is at most `threshold` bytes, else with `field` offloaded."""
        if encoded_size(entry) <= threshold:
            return entry
        if not self._bucket:
            raise ConfigurationError("STAGING_BUCKET is not set: cannot pass a large payload by reference")
        body = canonical_json(entry[field]).encode()
        key = f"offload/{pipeline}/{hashlib.sha256(identity.encode()).hexdigest()}.json"
        with transient_errors(f"offload PutObject s3://{self._bucket}/{key}"):
            self._client().put_object(Bucket=self._bucket, Key=key, Body=body, ContentType="application/json")
        rest = {name: value for name, value in entry.items() if name != field}
        return {**rest, f"{field}_ref": {"bucket": self._bucket, "key": key, "bytes": len(body)}}
