"""boto3 clients, created on first use and reused across invocations of a warm Lambda environment.

Creating a client costs ~20-50 ms (service model loading), so it is deferred to the first call that
needs it and then cached. botocore's "standard" retry mode retries throttling and 5xx a few times inside
the invocation before the error propagates (and AWS redelivers the event).

Example:
    >>> clients.stepfunctions().start_execution(...)   # doctest: +SKIP
    >>> clients.reset()                                 # tests: forget clients made outside a moto mock
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_stepfunctions import SFNClient

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=3, read_timeout=10)
# StartSyncExecution holds the connection until the Express execution ends (at most 5 minutes).
_SYNC_CONFIG = _CONFIG.merge(Config(read_timeout=310, retries={"mode": "standard", "max_attempts": 1}))


@functools.cache
def dynamodb() -> DynamoDBClient:
    return boto3.client("dynamodb", config=_CONFIG)


@functools.cache
def stepfunctions() -> SFNClient:
    return boto3.client("stepfunctions", config=_CONFIG)


@functools.cache
def stepfunctions_sync() -> SFNClient:
    return boto3.client("stepfunctions", config=_SYNC_CONFIG)


@functools.cache
def s3() -> S3Client:
    return boto3.client("s3", config=_CONFIG)


@functools.cache
def sns() -> SNSClient:
    return boto3.client("sns", config=_CONFIG)


@functools.cache
def sqs() -> SQSClient:
    return boto3.client("sqs", config=_CONFIG)


def reset() -> None:
    """Forget every cached client (tests create fresh ones inside each moto mock)."""
    for factory in (dynamodb, stepfunctions, stepfunctions_sync, s3, sns, sqs):
        factory.cache_clear()
