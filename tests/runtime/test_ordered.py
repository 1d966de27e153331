"""ordered: SQS FIFO, strictly in order per group; a failure stops only its own group; ack per type.

moto does not implement StartSyncExecution, so `sync_runs` answers it (through a botocore `before-call`
hook on the runtime's own clients) and records the order in which executions were requested.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from sluice_runtime import wiring
from sluice_runtime.errors import InvalidEvent, TransientError
from sluice_runtime.registry import PACKAGED_PIPELINES

from .moto_stack import Calls, FakeContext, Invoke, Stack, read_sample

MULTI_GROUP = read_sample("ordered-multi-group")
IDS = {r["attributes"]["MessageDeduplicationId"]: r["messageId"] for r in MULTI_GROUP["Records"]}


class SyncRuns:
    """A stand-in for StartSyncExecution: succeeds unless the message's command is listed in `fail`."""

    def __init__(self) -> None:
        self.requested: list[str] = []  # "account-n:seq", in request order
        self.fail: set[str] = set()

    def __call__(self, request: dict[str, Any]) -> dict[str, Any]:
        (record,) = json.loads(request["input"])["records"]
        run = f"{record['body']['account']}:{record['body']['seq']}"
        self.requested.append(run)
        arn = request["stateMachineArn"].replace(":stateMachine:", ":express:") + f":{request['name']}:1"
        if run in self.fail:
            return {"executionArn": arn, "status": "FAILED", "error": "States.TaskFailed", "cause": "ledger locked"}
        return {"executionArn": arn, "status": "SUCCEEDED", "output": json.dumps({"applied": run})}


@pytest.fixture
def sync_runs(calls: Calls) -> SyncRuns:
    runs = SyncRuns()
    calls.respond("states.StartSyncExecution", runs)
    return runs


