"""stream: Kinesis batches -> ceil(N / batch) Express executions, exact batchItemFailures, no double work."""

from __future__ import annotations

import base64
import copy
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from sluice_runtime import wiring
from sluice_runtime.idempotency import Ledger, key_for
from sluice_runtime.models import KinesisEnvelope, parse
from sluice_runtime.registry import PACKAGED_PIPELINES, load_registry

from .moto_stack import REGION, Calls, Invoke, Stack, read_sample

TEMPLATE = read_sample("stream-batch")["Records"][0]
FIRST_SEQUENCE = 49590338271490256608559692538361571095921575989136500000


def records(
    count: int, payload: Callable[[int], Any] = lambda n: {"event_id": f"evt-{n:05d}", "n": n}
) -> list[dict[str, Any]]:
    """`count` Kinesis records of one shard, in sequence order."""
    made = []
    for n in range(count):
        record = copy.deepcopy(TEMPLATE)
        sequence = str(FIRST_SEQUENCE + n)
        record["kinesis"].update(
            sequenceNumber=sequence,
            partitionKey=f"customer-{n % 4}",
            data=base64.b64encode(json.dumps(payload(n)).encode()).decode(),
        )
        record["eventID"] = f"shardId-000000000000:{sequence}"
        made.append(record)
    return made


def sequences(batch: list[dict[str, Any]]) -> list[str]:
    return [r["kinesis"]["sequenceNumber"] for r in batch]


def started_records(aws: Stack) -> list[str]:
    """Sequence numbers of every record handed to any Express execution."""
    return [r["sequence_number"] for e in aws.executions(aws.stream_batch_arn) for r in e["input"]["records"]]


