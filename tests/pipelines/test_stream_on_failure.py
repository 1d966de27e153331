"""The project's own template.yaml: a Kinesis batch that exhausts its retries is kept in the stream
mapping's S3 on-failure destination (the QuarantineBucket), in AWS's shape, not lost.

AWS, "Retain discarded batch records for a Kinesis Data Streams event source in Lambda": the S3
object holds the invocation record and the batch, under
`aws/lambda/<ESM-UUID>/<shardID>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<Random UUID>`.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest

from sluice.local import LocalStack
from tests.runtime.moto_stack import ROOT

from .conftest import Faults

EVENT = {"event_id": "evt-1", "type": "page_view", "customer": "c-1", "at": "2024-06-11T09:00:00Z"}


@pytest.fixture
def stack() -> Iterator[LocalStack]:
    with LocalStack.from_template(ROOT / "template.yaml", parameters={"Stage": "test"}, seed=5) as local:
        yield local


def test_a_batch_that_exhausts_its_retries_lands_in_the_quarantine_bucket(stack: LocalStack, faults: Faults) -> None:
    # The idempotency table keeps throttling: every attempt of the batch fails transiently.
    idempotency = stack.table("IdempotencyTable")
    throttled = faults.fail("dynamodb.PutItem", "ProvisionedThroughputExceededException", 400, times=1_000,
                            when=lambda params: params.get("TableName") == idempotency)
    stack.put_record("EventStream", EVENT, partition_key="c-1")
    stack.run_until_idle()

    assert throttled.raised > 0 and stack.executions("StreamBatchStateMachine") == []
    failures = stack.objects("QuarantineBucket", "aws/lambda/")
    [(key, body)] = failures.items()
    _, _, mapping_uuid, shard, *_ = key.split("/")
    assert shard == "shardId-000000000000" and len(mapping_uuid) == 36
    stored = json.loads(body)
    assert stored["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert stored["requestContext"]["approximateInvokeCount"] == 6  # MaximumRetryAttempts: 5
    assert stored["KinesisBatchInfo"]["streamArn"] == stack.arn("EventStream")
    [record] = stored["payload"]["Records"]
    assert json.loads(base64.b64decode(record["kinesis"]["data"])) == EVENT
    assert stack.warnings == []
