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
from sluice_runtime.errors import InvalidEvent, TransientError
from sluice_runtime.idempotency import ClaimState, IdempotencyKey, Ledger
from sluice_runtime.models import KinesisEnvelope, StreamRecord, parse
from sluice_runtime.registry import PACKAGED_PIPELINES, load_registry
from sluice_runtime.stream_batches import batch_key

from .moto_stack import REGION, Calls, Invoke, Stack, read_sample

TEMPLATE = read_sample("stream-batch")["Records"][0]
FIRST_SEQUENCE = 49590338271490256608559692538361571095921575989136500000
IDEMPOTENCY_WRITES = ("dynamodb.PutItem", "dynamodb.UpdateItem", "dynamodb.DeleteItem")


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


def decoded(raw: dict[str, Any]) -> StreamRecord:
    return parse(KinesisEnvelope, raw, "Kinesis record").decode()


def range_key(first: dict[str, Any], last: dict[str, Any]) -> IdempotencyKey:
    """The claim key of the micro-batch running `first`..`last` (within the `aws` fixture)."""
    pipeline = load_registry().for_stream("sluice-events")
    assert pipeline is not None
    return batch_key(pipeline, decoded(first), decoded(last))


def ledger(aws: Stack) -> Ledger:
    """The idempotency table, as a second invocation would see it."""
    return Ledger(aws.table, boto3.client("dynamodb", region_name=REGION), 3600)


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


@pytest.mark.parametrize("event", [[], "Records", {"Records": 3}, {"Records": {"0": {}}}, {}])
def test_an_event_that_is_not_a_kinesis_batch_is_answered_with_invalid_event(invoke: Invoke, event: Any) -> None:
    # Found by mutating the sample events: a direct invocation with something else raised a bare
    # AttributeError or TypeError from inside the handler.
    with pytest.raises(InvalidEvent, match="malformed Kinesis batch event: "):
        invoke("stream", event)


def test_an_empty_batch_has_nothing_to_report(aws: Stack, invoke: Invoke) -> None:
    assert invoke("stream", {"Records": []}) == {"batchItemFailures": []}
    assert aws.executions(aws.stream_batch_arn) == []


def test_a_record_that_is_not_an_object_is_set_aside_and_the_rest_proceed(aws: Stack, invoke: Invoke) -> None:
    first, second = records(2)
    assert invoke("stream", {"Records": [first, "garbage", second]}) == {"batchItemFailures": []}
    (quarantined,) = aws.quarantined()
    assert (quarantined["report"]["reason"], quarantined["report"]["record_id"]) == ("invalid_event", "record-1")
    assert quarantined["payload"] == "garbage"
    assert started_records(aws) == sequences([first, second])


def test_a_record_whose_event_id_disagrees_with_its_sequence_number_is_set_aside(aws: Stack, invoke: Invoke) -> None:
    # Found by the bad-input campaign: the record's id and its batch's claim come from the sequence
    # number, so a forged envelope reusing an earlier record's number was taken for that record and
    # skipped as a duplicate — neither run nor set aside.
    first, forged = records(2)
    assert invoke("stream", {"Records": [first]}) == {"batchItemFailures": []}
    forged["kinesis"]["sequenceNumber"] = first["kinesis"]["sequenceNumber"]
    assert invoke("stream", {"Records": [forged]}) == {"batchItemFailures": []}
    (quarantined,) = aws.quarantined()
    assert (quarantined["report"]["reason"], quarantined["report"]["record_id"]) == ("invalid_event", forged["eventID"])
    assert quarantined["payload"] == forged
    assert started_records(aws) == sequences([first])


@pytest.mark.parametrize("data", ["\x80", "ZXZ0-é==", "not base64!"])
def test_a_record_whose_data_is_not_base64_is_set_aside(aws: Stack, invoke: Invoke, data: str) -> None:
    # Found by the bad-input campaign: text that is not ASCII made base64 raise a plain ValueError
    # (not binascii.Error), which escaped the handler and failed the whole batch.
    good, broken = records(2)
    broken["kinesis"]["data"] = data
    assert invoke("stream", {"Records": [good, broken]}) == {"batchItemFailures": []}
    (quarantined,) = aws.quarantined()
    assert (quarantined["report"]["reason"], quarantined["payload"]) == ("invalid_event", broken)
    assert "not base64" in quarantined["report"]["message"]
    assert started_records(aws) == sequences([good])


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


