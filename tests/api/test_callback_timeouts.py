"""Callback timeouts under `sluice serve`: boto3 over HTTP against a server on the virtual clock.

The server lets the clock run until idle after each call; a task waiting for its token with a
one-day `TimeoutSeconds` must still be waiting when the client answers, as on AWS (the token is
valid for the task's whole timeout). Letting the deadline pass is explicit: `server.advance(seconds)`.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from sluice.api.server import StepFunctionsServer
from tests.api.support import ROLE, Calls, client, sluice_serve

DAY = 86_400
ONE_DAY_CALLBACK = {"StartAt": "Ask", "States": {"Ask": {
    "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
    "Parameters": {"FunctionName": "record", "Payload": {"token.$": "$$.Task.Token"}},
    "TimeoutSeconds": DAY, "HeartbeatSeconds": 3_600, "End": True}}}
# For the `sluice serve` command, which has no Lambda functions: the token goes to a child workflow
# (it runs on the same engine), whose input the client reads back — as a worker would receive it.
CHILD = {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}


def _parent(child_arn: str) -> dict[str, Any]:
    return {"StartAt": "Ask", "States": {"Ask": {
        "Type": "Task", "Resource": "arn:aws:states:::states:startExecution.waitForTaskToken",
        "Parameters": {"StateMachineArn": child_arn, "Input": {"token.$": "$$.Task.Token"}},
        "TimeoutSeconds": DAY, "End": True}}}


def _start_over_serve(sfn: Any) -> tuple[str, str]:
    """Start the parent through the server; return its execution ARN and the token the child got."""
    child = sfn.create_state_machine(name="worker", definition=json.dumps(CHILD), roleArn=ROLE)["stateMachineArn"]
    parent = sfn.create_state_machine(name="approval", definition=json.dumps(_parent(child)),
                                      roleArn=ROLE)["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=parent, input="{}")["executionArn"]
    (run,) = sfn.list_executions(stateMachineArn=child)["executions"]
    token = json.loads(sfn.describe_execution(executionArn=run["executionArn"])["input"])["token"]
    return execution, token


def test_sluice_serve_keeps_a_one_day_callback_waiting_until_send_task_success() -> None:
    with sluice_serve() as (url, _):
        sfn = client(url)
        execution, token = _start_over_serve(sfn)
        assert sfn.describe_execution(executionArn=execution)["status"] == "RUNNING"
        sfn.send_task_success(taskToken=token, output='{"approved": true}')
        described = sfn.describe_execution(executionArn=execution)
    assert (described["status"], described["output"]) == ("SUCCEEDED", '{"approved":true}')


def test_sluice_serve_fire_callback_timeouts_lets_the_day_pass() -> None:
    with sluice_serve("--fire-callback-timeouts") as (url, _):
        sfn = client(url)
        execution, token = _start_over_serve(sfn)
        described = sfn.describe_execution(executionArn=execution)
        assert (described["status"], described["error"]) == ("FAILED", "States.Timeout")
        assert (described["stopDate"] - described["startDate"]).total_seconds() == pytest.approx(DAY)
        with pytest.raises(sfn.exceptions.TaskTimedOut):
            sfn.send_task_success(taskToken=token, output="{}")


def _start(sfn: Any) -> str:
    arn = sfn.create_state_machine(name="approval", definition=json.dumps(ONE_DAY_CALLBACK),
                                   roleArn=ROLE)["stateMachineArn"]
    return str(sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"])


def test_a_one_day_callback_started_over_http_succeeds_when_answered(server: StepFunctionsServer,
                                                                     calls: Calls) -> None:
    sfn = client(server.url)
    execution = _start(sfn)
    assert sfn.describe_execution(executionArn=execution)["status"] == "RUNNING"
    sfn.send_task_heartbeat(taskToken=calls.events[0]["token"])
    sfn.send_task_success(taskToken=calls.events[0]["token"], output='{"approved": true}')
    described = sfn.describe_execution(executionArn=execution)
    assert (described["status"], described["output"]) == ("SUCCEEDED", '{"approved":true}')
    assert described["stopDate"] == described["startDate"]  # answered at once: no time went by


def test_letting_the_day_pass_times_the_task_out_and_a_late_answer_gets_task_timed_out(
    server: StepFunctionsServer, calls: Calls
) -> None:
    sfn = client(server.url)
    execution = _start(sfn)
    # Heartbeats within each HeartbeatSeconds keep it alive; its own TimeoutSeconds ends it regardless.
    for _ in range(28):
        server.advance(3_000)
        sfn.send_task_heartbeat(taskToken=calls.events[0]["token"])
    assert sfn.describe_execution(executionArn=execution)["status"] == "RUNNING"
    server.advance(DAY - 28 * 3_000)
    described = sfn.describe_execution(executionArn=execution)
    assert (described["status"], described["error"]) == ("FAILED", "States.Timeout")
    assert (described["stopDate"] - described["startDate"]).total_seconds() == pytest.approx(DAY)
    events = sfn.get_execution_history(executionArn=execution)["events"]
    timed_out = next(event for event in events if event["type"] == "TaskTimedOut")
    assert timed_out["taskTimedOutEventDetails"]["error"] == "States.Timeout"
    with pytest.raises(sfn.exceptions.TaskTimedOut):
        sfn.send_task_success(taskToken=calls.events[0]["token"], output="{}")
