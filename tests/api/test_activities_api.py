"""Activities over the Step Functions API: CreateActivity … GetActivityTask, SendTask* by a worker.

Served to boto3 over HTTP by `sluice serve` (a `StepFunctionsServer` on the virtual clock, and the
real command), with AWS's shapes and error codes (Step Functions API reference: CreateActivity,
DescribeActivity, ListActivities, DeleteActivity, GetActivityTask). GetActivityTask answers at once
on the virtual clock, without a `taskToken` when nothing is queued (AWS answers so after a 60 s long
poll); on a real-time clock it waits for a task as AWS does.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest

from sluice.api import StepFunctionsService
from sluice.api.server import StepFunctionsServer
from sluice.asl import Engine
from tests.api.support import ROLE, client, sluice_serve


def _review_machine(sfn: Any, activity_arn: str, **task: Any) -> str:
    definition = {"StartAt": "Review", "States": {
        "Review": {"Type": "Task", "Resource": activity_arn, "Next": "Done",
                   "Catch": [{"ErrorEquals": ["Rejected"], "ResultPath": "$.rejection", "Next": "Done"}], **task},
        "Done": {"Type": "Pass", "End": True}}}
    return str(sfn.create_state_machine(name="review", definition=json.dumps(definition),
                                        roleArn=ROLE)["stateMachineArn"])


def test_activity_crud_with_aws_shapes_and_errors(server: StepFunctionsServer) -> None:
    sfn = client(server.url)
    created = sfn.create_activity(name="review")
    arn = created["activityArn"]
    assert arn == "arn:aws:states:us-east-1:123456789012:activity:review"
    assert sfn.create_activity(name="review")["creationDate"] == created["creationDate"]  # idempotent
    described = sfn.describe_activity(activityArn=arn)
    assert (described["name"], described["creationDate"]) == ("review", created["creationDate"])
    sfn.create_activity(name="audit")
    first = sfn.list_activities(maxResults=1)
    rest = sfn.list_activities(nextToken=first["nextToken"])
    assert [a["name"] for a in first["activities"] + rest["activities"]] == ["review", "audit"]
    with pytest.raises(sfn.exceptions.InvalidName):
        sfn.create_activity(name="bad name")
    with pytest.raises(sfn.exceptions.InvalidArn):
        sfn.describe_activity(activityArn="arn:aws:states:us-east-1:123456789012:stateMachine:review")
    sfn.delete_activity(activityArn=arn)
    sfn.delete_activity(activityArn=arn)  # idempotent, as on AWS
    with pytest.raises(sfn.exceptions.ActivityDoesNotExist):
        sfn.describe_activity(activityArn=arn)
    with pytest.raises(sfn.exceptions.ActivityDoesNotExist):
        sfn.get_activity_task(activityArn=arn)


def test_a_worker_over_http_takes_the_task_and_answers_it(server: StepFunctionsServer) -> None:
    sfn = client(server.url)
    activity = sfn.create_activity(name="review")["activityArn"]
    assert "taskToken" not in sfn.get_activity_task(activityArn=activity, workerName="w1")  # nothing queued
    machine = _review_machine(sfn, activity, HeartbeatSeconds=60)
    approved = sfn.start_execution(stateMachineArn=machine, input='{"order": 1}')["executionArn"]
    rejected = sfn.start_execution(stateMachineArn=machine, input='{"order": 2}')["executionArn"]
    first = sfn.get_activity_task(activityArn=activity, workerName="w1")
    second = sfn.get_activity_task(activityArn=activity)
    assert [json.loads(task["input"]) for task in (first, second)] == [{"order": 1}, {"order": 2}]
    sfn.send_task_heartbeat(taskToken=first["taskToken"])
    sfn.send_task_success(taskToken=first["taskToken"], output='{"approved": true}')
    sfn.send_task_failure(taskToken=second["taskToken"], error="Rejected", cause="no invoice")
    assert json.loads(sfn.describe_execution(executionArn=approved)["output"]) == {"approved": True}
    assert json.loads(sfn.describe_execution(executionArn=rejected)["output"]) == {
        "order": 2, "rejection": {"Error": "Rejected", "Cause": "no invoice"}}
    events = sfn.get_execution_history(executionArn=approved)["events"]
    started = next(event for event in events if event["type"] == "ActivityStarted")
    assert started["activityStartedEventDetails"] == {"workerName": "w1"}
    with pytest.raises(sfn.exceptions.TaskTimedOut):
        sfn.send_task_success(taskToken=first["taskToken"], output="{}")


def test_an_activity_heartbeat_timeout_over_http_happens_only_when_time_is_let_pass(
        server: StepFunctionsServer) -> None:
    sfn = client(server.url)
    activity = sfn.create_activity(name="review")["activityArn"]
    execution = sfn.start_execution(stateMachineArn=_review_machine(sfn, activity, HeartbeatSeconds=30),
                                    input="{}")["executionArn"]
    token = sfn.get_activity_task(activityArn=activity, workerName="slow")["taskToken"]
    assert sfn.describe_execution(executionArn=execution)["status"] == "RUNNING"  # each call ran until idle
    server.advance(30)
    described = sfn.describe_execution(executionArn=execution)
    assert (described["status"], described["error"]) == ("FAILED", "States.HeartbeatTimeout")
    with pytest.raises(sfn.exceptions.TaskTimedOut):
        sfn.send_task_heartbeat(taskToken=token)


def test_sluice_serve_command_serves_activity_workers() -> None:
    with sluice_serve() as (url, _):
        sfn = client(url)
        activity = sfn.create_activity(name="review")["activityArn"]
        execution = sfn.start_execution(stateMachineArn=_review_machine(sfn, activity), input='{"n": 1}')
        task = sfn.get_activity_task(activityArn=activity, workerName="cli-worker")
        sfn.send_task_success(taskToken=task["taskToken"], output=task["input"])
        described = sfn.describe_execution(executionArn=execution["executionArn"])
    assert (described["status"], json.loads(described["output"])) == ("SUCCEEDED", {"n": 1})


def test_a_real_time_server_holds_get_activity_task_until_a_task_is_queued() -> None:
    with Engine(real_time=True) as engine:
        server = StepFunctionsServer(StepFunctionsService(engine), port=0)
        server.start()
        try:
            sfn = client(server.url)
            activity = sfn.create_activity(name="review")["activityArn"]
            machine = _review_machine(sfn, activity)
            polled: list[dict[str, Any]] = []
            worker = threading.Thread(target=lambda: polled.append(
                client(server.url).get_activity_task(activityArn=activity, workerName="rt")))
            worker.start()
            time.sleep(0.3)  # the worker's poll is waiting: nothing is queued yet
            assert polled == []
            sfn.start_execution(stateMachineArn=machine, input='{"late": true}')
            worker.join(timeout=10)
        finally:
            server.stop()
    assert json.loads(polled[0]["input"]) == {"late": True}