def test_a_throttled_offload_fails_the_shard_from_that_record_as_a_transient_error(
    aws: Stack, invoke: Invoke, calls: Calls
) -> None:
    # Found by `sluice chaos` (campaign seed 720990433): S3 SlowDown on the offload's PutObject escaped
    # as a bare botocore ClientError, an unclassified failure.
    batch_records = records(3, lambda n: {"event_id": f"evt-{n}", "blob": "x" * (70_000 if n == 1 else 10)})
    calls.fail("s3.PutObject", "SlowDown")
    response = invoke("stream", {"Records": batch_records})
    assert [f["itemIdentifier"] for f in response["batchItemFailures"]] == sequences(batch_records[1:])
    assert started_records(aws) == sequences(batch_records[:1])
    assert aws.quarantined() == []  # throttling is not the record's fault: nothing set aside

    calls.fail("s3.PutObject", "SlowDown")
    with pytest.raises(BatchProcessingError) as every_record_failed:
        invoke("stream", {"Records": batch_records[1:2]})
    assert [type(error) for _, error, _ in every_record_failed.value.child_exceptions] == [TransientError]

    # Lambda resumes the shard at the failed record: the redelivery offloads it and finishes the rest.
    assert invoke("stream", {"Records": batch_records[1:]}) == {"batchItemFailures": []}
    assert sorted(started_records(aws), key=int) == sequences(batch_records)


@pytest.mark.parametrize(("operation", "code"), [("s3.PutObject", "SlowDown"), ("sns.Publish", "Throttled")])
def test_a_throttled_quarantine_fails_the_shard_from_the_poison_record_and_the_redelivery_sets_it_aside(
    aws: Stack, invoke: Invoke, calls: Calls, operation: str, code: str
) -> None:
    # Found by `sluice chaos`: a quarantine write throttled by S3 (or its alert by SNS) escaped as a bare
    # ClientError and failed the whole invocation, records already started included.
    event = read_sample("stream-poison-record")
    good, poison, after = event["Records"]
    calls.fail(operation, code)
    response = invoke("stream", event)
    assert [f["itemIdentifier"] for f in response["batchItemFailures"]] == sequences([poison, after])
    assert started_records(aws) == sequences([good])

    assert invoke("stream", {"Records": [poison, after]}) == {"batchItemFailures": []}
    (quarantined,) = aws.quarantined()
    assert (quarantined["report"]["reason"], quarantined["payload"]) == ("invalid_json", poison)
    assert sorted(started_records(aws), key=int) == sequences([good, after])


def test_a_micro_batch_claimed_by_a_live_invocation_stops_the_batch_there(
    aws: Stack, invoke: Invoke, max_records: Callable[..., None]
) -> None:
    max_records(2)  # micro-batches [0, 1], [2, 3], [4]
    batch_records = records(5)
    held = range_key(batch_records[2], batch_records[3])
    ledger(aws).claim(held, 600_000)
    response = invoke("stream", {"Records": batch_records})
    assert [f["itemIdentifier"] for f in response["batchItemFailures"]] == sequences(batch_records[2:])
    assert started_records(aws) == sequences(batch_records[:2])


def test_a_batch_that_fails_entirely_fails_the_invocation(aws: Stack, invoke: Invoke, calls: Calls) -> None:
    """Powertools raises when every record failed: BisectBatchOnFunctionError then splits the batch."""
    calls.fail("states.StartExecution", "ServiceUnavailable")
    with pytest.raises(BatchProcessingError):
        invoke("stream", {"Records": records(4)})
    assert aws.ledger_items() == []  # every claim released for the retry


# --- one claim per micro-batch ----------------------------------------------------------------------


def writes(calls: Calls) -> int:
    """Idempotency-table writes (the only table the stream function writes)."""
    return sum(calls.count(operation) for operation in IDEMPOTENCY_WRITES)


@pytest.mark.parametrize(("count", "batch"), [(100, 100), (100, 25), (250, 100)])
def test_each_micro_batch_costs_one_claim_and_one_completion_not_two_writes_per_record(
    aws: Stack, invoke: Invoke, max_records: Callable[..., None], calls: Calls, *, count: int, batch: int
) -> None:
    max_records(batch)
    assert invoke("stream", {"Records": records(count)}) == {"batchItemFailures": []}
    micro_batches = math.ceil(count / batch)
    assert (calls.count("dynamodb.PutItem"), calls.count("dynamodb.UpdateItem")) == (micro_batches, micro_batches)
    assert writes(calls) == 2 * micro_batches
    assert [item["status"]["S"] for item in aws.ledger_items()] == ["COMPLETED"] * micro_batches


