"""Bugs `sluice chaos` found, each replayed as a plain test on the project's own template."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from sluice.local import LocalStack
from tests.runtime.moto_stack import ROOT

pytestmark = pytest.mark.slow  # each test runs the whole stack through a fault

BAD_ORDERS = b"order_id,customer_id,amount,currency,ordered_at,coupon\nA-1,c-1,twelve,EUR,2024-06-11T09:00:00Z,\n"
KEY = "incoming/2024/06/16/orders.csv"


@pytest.fixture
def stack() -> Iterator[LocalStack]:
    with LocalStack.from_template(ROOT / "template.yaml", parameters={"Stage": "test"}, seed=11) as local:
        yield local


@pytest.mark.parametrize("effect", ["crash", "timeout", "error"])
def test_a_crash_of_the_quarantine_step_is_retried_and_the_bad_file_still_quarantined(
    stack: LocalStack, effect: str
) -> None:
    # Seed 1181241943: FileQuarantineFunction's process died before its CopyObject; Quarantine did not
    # retry Runtime.ExitError, so the bad file was neither published nor quarantined. Seed 715845793:
    # the same after an unexpected error (type `Error`) once, which Quarantine did not retry either.
    if effect == "crash":
        stack.faults.crash("FileQuarantineFunction", before="s3:CopyObject")
    elif effect == "timeout":
        stack.faults.timeout("FileQuarantineFunction")
    else:
        stack.faults.fail_function("FileQuarantineFunction", "Error", after="s3:HeadObject")
    stack.put_object("RawBucket", KEY, BAD_ORDERS)
    stack.run_until_idle()

    [fault] = stack.faults.injected
    assert fault.target == "FileQuarantineFunction"
    [run] = stack.executions("FilePipelineStateMachine")
    assert (run.status, run.error) == ("FAILED", "Sluice.InvalidInput")
    reasons = [json.loads(body) for key, body in stack.objects("QuarantineBucket", "datasets/").items()
               if key.endswith("reason.json")]
    assert [reason["reason"]["code"] for reason in reasons] == ["schema_violation"]
    assert "quarantine_error" not in json.loads(run.cause or "{}")


def test_an_unexpected_error_once_in_publish_is_retried_and_the_good_file_published(stack: LocalStack) -> None:
    # Seed 752956458: FilePublishFunction raised an unexpected error (type `Error`) once; Publish did
    # not retry it, so the newest good version was set aside as a processing failure, not published.
    stack.faults.fail_function("FilePublishFunction", "Error", before="s3:PutObject")
    stack.put_object("RawBucket", KEY, BAD_ORDERS.replace(b"twelve", b"12.50"))
    stack.run_until_idle()

    [fault] = stack.faults.injected
    assert fault.target == "FilePublishFunction"
    [run] = stack.executions("FilePipelineStateMachine")
    assert (run.status, run.output["status"]) == ("SUCCEEDED", "published")
    assert stack.objects("QuarantineBucket") == {}


def test_a_permanent_error_is_not_retried(stack: LocalStack) -> None:
    # Retrying the same input cannot help: every PermanentError type is matched, ahead of the retrier
    # for unexpected errors, by one with MaxAttempts 0.
    stack.faults.fail_function("FileQualityFunction", "DataError", "row 7: amount is not a number", times=None)
    stack.put_object("RawBucket", KEY, BAD_ORDERS.replace(b"twelve", b"12.50"))
    stack.run_until_idle()

    assert len(stack.faults.injected) == 1
    [run] = stack.executions("FilePipelineStateMachine")
    assert (run.status, run.error) == ("FAILED", "Sluice.ProcessingFailed")


def test_a_good_file_whose_run_failed_is_set_aside_with_its_reason(stack: LocalStack) -> None:
    # Seed 1635320116: an unexpected error in FileQualityFunction failed the run; processing failures
    # were alerted only, so the good file was neither published nor quarantined. The error now comes
    # back on every attempt (the retries of an unexpected error cannot help).
    stack.faults.fail_function("FileQualityFunction", "KeyError", "'rows'", times=None)
    good = BAD_ORDERS.replace(b"twelve", b"12.50")
    stack.put_object("RawBucket", KEY, good)
    stack.run_until_idle()

    [run] = stack.executions("FilePipelineStateMachine")
    assert (run.status, run.error) == ("FAILED", "Sluice.ProcessingFailed")
    reasons = [json.loads(body) for key, body in stack.objects("QuarantineBucket", "datasets/").items()
               if key.endswith("reason.json")]
    assert [(reason["kind"], reason["reason"]["code"]) for reason in reasons] == [("processing", "KeyError")]
    assert stack.objects("CuratedBucket") == {}


def test_a_claim_left_by_a_crashed_ingest_expires_before_lambdas_retry(stack: LocalStack) -> None:
    # Seed 1233687312: IngestFunction died right after claiming the key (INPROGRESS, expiring after
    # its remaining time, 30 s). Lambda retried a virtual minute later, but handlers read the host's
    # wall clock, on which no time had passed: every retry saw the claim in progress, and the file
    # never ran. Handlers now read the stack's clock, so the retry re-takes the expired claim.
    stack.faults.fail_function("IngestFunction", "Error", "the process died", after="dynamodb:PutItem")
    stack.put_object("RawBucket", KEY, BAD_ORDERS.replace(b"twelve", b"12.50"))
    stack.run_until_idle()

    attempts = [(i.attempt, i.error.error_type if i.error else "ok") for i in stack.invocations("IngestFunction")]
    assert attempts == [(1, "Error"), (2, "ok")]
    [run] = stack.executions("FilePipelineStateMachine")
    assert run.status == "SUCCEEDED" and run.output["status"] == "published"


def test_a_replay_of_an_older_version_never_replaces_the_newer_one(stack: LocalStack) -> None:
    # Seed 241388191: v1 and v2 of one key were written in the same second; a replay of v1 carries no
    # sequencer, LastModified could not order them, and the replay published v1 over v2. S3's own
    # list of the key's versions orders them now.
    good = BAD_ORDERS.replace(b"twelve", b"12.50")
    stack.put_object("RawBucket", KEY, good)
    stack.put_object("RawBucket", KEY, good + b"A-2,c-2,3.00,USD,2024-06-11T10:00:00Z,\n")
    stack.run_until_idle()
    [first_event] = [i.event for i in stack.invocations("IngestFunction")
                     if i.event["detail"]["object"]["sequencer"] == min(
                         j.event["detail"]["object"]["sequencer"] for j in stack.invocations("IngestFunction"))]
    stack.invoke_async("IngestFunction", {"replay": {"token": "fix-1", "reason": "test"}, "event": first_event})
    stack.run_until_idle()

    _, v2, replay = stack.executions("FilePipelineStateMachine")
    assert replay.input["sluice"]["replay"]["token"] == "fix-1"
    assert replay.status == "SUCCEEDED" and replay.output["status"] == "skipped"
    marker = json.loads(stack.get_object("CuratedBucket", "orders/dt=2024-06-16/_SUCCESS"))
    assert marker["source"]["version_id"] == v2.input["records"][0]["version_id"] and marker["rows"] == 2