@pytest.fixture
def ordered_type(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Switch the `ordered-commands` pipeline to another execution type."""

    def use(execution: str) -> None:
        registry = json.loads(PACKAGED_PIPELINES.read_text(encoding="utf-8"))
        entry = registry["pipelines"][4]
        entry["execution"] = execution
        entry["state_machine"] = "${FILE_PIPELINE_ARN}" if execution == "standard" else "${STREAM_BATCH_ARN}"
        path = tmp_path / "pipelines.json"
        path.write_text(json.dumps(registry), encoding="utf-8")
        monkeypatch.setenv("SLUICE_PIPELINES", str(path))
        wiring.reset()

    return use


def failed(response: dict[str, Any]) -> list[str]:
    return [f["itemIdentifier"] for f in response["batchItemFailures"]]


def test_express_sync_acks_each_message_when_its_run_succeeds(aws: Stack, invoke: Invoke, sync_runs: SyncRuns) -> None:
    assert failed(invoke("ordered", MULTI_GROUP)) == []
    assert sync_runs.requested == ["account-1:1", "account-2:1", "account-1:2", "account-2:2", "account-1:3"]


def test_a_failed_run_stops_only_its_group_and_is_redelivered(aws: Stack, invoke: Invoke, sync_runs: SyncRuns) -> None:
    sync_runs.fail = {"account-1:2"}
    response = invoke("ordered", MULTI_GROUP)
    assert failed(response) == [IDS["cmd-a1-2"], IDS["cmd-a1-3"]]  # not acked: finished FAILED / behind it
    assert sync_runs.requested == ["account-1:1", "account-2:1", "account-1:2", "account-2:2"]

    sync_runs.fail.clear()
    redelivered = {"Records": [r for r in MULTI_GROUP["Records"] if r["messageId"] in failed(response)]}
    assert failed(invoke("ordered", redelivered)) == []
    assert sync_runs.requested[-2:] == ["account-1:2", "account-1:3"]  # same order, claims were released


@pytest.mark.parametrize("execution", ["standard", "express_async"])
def test_standard_and_async_ack_when_the_execution_starts(
    aws: Stack, invoke: Invoke, ordered_type: Callable[[str], None], execution: str
) -> None:
    ordered_type(execution)
    assert failed(invoke("ordered", MULTI_GROUP)) == []
    arn = aws.file_pipeline_arn if execution == "standard" else aws.stream_batch_arn
    executions = aws.executions(arn)
    assert len(executions) == 5
    assert {e["status"] for e in executions} == {"RUNNING"}  # acknowledged although still running


def test_a_transient_failure_skips_the_rest_of_that_group_only(
    aws: Stack, invoke: Invoke, ordered_type: Callable[[str], None], calls: Calls
) -> None:
    ordered_type("standard")
    calls.fail("states.StartExecution", "ThrottlingException")  # the first message: account-1 #1
    assert failed(invoke("ordered", MULTI_GROUP)) == [IDS["cmd-a1-1"], IDS["cmd-a1-2"], IDS["cmd-a1-3"]]
    bodies = [e["input"]["records"][0]["body"] for e in aws.executions()]
    assert sorted((b["account"], b["seq"]) for b in bodies) == [("account-2", 1), ("account-2", 2)]


def test_redelivered_messages_are_duplicates(aws: Stack, invoke: Invoke, ordered_type: Callable[[str], None]) -> None:
    ordered_type("standard")
    invoke("ordered", MULTI_GROUP)
    assert failed(invoke("ordered", MULTI_GROUP)) == []
    assert len(aws.executions()) == 5


def test_poison_message_is_dead_lettered_and_its_group_continues(
    aws: Stack, invoke: Invoke, sync_runs: SyncRuns
) -> None:
    event = read_sample("ordered-poison-message")
    assert failed(invoke("ordered", event)) == []
    (dead,) = aws.dead_lettered()
    assert dead["Body"] == "open account-3 please"  # the body, untouched
    assert dead["Attributes"]["MessageGroupId"] == "account-3"
    assert dead["MessageAttributes"]["sluice-reason"]["StringValue"] == "invalid_json"
    assert sync_runs.requested == ["account-3:2"]


@pytest.mark.parametrize("event", [None, {"Records": "x"}, {"Records": [{"body": "no messageId"}]}, {"Records": [7]}])
def test_an_event_that_is_not_an_sqs_batch_is_answered_with_invalid_event(invoke: Invoke, event: Any) -> None:
    # Found by mutating the sample events: Powertools answered these with a ValueError about its own
    # event types. A record without a messageId could not be reported in batchItemFailures either.
    with pytest.raises(InvalidEvent, match="malformed SQS FIFO batch event: "):
        invoke("ordered", event)


def test_an_empty_batch_has_nothing_to_report(invoke: Invoke, sync_runs: SyncRuns) -> None:
    assert invoke("ordered", {"Records": []}) == {"batchItemFailures": []}
    assert sync_runs.requested == []


def test_a_throttled_dead_letter_queue_holds_the_group_back_for_redelivery(
    aws: Stack, invoke: Invoke, sync_runs: SyncRuns, calls: Calls
) -> None:
    # Found by `sluice chaos`: SQS RequestThrottled on the dead-letter SendMessage escaped unclassified.
    event = read_sample("ordered-poison-message")
    calls.fail("sqs.SendMessage", "RequestThrottled")
    with pytest.raises(BatchProcessingError) as every_message_failed:  # its group holds the whole batch
        invoke("ordered", event)
    assert type(every_message_failed.value.child_exceptions[0][1]) is TransientError  # the rest: its group held
    assert (aws.dead_lettered(), sync_runs.requested) == ([], [])  # nothing after it ran out of order

    assert failed(invoke("ordered", event)) == []
    (dead,) = aws.dead_lettered()
    assert dead["Body"] == "open account-3 please"
    assert sync_runs.requested == ["account-3:2"]


def test_too_little_time_for_a_sync_run_defers_the_batch(aws: Stack, invoke: Invoke, sync_runs: SyncRuns) -> None:
    with pytest.raises(BatchProcessingError):  # every message failed: the whole batch is redelivered
        invoke("ordered", MULTI_GROUP, FakeContext(remaining_ms=20_000))  # < 20 s sync timeout + 5 s
    assert sync_runs.requested == []
    assert aws.ledger_items() == []