def test_a_redelivered_batch_costs_one_failed_write_and_starts_no_second_run(
    aws: Stack, invoke: Invoke, calls: Calls
) -> None:
    batch_records = records(100)
    invoke("stream", {"Records": batch_records})
    (run,) = aws.executions(aws.stream_batch_arn)
    calls.made.clear()

    assert invoke("stream", {"Records": batch_records}) == {"batchItemFailures": []}
    assert writes(calls) == 1  # the conditional put that found the batch COMPLETED (ALL_OLD: no read)
    assert calls.count("states.StartExecution") == 0
    assert aws.executions(aws.stream_batch_arn) == [run]


def test_a_bisected_batch_claims_each_half_under_a_key_naming_its_range(
    aws: Stack, invoke: Invoke, calls: Calls
) -> None:
    batch_records = records(4)
    calls.fail("states.StartExecution", "ServiceUnavailable")  # the whole batch fails: Lambda bisects it
    with pytest.raises(BatchProcessingError):
        invoke("stream", {"Records": batch_records})
    assert aws.ledger_items() == []  # the whole range's claim was released

    halves = batch_records[:2], batch_records[2:]
    for half in halves:  # BisectBatchOnFunctionError: each half is retried on its own
        assert invoke("stream", {"Records": half}) == {"batchItemFailures": []}

    runs = {run["name"]: run for run in aws.executions(aws.stream_batch_arn)}
    for half in halves:
        claim = ledger(aws).claim(range_key(half[0], half[-1]), 600_000)
        assert claim.state is ClaimState.DUPLICATE and claim.result is not None
        run = runs[claim.result["execution_name"]]
        assert [r["sequence_number"] for r in run["input"]["records"]] == sequences(half)
        assert claim.result["record_id"] == f"{half[0]['eventID']}..{half[-1]['kinesis']['sequenceNumber']}"
    whole = ledger(aws).claim(range_key(batch_records[0], batch_records[-1]), 600_000)
    assert whole.state is ClaimState.NEW  # never completed: the halves did not claim the whole range


def test_a_redelivered_poison_record_is_quarantined_again_and_the_rest_is_not_restarted(
    aws: Stack, invoke: Invoke, calls: Calls
) -> None:
    event = read_sample("stream-poison-record")
    invoke("stream", event)
    calls.made.clear()

    assert invoke("stream", event) == {"batchItemFailures": []}
    assert calls.count("states.StartExecution") == 0 and writes(calls) == 1
    (quarantined,) = aws.quarantined()  # the redelivery overwrote its own entry
    assert quarantined["report"]["reason"] == "invalid_json"
    assert len(aws.executions(aws.stream_batch_arn)) == 1


def test_a_started_batch_whose_claim_cannot_be_completed_is_acknowledged(
    aws: Stack, invoke: Invoke, calls: Calls
) -> None:
    """StartExecution succeeded, UpdateItem throttled: the records are in a run, so nothing is retried."""
    batch_records = records(3)
    calls.fail("dynamodb.UpdateItem", "ProvisionedThroughputExceededException")
    assert invoke("stream", {"Records": batch_records}) == {"batchItemFailures": []}
    (run,) = aws.executions(aws.stream_batch_arn)
    assert [item["status"]["S"] for item in aws.ledger_items()] == ["INPROGRESS"]

    # A whole-batch retry (say, after a crash in a later batch) waits while the claim is live...
    with pytest.raises(BatchProcessingError):
        invoke("stream", {"Records": batch_records})
    # ...and once it lapsed, starts the run again under the same name. Express does not dedupe names
    # (AWS starts a second, concurrent run; moto answers ExecutionAlreadyExists, which the starter takes
    # as started): the sink's conditional writes by record id keep the effects once.
    assert aws.lapse_claims() == 1
    calls.made.clear()
    assert invoke("stream", {"Records": batch_records}) == {"batchItemFailures": []}
    assert calls.count("states.StartExecution") == 1
    assert aws.executions(aws.stream_batch_arn) == [run]
    assert [item["status"]["S"] for item in aws.ledger_items()] == ["COMPLETED"]
