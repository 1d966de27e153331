"""ingest: S3 object events -> exactly one Standard execution per object, whatever AWS redelivers."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sluice_runtime import wiring
from sluice_runtime.errors import ClaimInProgress, ConfigurationError, TransientError
from sluice_runtime.execution_names import execution_name
from sluice_runtime.idempotency import Ledger
from sluice_runtime.starter import Starter

from .moto_stack import Calls, FakeContext, Invoke, Sample, Stack, only_outcome

ORDERS_KEY = (
    'raw-objects|bucket="sluice-raw"|key="incoming/2024/06/11/orders.csv"'
    '|version_id="3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY"'
)


class SimulatedCrash(BaseException):
    """Stands for the process dying (timeout, OOM): not an `Exception`, so nothing cleans up."""


def test_new_object_starts_one_execution_with_the_documented_input(aws: Stack, invoke: Invoke, sample: Sample) -> None:
    result = only_outcome(invoke("ingest", sample("ingest-object-created")))
    name = execution_name("raw-objects", ORDERS_KEY)
    assert (result["status"], result["pipeline"], result["execution_name"]) == ("started", "raw-objects", name)
    (execution,) = aws.executions()
    assert execution["name"] == name
    assert execution["input"] == {
        "sluice": {"pipeline": "raw-objects", "execution_name": name, "idempotency_key": ORDERS_KEY, "replay": None},
        "records": [
            {
                "type": "s3",
                "bucket": "sluice-raw",
                "key": "incoming/2024/06/11/orders.csv",
                "version_id": "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY",
                "etag": "2b3f0a1c9d8e7f6a5b4c3d2e1f0a9b8c",
                "size": 48213,
                "sequencer": "0066681C5E2B3A9F41",  # the file pipeline publishes versions in this order
            }
        ],
    }


def test_duplicate_delivery_starts_nothing(aws: Stack, invoke: Invoke, sample: Sample, calls: Calls) -> None:
    first = only_outcome(invoke("ingest", sample("ingest-object-created")))
    calls.made.clear()
    again = only_outcome(invoke("ingest", sample("ingest-duplicate")))
    assert again["status"] == "duplicate"
    assert again["execution_arn"] == first["execution_arn"]
    assert calls.made == ["dynamodb.PutItem"]  # one conditional write, no StartExecution
    assert len(aws.executions()) == 1


@pytest.mark.usefixtures("atomic_conditional_writes")
def test_fifty_concurrent_deliveries_start_one_execution(aws: Stack, invoke: Invoke, sample: Sample) -> None:
    event = sample("ingest-object-created")
    wiring.dispatcher()  # build shared clients once, like a warm environment would
    barrier = threading.Barrier(50)

    def deliver(_: int) -> str:
        barrier.wait()
        try:
            return str(only_outcome(invoke("ingest", event))["status"])
        except ClaimInProgress:
            return "in_progress"  # raised so that Lambda retries this delivery later

    with ThreadPoolExecutor(max_workers=50) as pool:
        statuses = list(pool.map(deliver, range(50)))
    assert statuses.count("started") == 1
    assert set(statuses) <= {"started", "duplicate", "in_progress"}
    assert len(aws.executions()) == 1
    assert only_outcome(invoke("ingest", event))["status"] == "duplicate"  # the retries that follow
    assert len(aws.executions()) == 1


@pytest.mark.parametrize("crash_point", ["before_start", "after_start"])
def test_crash_between_claim_and_completion_still_gives_one_execution(
    aws: Stack, invoke: Invoke, sample: Sample, monkeypatch: pytest.MonkeyPatch, crash_point: str
) -> None:
    # before_start: dies inside Starter.start, before StartExecution; after_start: StartExecution has
    # succeeded and the process dies before the ledger records completion.
    target, method = (Starter, "start") if crash_point == "before_start" else (Ledger, "complete")
    original = getattr(target, method)

    def crash(*args: Any, **kwargs: Any) -> Any:
        raise SimulatedCrash

    monkeypatch.setattr(target, method, crash)
    with pytest.raises(SimulatedCrash):
        invoke("ingest", sample("ingest-object-created"))
    monkeypatch.setattr(target, method, original)
    assert len(aws.executions()) == (1 if crash_point == "after_start" else 0)

    with pytest.raises(ClaimInProgress):  # redelivered while the crashed claim is still live: retry later
        invoke("ingest", sample("ingest-duplicate"))
    assert aws.lapse_claims() == 1  # the crashed invocation's time runs out
    assert only_outcome(invoke("ingest", sample("ingest-duplicate")))["status"] == "started"
    assert len(aws.executions()) == 1
    assert only_outcome(invoke("ingest", sample("ingest-object-created")))["status"] == "duplicate"


def test_crash_after_start_then_execution_closed(
    aws: Stack, invoke: Invoke, sample: Sample, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A closed Standard execution answers ExecutionAlreadyExists: same input = it already ran."""
    original = Ledger.complete

    def crash(*args: Any, **kwargs: Any) -> None:
        raise SimulatedCrash

    monkeypatch.setattr(Ledger, "complete", crash)
    with pytest.raises(SimulatedCrash):
        invoke("ingest", sample("ingest-object-created"))
    monkeypatch.setattr(Ledger, "complete", original)
    (execution,) = aws.executions()
    sfn = aws.clients["stepfunctions"]
    sfn.stop_execution(executionArn=f"{aws.file_pipeline_arn.replace('stateMachine', 'execution')}:{execution['name']}")
    aws.lapse_claims()
    assert only_outcome(invoke("ingest", sample("ingest-duplicate")))["status"] == "started"
    assert [e["status"] for e in aws.executions()] == ["ABORTED"]
    assert only_outcome(invoke("ingest", sample("ingest-duplicate")))["status"] == "duplicate"


