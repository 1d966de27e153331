"""S3's key length limit, which moto does not enforce (`sluice.local.s3.limits`)."""

from __future__ import annotations

import doctest

import pytest
from botocore.exceptions import ClientError

from sluice.local.s3 import limits
from sluice.local.stack import LocalStack


def test_the_module_examples_hold() -> None:
    assert doctest.testmod(limits).failed == 0


@pytest.mark.parametrize("operation", ["put_object", "create_multipart_upload", "copy_object"])
def test_a_key_over_1024_utf8_bytes_is_refused_as_s3_refuses_it(pipeline: LocalStack, operation: str) -> None:
    s3 = pipeline.client("s3")
    bucket = pipeline.bucket("RawBucket")
    s3.put_object(Bucket=bucket, Key="in/source.csv", Body=b"id\n")
    too_long = "in/" + "é" * 511  # 3 + 1,022 bytes
    extra = {"CopySource": {"Bucket": bucket, "Key": "in/source.csv"}} if operation == "copy_object" else {}
    with pytest.raises(ClientError) as refused:
        getattr(s3, operation)(Bucket=bucket, Key=too_long, **extra)
    assert refused.value.response["Error"] == {"Code": "KeyTooLongError", "Message": "Your key is too long"}
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    getattr(s3, operation)(Bucket=bucket, Key=too_long[:-1], **extra)  # 1,023 bytes: accepted
