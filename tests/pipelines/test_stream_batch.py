"""statemachines/stream_batch.asl.json (Express) on the local engine: exactly-once writes keyed by record id,
per-record outcomes, rejects quarantined - for the inputs the `stream` and `ordered` functions build."""

from __future__ import annotations

import json
from typing import Any

from .conftest import Faults, Pipelines, World

EVENT = {"event_id": "evt-0001", "type": "page_view", "customer": "customer-1", "path": "/products/1",
         "at": "2024-06-11T11:15:01+02:00"}


def kinesis_batch(payloads: list[Any], name: str = "events-stream-batch-1") -> dict[str, Any]:
    """What `stream` sends: one entry per Kinesis record (`data`, or `data_ref` once offloaded)."""
    records = []
    for n, payload in enumerate(payloads):
        entry = {"id": f"shardId-000000000000:{4959 + n}", "partition_key": f"customer-{n}",
                 "sequence_number": str(4959 + n), "ordering_key": f"customer-{n}"}
        entry.update(payload if isinstance(payload, dict) and "data_ref" in payload else {"data": payload})
        records.append(entry)
    return {"sluice": {"pipeline": "events-stream", "execution_name": name, "idempotency_key": None, "replay": None},
            "records": records}


def event(n: int, **changes: Any) -> dict[str, Any]:
    return {**EVENT, "event_id": f"evt-{n:04d}", "path": f"/products/{n}", **changes}


def statuses(output: dict[str, Any]) -> list[str]:
    return [outcome["status"] for outcome in output["outcomes"]]


def test_each_record_is_written_once_with_its_outcome(world: World, pipelines: Pipelines) -> None:
    execution = pipelines.run("StreamBatch", kinesis_batch([event(1), event(2)]), name="events-stream-batch-1")

    assert execution.status == "SUCCEEDED", execution.cause
    assert execution.output["counts"] == {"written": 2, "duplicate": 0, "rejected": 0, "conflict": 0}
    assert [(o["id"], o["record_id"], o["status"]) for o in execution.output["outcomes"]] == [
        ("shardId-000000000000:4959", "evt-0001", "written"), ("shardId-000000000000:4960", "evt-0002", "written")]
    item = next(i for i in world.sink_items() if i["record_id"] == "evt-0001")
    assert item["pk"] == "page-events#evt-0001" and item["partition"] == "2024-06-11"
    assert json.loads(item["data"])["at"] == "2024-06-11T09:15:01Z"  # enriched: normalized to UTC
    assert item["execution"] == "events-stream-batch-1"


def test_a_redelivered_batch_writes_nothing_twice(world: World, pipelines: Pipelines) -> None:
    batch = kinesis_batch([event(1), event(2)])
    pipelines.run("StreamBatch", batch, name="events-stream-batch-1")

    # Express workflows are at-least-once: the same batch may run again, under another execution.
    again = pipelines.run("StreamBatch", batch, name="events-stream-batch-1-again")

    assert statuses(again.output) == ["duplicate", "duplicate"]
    assert len(world.sink_items()) == 2
    assert {i["execution"] for i in world.sink_items()} == {"events-stream-batch-1"}


def test_bad_records_are_rejected_quarantined_and_alerted_while_the_rest_is_written(
    world: World, pipelines: Pipelines
) -> None:
    pipelines.run("StreamBatch", kinesis_batch([event(1)]), name="events-stream-earlier")
    batch = kinesis_batch([event(2), {"event_id": "evt-0003", "type": "page_view"}, event(1, type="click"), "text"])

    execution = pipelines.run("StreamBatch", batch, name="events-stream-batch-2")

    assert execution.status == "SUCCEEDED", execution.cause
    assert statuses(execution.output) == ["written", "rejected", "conflict", "rejected"]
    reasons = [o.get("reason") for o in execution.output["outcomes"]]
    assert reasons[1] == "customer: required value is missing"
    assert reasons[2] == "record evt-0001 was written before with different content"
    assert reasons[3] == "the payload is a JSON str, not an object"
    reason_keys = [k for k in world.keys(world.quarantine, "stream/page-events/") if k.endswith("reason.json")]
    assert len(reason_keys) == 3
    [alert] = world.alerts()
    assert alert["subject"] == "sluice: stream records rejected (page-events)"
    assert alert["message"]["counts"] == {"written": 1, "duplicate": 0, "rejected": 2, "conflict": 1}