def test_replay_token_starts_a_new_visible_run_once(aws: Stack, invoke: Invoke, sample: Sample) -> None:
    invoke("ingest", sample("ingest-object-created"))
    replayed = only_outcome(invoke("ingest", sample("ingest-replay")))
    assert replayed["status"] == "started"
    assert replayed["execution_name"].endswith("-r-bf-20240612")
    assert only_outcome(invoke("ingest", sample("ingest-replay")))["status"] == "duplicate"
    runs = {e["name"]: e["input"]["sluice"] for e in aws.executions()}
    assert len(runs) == 2
    assert runs[replayed["execution_name"]]["replay"] == {
        "token": "bf-20240612",
        "reason": "reprocess after parser fix (TICKET-123)",
    }


def test_same_key_different_content_is_a_loud_conflict(aws: Stack, invoke: Invoke, sample: Sample) -> None:
    invoke("ingest", sample("ingest-object-created"))
    changed = sample("ingest-duplicate")
    changed["detail"]["object"].update(etag="ffffffffffffffffffffffffffffffff", size=7)
    result = only_outcome(invoke("ingest", changed))
    assert (result["status"], result["reason"]) == ("set_aside", "idempotency_conflict")
    (quarantined,) = aws.quarantined()
    assert quarantined["report"]["reason"] == "idempotency_conflict"
    assert quarantined["payload"] == changed
    assert [a["reason"] for a in aws.alerts()] == ["idempotency_conflict"]
    assert len(aws.executions()) == 1


def test_expired_key_with_changed_content_meets_the_execution_name(aws: Stack, invoke: Invoke, sample: Sample) -> None:
    """After the ledger record's TTL, StartExecution's name check still refuses different input."""
    invoke("ingest", sample("ingest-object-created"))
    dynamodb = aws.clients["dynamodb"]
    for item in aws.ledger_items():
        dynamodb.delete_item(TableName=aws.table, Key={"id": item["id"]})  # what TTL does eventually
    changed = sample("ingest-duplicate")
    changed["detail"]["object"]["etag"] = "ffffffffffffffffffffffffffffffff"
    assert only_outcome(invoke("ingest", changed))["reason"] == "idempotency_conflict"
    assert len(aws.executions()) == 1
    assert aws.ledger_items() == []  # the claim was released, not left behind


@pytest.mark.parametrize(
    ("event", "key"),
    [
        ("ingest-url-encoded-key", "incoming/Q1 report (final) ✓ 50% off+extra.csv"),
        ("ingest-classic-notification", "incoming/café menu+2024.json"),
    ],
)
def test_encoded_keys_reach_the_pipeline_decoded(
    aws: Stack, invoke: Invoke, sample: Sample, event: str, key: str
) -> None:
    """The object exists under the decoded key; HeadObject confirms it before the run starts."""
    version = aws.clients["s3"].put_object(Bucket=aws.raw_bucket, Key=key, Body=b"x")["VersionId"]
    delivered = sample(event)
    if "Records" in delivered:
        delivered["Records"][0]["s3"]["object"]["versionId"] = version
    else:
        delivered["detail"]["object"]["version-id"] = version
    assert only_outcome(invoke("ingest", delivered))["status"] == "started"
    (execution,) = aws.executions()
    assert execution["input"]["records"][0]["key"] == key


def test_the_same_file_dropped_twice_runs_once(aws: Stack, invoke: Invoke, sample: Sample) -> None:
    assert only_outcome(invoke("ingest", sample("ingest-dropbox-file")))["status"] == "started"
    again = only_outcome(invoke("ingest", sample("ingest-dropbox-same-file-again")))
    assert (again["status"], again["pipeline"]) == ("duplicate", "raw-dropbox")
    assert len(aws.executions()) == 1


@pytest.mark.parametrize(
    ("event", "reason"), [("ingest-unknown-route", "unknown_route"), ("ingest-malformed", "invalid_event")]
)
def test_inputs_that_cannot_start_are_quarantined_not_lost(
    aws: Stack, invoke: Invoke, sample: Sample, event: str, reason: str
) -> None:
    result = only_outcome(invoke("ingest", sample(event)))
    assert (result["status"], result["reason"]) == ("set_aside", reason)
    (quarantined,) = aws.quarantined()
    assert quarantined["payload"] == sample(event)
    assert quarantined["report"]["reason"] == reason
    assert result["location"].startswith(f"s3://{aws.quarantine_bucket}/quarantine/{reason}/")
    assert aws.executions() == []


