"""AWS clients, created on first use and reused across invocations of a warm Lambda environment.

Creating a client costs ~20-50 ms (service model loading), so it is deferred to the first call that
needs it and then cached. botocore's "standard" retry mode retries throttling and 5xx a few times inside
the invocation before the error propagates (and AWS redelivers the event).

The clients come from one shared botocore `Session` - what `boto3.client` does on boto3's default
session, minus importing boto3 itself (its resource layer and s3transfer, ~0.15x of `import boto3` on a
cold start; benchmarks/cold_start.py). They are the same botocore clients: same credential chain,
retries, endpoint rules, and the hooks moto, the X-Ray patch and Powertools attach to botocore. The
session reads its JSON data through `botocore_loader.FastLoader` (the same models, loaded faster).

Example:
    >>> clients.stepfunctions().start_execution(...)   # doctest: +SKIP
    >>> clients.reset()                                 # tests: forget clients made outside a moto mock
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, cast

import botocore.session
from botocore.config import Config

from sluice_runtime.botocore_loader import FastLoader

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_stepfunctions import SFNClient

# The services clients are made for here (the layer's build writes their data parsed: botocore_loader).
SERVICES = ("dynamodb", "s3", "sns", "sqs", "stepfunctions")

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=3, read_timeout=10)
# StartSyncExecution holds the connection until the Express execution ends (at most 5 minutes).
_SYNC_CONFIG = _CONFIG.merge(Config(read_timeout=310, retries={"mode": "standard", "max_attempts": 1}))


@functools.cache
def session() -> botocore.session.Session:
    """The one botocore session every client is made from (credentials resolved once).

    botocore-stubs type `create_client` as `BaseClient`; the casts below name the service's client type.
    """
    shared = botocore.session.get_session()
    shared.register_component("data_loader", FastLoader(shared.get_component("data_loader")))
    return shared


@functools.cache
def dynamodb() -> DynamoDBClient:
    return cast("DynamoDBClient", session().create_client("dynamodb", config=_CONFIG))


@functools.cache
def stepfunctions() -> SFNClient:
    return cast("SFNClient", session().create_client("stepfunctions", config=_CONFIG))


@functools.cache
def stepfunctions_sync() -> SFNClient:
    return cast("SFNClient", session().create_client("stepfunctions", config=_SYNC_CONFIG))


@functools.cache
def s3() -> S3Client:
    return cast("S3Client", session().create_client("s3", config=_CONFIG))


@functools.cache
def sns() -> SNSClient:
    return cast("SNSClient", session().create_client("sns", config=_CONFIG))


@functools.cache
def sqs() -> SQSClient:
    return cast("SQSClient", session().create_client("sqs", config=_CONFIG))


FACTORIES = (dynamodb, stepfunctions, stepfunctions_sync, s3, sns, sqs)


def reset() -> None:
    """Forget every cached client (tests create fresh ones inside each moto mock)."""
    for factory in (session, *FACTORIES):
        factory.cache_clear()