@pytest.fixture
def max_records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Run with another `events-stream` micro-batch size (and optionally other batching settings)."""

    def use(size: int, **batching: int) -> None:
        registry = json.loads(PACKAGED_PIPELINES.read_text(encoding="utf-8"))
        registry["pipelines"][3]["batching"] = {**registry["pipelines"][3]["batching"], "max_records": size, **batching}
        path = tmp_path / "pipelines.json"
        path.write_text(json.dumps(registry), encoding="utf-8")
        monkeypatch.setenv("SLUICE_PIPELINES", str(path))
        wiring.reset()

    return use


@pytest.mark.parametrize(("count", "batch"), [(5, 100), (25, 10), (250, 100), (7, 1)])
def test_n_records_start_ceil_n_over_batch_executions(
    aws: Stack, invoke: Invoke, max_records: Callable[..., None], count: int, batch: int
) -> None:
    max_records(batch)
    batch_records = records(count)
    assert invoke("stream", {"Records": batch_records}) == {"batchItemFailures": []}
    executions = aws.executions(aws.stream_batch_arn)
    assert len(executions) == math.ceil(count / batch)
    assert sorted(started_records(aws), key=int) == sequences(batch_records)  # every record exactly once
    for execution in executions:
        assert len(execution["input"]["records"]) <= batch
        in_batch = [r["sequence_number"] for r in execution["input"]["records"]]
        assert in_batch == sorted(in_batch, key=int)  # shard order kept inside each batch


def test_micro_batches_respect_the_256_kib_input_limit(aws: Stack, invoke: Invoke) -> None:
    """60 KB records stay inline (under the 64 KiB offload threshold) but only four fit one input."""
    batch_records = records(10, lambda n: {"event_id": f"evt-{n}", "blob": "x" * 60_000})
    assert invoke("stream", {"Records": batch_records}) == {"batchItemFailures": []}
    sizes = [len(e["input"]["records"]) for e in aws.executions(aws.stream_batch_arn)]
    assert sorted(sizes) == [2, 4, 4]
    for execution in aws.executions(aws.stream_batch_arn):
        assert len(json.dumps(execution["input"]).encode()) <= 256 * 1024


def test_partial_failure_reports_from_the_failed_batch_on_and_the_replay_finishes_the_rest(
    aws: Stack, invoke: Invoke, max_records: Callable[..., None], calls: Calls
) -> None:
    max_records(10)
    batch_records = records(30)
    calls.fail("states.StartExecution", "ThrottlingException", after=1)  # the 2nd micro-batch is throttled
    response = invoke("stream", {"Records": batch_records})
    assert [f["itemIdentifier"] for f in response["batchItemFailures"]] == sequences(batch_records[10:])
    assert len(aws.executions(aws.stream_batch_arn)) == 1

    # Lambda resumes the shard at the lowest failed sequence number...
    assert invoke("stream", {"Records": batch_records[10:]}) == {"batchItemFailures": []}
    # ...and a whole-batch retry (e.g. after BisectBatchOnFunctionError) finds nothing left to do.
    calls.made.clear()
    assert invoke("stream", {"Records": batch_records}) == {"batchItemFailures": []}
    assert calls.count("states.StartExecution") == 0
    assert sorted(started_records(aws), key=int) == sequences(batch_records)  # no record processed twice
    assert len(aws.executions(aws.stream_batch_arn)) == 3


def test_poison_record_is_quarantined_and_the_rest_proceed(aws: Stack, invoke: Invoke) -> None:
    event = read_sample("stream-poison-record")
    assert invoke("stream", event) == {"batchItemFailures": []}
    (execution,) = aws.executions(aws.stream_batch_arn)
    assert [r["data"]["event_id"] for r in execution["input"]["records"]] == ["evt-0010", "evt-0012"]
    (quarantined,) = aws.quarantined()
    assert quarantined["report"]["reason"] == "invalid_json"
    assert quarantined["payload"] == event["Records"][1]


def test_large_record_is_offloaded_to_staging(aws: Stack, invoke: Invoke) -> None:
    event = read_sample("stream-large-record")
    assert invoke("stream", event) == {"batchItemFailures": []}
    (execution,) = aws.executions(aws.stream_batch_arn)
    (record,) = execution["input"]["records"]
    ref = record["data_ref"]
    body = aws.clients["s3"].get_object(Bucket=ref["bucket"], Key=ref["key"])["Body"].read()
    assert json.loads(body) == json.loads(base64.b64decode(event["Records"][0]["kinesis"]["data"]))


def test_oversized_record_is_quarantined(aws: Stack, invoke: Invoke, max_records: Callable[..., None]) -> None:
    max_records(100, max_record_bytes=4096)
    batch_records = records(3, lambda n: {"event_id": f"evt-{n}", "blob": "x" * (10_000 if n == 1 else 10)})
    assert invoke("stream", {"Records": batch_records}) == {"batchItemFailures": []}
    assert [q["report"]["reason"] for q in aws.quarantined()] == ["oversized_payload"]
    assert len(started_records(aws)) == 2


def test_a_record_claimed_by_a_live_invocation_stops_the_batch_there(aws: Stack, invoke: Invoke) -> None:
    batch_records = records(5)
    pipeline = load_registry().for_stream("sluice-events")
    assert pipeline is not None
    held = key_for(pipeline, parse(KinesisEnvelope, batch_records[3], "record").decode().view())
    Ledger(aws.table, boto3.client("dynamodb", region_name=REGION), 3600).claim(held, 600_000)
    response = invoke("stream", {"Records": batch_records})
    assert [f["itemIdentifier"] for f in response["batchItemFailures"]] == sequences(batch_records[3:])
    assert started_records(aws) == sequences(batch_records[:3])


def test_a_batch_that_fails_entirely_fails_the_invocation(aws: Stack, invoke: Invoke, calls: Calls) -> None:
    """Powertools raises when every record failed: BisectBatchOnFunctionError then splits the batch."""
    calls.fail("states.StartExecution", "ServiceUnavailable")
    with pytest.raises(BatchProcessingError):
        invoke("stream", {"Records": records(4)})
    assert aws.ledger_items() == []  # every claim released for the retry