def test_redelivered_poison_overwrites_its_quarantine_entry(aws: Stack, invoke: Invoke, sample: Sample) -> None:
    invoke("ingest", sample("ingest-unknown-route"))
    invoke("ingest", sample("ingest-unknown-route"))
    assert len(aws.quarantined()) == 1


def test_s3_test_event_is_ignored(aws: Stack, invoke: Invoke, sample: Sample) -> None:
    assert only_outcome(invoke("ingest", sample("ingest-s3-test-event")))["status"] == "ignored"
    assert (aws.executions(), aws.quarantined(), aws.ledger_items()) == ([], [], [])


def test_throttling_propagates_and_the_retry_succeeds(aws: Stack, invoke: Invoke, sample: Sample, calls: Calls) -> None:
    calls.fail("states.StartExecution", "ThrottlingException")
    # Classified as transient (sluice_runtime.aws_errors): Lambda's async retry redelivers the event.
    with pytest.raises(TransientError, match=r"StartExecution .*ThrottlingException"):
        invoke("ingest", sample("ingest-object-created"))
    assert aws.ledger_items() == []  # claim released: the retry need not wait for it to lapse
    assert only_outcome(invoke("ingest", sample("ingest-object-created")))["status"] == "started"
    assert len(aws.executions()) == 1


@pytest.mark.parametrize("operation", ["dynamodb.PutItem", "dynamodb.UpdateItem"])
def test_a_throttled_idempotency_table_is_a_classified_transient_error(
    aws: Stack, invoke: Invoke, sample: Sample, calls: Calls, operation: str
) -> None:
    # Found by `sluice chaos`: a throttled claim (PutItem) or completion (UpdateItem) escaped as a bare
    # botocore ProvisionedThroughputExceededException; it is retried like any transient failure.
    calls.fail(operation, "ProvisionedThroughputExceededException")
    with pytest.raises(TransientError, match="ProvisionedThroughputExceededException"):
        invoke("ingest", sample("ingest-object-created"))


@pytest.mark.parametrize("fault", [("s3.PutObject", "SlowDown"), ("sns.Publish", "Throttled")])
def test_a_throttled_quarantine_is_a_transient_error_and_the_redelivery_sets_the_input_aside(
    aws: Stack, invoke: Invoke, sample: Sample, calls: Calls, fault: tuple[str, str]
) -> None:
    operation, code = fault
    # Found by `sluice chaos`: S3 SlowDown on the quarantine write (or SNS Throttled, HTTP 429, on its
    # alert) escaped as a bare ClientError; Lambda's async retry now redelivers a classified failure.
    calls.fail(operation, code)
    with pytest.raises(TransientError, match=f"quarantine .*{code}"):
        invoke("ingest", sample("ingest-unknown-route"))
    assert only_outcome(invoke("ingest", sample("ingest-unknown-route")))["status"] == "set_aside"
    (quarantined,) = aws.quarantined()
    assert quarantined["report"]["reason"] == "unknown_route"


def test_a_throttled_key_check_is_a_transient_error(aws: Stack, invoke: Invoke, sample: Sample, calls: Calls) -> None:
    key = "incoming/Q1 report (final) ✓ 50% off+extra.csv"
    version = aws.clients["s3"].put_object(Bucket=aws.raw_bucket, Key=key, Body=b"x")["VersionId"]
    delivered = sample("ingest-url-encoded-key")
    delivered["detail"]["object"]["version-id"] = version
    calls.fail("s3.HeadObject", "SlowDown")
    with pytest.raises(TransientError, match=r"HeadObject .*SlowDown"):
        invoke("ingest", delivered)
    assert (aws.executions(), aws.quarantined()) == ([], [])
    assert only_outcome(invoke("ingest", delivered))["status"] == "started"


def test_too_little_time_left_defers_instead_of_claiming(aws: Stack, invoke: Invoke, sample: Sample) -> None:
    with pytest.raises(Exception, match="ms left"):
        invoke("ingest", sample("ingest-object-created"), FakeContext(remaining_ms=1_000))
    assert aws.ledger_items() == []


def test_without_a_quarantine_bucket_failures_are_raised_not_dropped(
    aws: Stack, invoke: Invoke, sample: Sample, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("QUARANTINE_BUCKET")
    wiring.reset()
    with pytest.raises(ConfigurationError, match="QUARANTINE_BUCKET is not set"):
        invoke("ingest", sample("ingest-unknown-route"))


def test_a_replay_whose_reason_is_not_unicode_is_quarantined_not_started(
    aws: Stack, invoke: Invoke, sample: Sample
) -> None:
    # Found by the bad-input campaign: `reason` goes into the execution input as it is, and a lone
    # surrogate cannot be written as JSON text (RFC 8259 section 8), so the run must not start.
    request = sample("ingest-replay")
    request["replay"]["reason"] = "\ud800"
    result = only_outcome(invoke("ingest", request))
    assert (result["status"], result["reason"]) == ("set_aside", "invalid_unicode")
    (quarantined,) = aws.quarantined()
    assert quarantined["report"]["reason"] == "invalid_unicode"
    assert aws.executions() == []
