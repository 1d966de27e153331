"""Issue 10: one run per distinct input. Keys never merge distinct inputs, FIFO deduplication follows
the queue's scope, a content duplicate never hides behind a failed run, and an S3 event's key is the
object's key."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sluice_runtime.idempotency import MAX_VALUE_CHARS, Ledger, key_for
from sluice_runtime.registry import PACKAGED_PIPELINES, load_registry

from .moto_stack import REGION, Calls, Invoke, Sample, Stack, only_outcome
from .test_ordered import MULTI_GROUP, SyncRuns, sync_runs  # noqa: F401 - `sync_runs` is a fixture

PIPELINES = {p.name: p for p in load_registry(PACKAGED_PIPELINES).pipelines}


def object_view(key: Any, version_id: Any) -> dict[str, Any]:
    return {"bucket": "b", "key": key, "version_id": version_id, "etag": "e", "size": 1}


# --- 1. distinct inputs, distinct keys -------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
).filter(lambda value: value is not None)  # a null key field is a missing one (`fields.lookup`)
# Small alphabets of the separators, the other field's name and look-alike numbers: collisions, if any
# are possible, are found.
SEPARATOR_HEAVY = st.lists(st.sampled_from(["|", "=", "~", '"', "detail.version", "1", "a"]), max_size=6).map("".join)
LOOK_ALIKES = st.sampled_from(["1", "2", "true"]) | st.sampled_from([1, 2, True])


def canonical(view: dict[str, Any]) -> str:
    return json.dumps(view, sort_keys=True)


@given(
    first=st.tuples(SEPARATOR_HEAVY | LOOK_ALIKES | JSON_VALUES, SEPARATOR_HEAVY | LOOK_ALIKES | JSON_VALUES),
    second=st.tuples(SEPARATOR_HEAVY | LOOK_ALIKES | JSON_VALUES, SEPARATOR_HEAVY | LOOK_ALIKES | JSON_VALUES),
)
def test_distinct_inputs_never_share_an_idempotency_key(first: tuple[Any, Any], second: tuple[Any, Any]) -> None:
    dataset = PIPELINES["dataset-ready"]
    views = [{"detail": {"dataset_id": a, "version": b, "checksum": "c"}} for a, b in (first, second)]
    keys = [key_for(dataset, view).value for view in views]
    assert (keys[0] == keys[1]) == (canonical(views[0]) == canonical(views[1]))


@pytest.mark.parametrize(
    ("first", "second"),
    [
        # Joined with '|' and '=', both rendered as `key=x|version_id=1|version_id=2` before.
        (("x|version_id=1", "2"), ("x", "1|version_id=2")),
        # A string and a number that print alike.
        (("x", "2"), ("x", 2)),
    ],
)
def test_values_holding_the_separators_or_alike_types_do_not_collide(
    first: tuple[Any, Any], second: tuple[Any, Any]
) -> None:
    keys = {key_for(PIPELINES["raw-objects"], object_view(k, v)).value for k, v in (first, second)}
    assert len(keys) == 2


def test_long_values_are_hashed_and_the_dynamodb_key_stays_small(aws: Stack) -> None:
    """DynamoDB limits a partition key to 2048 bytes; a key field may hold far more."""
    long_keys = [key_for(PIPELINES["raw-objects"], object_view("k/" + "x" * 100_000 + tail, "v")) for tail in "ab"]
    assert long_keys[0].value != long_keys[1].value
    assert all(len(key.value) < 3 * MAX_VALUE_CHARS for key in long_keys)
    assert "key~sha256=" in long_keys[0].value
    Ledger(aws.table, boto3.client("dynamodb", region_name=REGION), 3600).claim(long_keys[0], 60_000)
    (item,) = aws.ledger_items()
    assert len(item["id"]["S"].encode()) < 2048


# --- 2. FIFO: AWS deduplicates per message group under DeduplicationScope: messageGroup -------------


def same_body_in_two_groups() -> dict[str, Any]:
    """What ContentBasedDeduplication sends: MessageDeduplicationId = SHA-256 of the body."""
    records = []
    for n, group in enumerate(("account-1", "account-2")):
        record = copy.deepcopy(MULTI_GROUP["Records"][0])
        record["messageId"] = f"0000000{n}-87a3-44ab-83d2-661975830a7d"
        record["attributes"]["MessageGroupId"] = group
        record["attributes"]["MessageDeduplicationId"] = hashlib.sha256(record["body"].encode()).hexdigest()
        records.append(record)
    return {"Records": records}


def test_the_same_body_in_two_message_groups_runs_twice(aws: Stack, invoke: Invoke, sync_runs: SyncRuns) -> None:  # noqa: F811
    assert invoke("ordered", same_body_in_two_groups())["batchItemFailures"] == []
    assert len(sync_runs.requested) == 2
    # ...and a redelivery of both is two duplicates.
    assert invoke("ordered", same_body_in_two_groups())["batchItemFailures"] == []
    assert len(sync_runs.requested) == 2


def test_queue_scoped_deduplication_keys_ignore_the_group() -> None:
    ordered = PIPELINES["ordered-commands"]
    assert ordered.key_fields == ("message_group_id", "deduplication_id")
    queue_scoped = ordered.model_copy(
        update={"trigger": ordered.trigger.model_copy(update={"deduplication_scope": "queue"})}
    )
    assert queue_scoped.key_fields == ("deduplication_id",)


# --- 3. a content duplicate of a failed run is run, visibly --------------------------------------


def described(status: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A DescribeExecution answer with this status (moto's executions never fail on their own)."""
    return lambda request: {"executionArn": request["executionArn"], "status": status}


