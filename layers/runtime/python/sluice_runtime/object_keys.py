"""Which key an S3 event really names, confirmed before a run starts, so no object is lost to decoding.

An event's key has one reading AWS documents (classic notifications: form-decoded; EventBridge:
verbatim, see `models`) and possibly another (`S3Object.alternative_keys`). When there is only one
reading, nothing is checked: the event is trusted, and no S3 call is made. When there are several, a
`HeadObject` per reading, in order, finds the one that exists (at the event's version when it has
one); if none exists, the input is set aside as `object_not_found`, naming every key tried, instead
of starting a run that would read a key that is not there while the real object is never quarantined.

HeadObject answers 404 for a missing key only with `s3:ListBucket` on the bucket (without it, 403),
so the ingest function's role has `s3:ListBucket` and `s3:GetObject*` on the raw bucket; any other
error propagates and the event is retried.

Example:
    >>> obj = S3Object(bucket="raw", key="in/a%2Eb.csv", alternative_keys=("in/a.b.csv",))  # doctest: +SKIP
    >>> ObjectLocator(clients.s3()).locate(obj).key     # only the verbatim key exists   # doctest: +SKIP
    'in/a%2Eb.csv'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from sluice_runtime.aws_errors import transient_errors
from sluice_runtime.errors import ObjectNotFound
from sluice_runtime.observability import logger

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

    from sluice_runtime.models import S3Object

_ABSENT = frozenset({"404", "NoSuchKey", "NoSuchVersion"})


class ObjectLocator:
    """Resolves an `S3Object` with several key readings to the one that exists."""

    def __init__(self, client: S3Client) -> None:
        self._client = client

    def locate(self, obj: S3Object) -> S3Object:
        """`obj` with the existing reading as its key; `ObjectNotFound` if no reading exists."""
        if not obj.alternative_keys:
            return obj
        readings = (obj.key, *obj.alternative_keys)
        for key in readings:
            if self._exists(obj.bucket, key, obj.version_id):
                if key != obj.key:
                    logger.warning(
                        "object found under another reading of the event's key",
                        extra={"event_key": obj.key, "key": key},
                    )
                return obj.model_copy(update={"key": key, "alternative_keys": ()})
        tried = ", ".join(repr(key) for key in readings)
        raise ObjectNotFound(
            f"s3://{obj.bucket}: no object (version {obj.version_id}) under any reading of the event's key: {tried}",
            bucket=obj.bucket,
            keys=list(readings),
            version_id=obj.version_id,
        )

    def _exists(self, bucket: str, key: str, version_id: str) -> bool:
        with transient_errors(f"HeadObject s3://{bucket}/{key}"):
            try:
                if version_id == "null":
                    self._client.head_object(Bucket=bucket, Key=key)
                else:
                    self._client.head_object(Bucket=bucket, Key=key, VersionId=version_id)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") in _ABSENT:
                    return False
                raise
        return True
