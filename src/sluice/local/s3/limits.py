"""S3's own limits on a write, which moto does not enforce: a refused call gets S3's error.

A key is at most 1,024 bytes of UTF-8 ("Naming Amazon S3 objects"); a longer one is refused with
`KeyTooLongError` (400, "Your key is too long", S3's error code list). moto stores it, so a pipeline
run locally would go on to route, quarantine or publish an object that could never exist on AWS.

Example:
    >>> refusal(ApiCall("s3", "PutObject", {"Bucket": "b", "Key": "k" * 1025})).code
    'KeyTooLongError'
    >>> refusal(ApiCall("s3", "PutObject", {"Bucket": "b", "Key": "é" * 512})) is None
    True
"""

from __future__ import annotations

from sluice.local.faults.errors import AwsError, aws_error
from sluice.local.hooks import ApiCall

MAX_KEY_BYTES = 1024
# The calls that name a new object's key (UploadPart and CompleteMultipartUpload name an upload's).
KEYED_WRITES = frozenset({"PutObject", "CopyObject", "CreateMultipartUpload"})


def refusal(call: ApiCall) -> AwsError | None:
    """S3's error for a write it would refuse; None for any other call."""
    if call.service != "s3" or call.operation not in KEYED_WRITES:
        return None
    key = str(call.params.get("Key", ""))
    if len(key.encode("utf-8", "surrogatepass")) > MAX_KEY_BYTES:
        return aws_error("s3", "KeyTooLongError", status=400, message="Your key is too long")
    return None