def abort(aws: Stack, calls: Calls, arn: str) -> None:
    aws.clients["stepfunctions"].stop_execution(executionArn=arn)  # DescribeExecution: ABORTED


def fail(aws: Stack, calls: Calls, arn: str) -> None:
    calls.respond("states.DescribeExecution", described("FAILED"))


@pytest.mark.parametrize("end_first_run", [abort, fail], ids=["aborted", "failed"])
def test_a_file_redropped_after_a_failed_run_runs_again(
    aws: Stack, invoke: Invoke, sample: Sample, calls: Calls, end_first_run: Callable[[Stack, Calls, str], None]
) -> None:
    first = only_outcome(invoke("ingest", sample("ingest-dropbox-file")))
    end_first_run(aws, calls, first["execution_arn"])
    # The same bytes (same ETag and size), dropped again under a corrected path.
    again = only_outcome(invoke("ingest", sample("ingest-dropbox-same-file-again")))
    assert again["status"] == "started"  # not skipped as a duplicate of the failed run
    assert again["supersedes"] == first["execution_name"]
    assert again["execution_name"] != first["execution_name"]
    names = {e["name"]: e["input"] for e in aws.executions()}
    assert names[again["execution_name"]]["records"][0]["key"] == "dropbox/team-b/export+copy.csv"
    assert names[again["execution_name"]]["sluice"]["idempotency_key"].endswith(f"|after={first['execution_name']}")
    # Redeliveries of either event are duplicates of their own runs: nothing else starts.
    assert (
        only_outcome(invoke("ingest", sample("ingest-dropbox-same-file-again")))["execution_name"]
        == (again["execution_name"])
    )
    assert only_outcome(invoke("ingest", sample("ingest-dropbox-file")))["status"] == "duplicate"
    assert len(aws.executions()) == 2


def test_a_content_duplicate_of_a_run_that_did_not_fail_is_skipped(
    aws: Stack, invoke: Invoke, sample: Sample, calls: Calls
) -> None:
    calls.respond("states.DescribeExecution", described("SUCCEEDED"))
    first = only_outcome(invoke("ingest", sample("ingest-dropbox-file")))
    again = only_outcome(invoke("ingest", sample("ingest-dropbox-same-file-again")))
    assert (again["status"], again["execution_arn"]) == ("duplicate", first["execution_arn"])
    assert len(aws.executions()) == 1


# --- 4. the key a run reads is the object's key ----------------------------------------------------


def object_created(sample: Sample, key: str, version: str) -> dict[str, Any]:
    """An EventBridge "Object Created" event as AWS sends it: the key verbatim (ADR 0005)."""
    event = sample("ingest-object-created")
    event["detail"]["object"].update({"key": key, "version-id": version})
    return event


@pytest.mark.parametrize("key", ["incoming/report%2E2024.csv", "incoming/50%25 off.csv", "incoming/a+b %20.csv"])
def test_keys_with_literal_percent_escapes_reach_the_pipeline_verbatim(
    aws: Stack, invoke: Invoke, sample: Sample, key: str
) -> None:
    version = aws.clients["s3"].put_object(Bucket=aws.raw_bucket, Key=key, Body=b"a,b\n")["VersionId"]
    assert only_outcome(invoke("ingest", object_created(sample, key, version)))["status"] == "started"
    (execution,) = aws.executions()
    assert execution["input"]["records"][0]["key"] == key


def test_a_key_that_exists_under_no_reading_is_quarantined_with_the_keys_tried(
    aws: Stack, invoke: Invoke, sample: Sample
) -> None:
    version = aws.clients["s3"].put_object(Bucket=aws.raw_bucket, Key="incoming/other.csv", Body=b"x")["VersionId"]
    event = object_created(sample, "incoming/report%2E2024.csv", version)
    result = only_outcome(invoke("ingest", event))
    assert (result["status"], result["reason"]) == ("set_aside", "object_not_found")
    assert aws.executions() == []
    (quarantined,) = aws.quarantined()
    assert "'incoming/report%2E2024.csv'" in quarantined["report"]["message"]
    assert "'incoming/report.2024.csv'" in quarantined["report"]["message"]
    assert quarantined["payload"] == event


def test_a_classic_notification_from_a_producer_that_does_not_encode_still_finds_the_object(
    aws: Stack, invoke: Invoke, sample: Sample
) -> None:
    """S3 itself form-encodes (`a+b.csv` would be `a%2Bb.csv`); other producers may not."""
    key = "incoming/a+b.csv"
    version = aws.clients["s3"].put_object(Bucket=aws.raw_bucket, Key=key, Body=b"x")["VersionId"]
    event = sample("ingest-classic-notification")
    event["Records"][0]["s3"]["object"].update({"key": key, "versionId": version})
    assert only_outcome(invoke("ingest", event))["status"] == "started"
    (execution,) = aws.executions()
    assert execution["input"]["records"][0]["key"] == key