def test_offloaded_payloads_are_read_back_from_staging(world: World, pipelines: Pipelines) -> None:
    world.s3.put_object(Bucket=world.staging, Key="offload/events-stream/abc.json",
                        Body=json.dumps(event(7, items=["x"] * 10)))
    ref = {"data_ref": {"bucket": world.staging, "key": "offload/events-stream/abc.json", "bytes": 100}}

    execution = pipelines.run("StreamBatch", kinesis_batch([ref]), name="events-stream-offloaded")

    assert statuses(execution.output) == ["written"]
    [item] = world.sink_items()
    assert json.loads(item["data"])["items"] == ["x"] * 10  # extra fields kept (extra_columns: keep)


def test_throttled_writes_retry_the_batch_and_keep_it_exactly_once(
    world: World, pipelines: Pipelines, faults: Faults
) -> None:
    faults.fail("dynamodb.PutItem", "ProvisionedThroughputExceededException", 400, times=1,
                when=lambda params: params["Item"]["record_id"]["S"] == "evt-0002")

    execution = pipelines.run("StreamBatch", kinesis_batch([event(1), event(2), event(3)]), name="events-stream-3")

    assert execution.status == "SUCCEEDED", execution.cause
    assert pipelines.calls["StreamSinkFunction"] == 2
    assert statuses(execution.output) == ["written", "written", "written"]
    assert sorted(i["record_id"] for i in world.sink_items()) == ["evt-0001", "evt-0002", "evt-0003"]


def test_ordered_commands_are_keyed_by_account_and_sequence(world: World, pipelines: Pipelines) -> None:
    body = {"account": "account-1", "command": "deposit", "seq": 2, "amount": 10}
    document = {
        "sluice": {"pipeline": "ordered-commands", "execution_name": "ordered-commands-1",
                   "idempotency_key": "ordered-commands|deduplication_id=d-1", "replay": None},
        "records": [{"type": "sqs_fifo", "queue": "sluice-ordered.fifo", "message_group_id": "account-1",
                     "deduplication_id": "d-1", "body": body, "ordering_key": "account-1"}],
    }

    execution = pipelines.run("StreamBatch", document, name="ordered-commands-1")

    assert [(o["id"], o["record_id"], o["status"]) for o in execution.output["outcomes"]] == [
        ("d-1", "account-1|2", "written")]
    assert json.loads(world.sink_items()[0]["data"])["amount"] == "10"


def test_an_empty_batch_does_nothing(world: World, pipelines: Pipelines) -> None:
    execution = pipelines.run("StreamBatch", kinesis_batch([]), name="events-stream-empty")

    assert execution.output == {"records": 0, "counts": {"written": 0, "duplicate": 0, "rejected": 0,
                                                         "conflict": 0}, "outcomes": []}
    assert pipelines.calls["StreamSinkFunction"] == 0


def test_a_pipeline_without_a_stream_dataset_fails_loudly(world: World, pipelines: Pipelines) -> None:
    document = kinesis_batch([event(1)])
    document["sluice"]["pipeline"] = "not-catalogued"

    execution = pipelines.run("StreamBatch", document, name="events-stream-unknown")

    assert (execution.status, execution.error) == ("FAILED", "Sluice.SinkFailed")
    assert "no stream dataset of the catalog is fed by pipeline 'not-catalogued'" in str(execution.cause)
    assert pipelines.calls["StreamSinkFunction"] == 1  # a configuration error is not retried
    [alert] = world.alerts()
    assert alert["subject"] == "sluice: stream batch failed"
    # Nothing is lost: the whole batch is set aside in the quarantine bucket, and the alert says where.
    key = "stream-batches/StreamBatch/events-stream-unknown.json"
    stored = world.clients["s3"].get_object(Bucket=world.quarantine, Key=key)["Body"].read()
    assert json.loads(stored) == document
    assert alert["message"]["batch"] == f"s3://{world.quarantine}/{key}"


def test_a_record_that_cannot_be_encoded_is_set_aside_and_the_rest_is_written(
    world: World, pipelines: Pipelines
) -> None:
    # Found by the bad-input campaign: a lone surrogate passes the schema but fails as the sink item is
    # encoded (UnicodeEncodeError), which failed - and retried - the whole batch, forever.
    batch = kinesis_batch([event(1), event(2, customer="\ud800")])

    execution = pipelines.run("StreamBatch", batch, name="events-stream-batch-3")

    assert execution.status == "SUCCEEDED", execution.cause
    assert statuses(execution.output) == ["written", "rejected"]
    assert execution.output["outcomes"][1]["reason"].startswith("invalid_unicode: ")
    [record_key] = [k for k in world.keys(world.quarantine, "stream/page-events/") if k.endswith("record.json")]
    assert json.loads(world.read(world.quarantine, record_key))["data"]["customer"] == "\ud800"
