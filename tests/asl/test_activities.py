"""Activity tasks on the engine: queued for a worker, taken with GetActivityTask, answered by token.

The expected histories are AWS's, as recorded by LocalStack's AWS-validated snapshots
(`tests/aws/services/stepfunctions/v2/activities/test_activities.snapshot.json`): ActivityScheduled
{resource, input[, timeoutInSeconds, heartbeatInSeconds]} → ActivityStarted {workerName} (or `{}`)
→ ActivitySucceeded {output} / ActivityFailed {error, cause} / ActivityTimedOut {error}; a missing
activity fails the execution with States.Runtime and no activity event at all. Waiting for a worker
is waiting for an outside party (ADR 0007): "run until idle" never fires the task's timeouts.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sluice.asl import Engine
from sluice.asl.callbacks import TaskTokenError
from sluice.asl.execution import Execution
from sluice.asl.tasks.activities import ActivityDoesNotExist, ActivityTask
from tests.asl.helpers import parallel

ARN = "arn:aws:states:us-east-1:123456789012:activity:review"
DAY = 86_400


def _machine(**task: Any) -> dict[str, Any]:
    return {"StartAt": "Review", "States": {"Review": {"Type": "Task", "Resource": ARN, "End": True, **task}}}


@pytest.fixture
def engine() -> Iterator[Engine]:
    with Engine(seed=11) as instance:
        instance.create_activity("review")
        yield instance


def _take(engine: Engine, worker: str | None = "reviewer-1") -> ActivityTask:
    task = engine.activities.take(ARN, worker)
    assert task is not None, "a task should be queued on the activity"
    return task


def _events(execution: Execution, event_type: str) -> list[dict[str, Any]]:
    return [event for event in execution.history if event["type"] == event_type]


def test_an_activity_task_waits_for_a_worker_and_records_aws_history(engine: Engine) -> None:
    execution = engine.run(_machine(), {"Value1": "Hello"})
    assert execution.status == "RUNNING"
    assert execution.history.types()[-1] == "ActivityScheduled"
    task = _take(engine)
    assert task.input == {"Value1": "Hello"}
    engine.task_tokens.succeed(task.token, {"approved": True})
    engine.run_until_idle()
    assert (execution.status, execution.output) == ("SUCCEEDED", {"approved": True})
    assert execution.history.types() == ["ExecutionStarted", "TaskStateEntered", "ActivityScheduled",
                                         "ActivityStarted", "ActivitySucceeded", "TaskStateExited",
                                         "ExecutionSucceeded"]
    (scheduled,) = _events(execution, "ActivityScheduled")
    assert scheduled["activityScheduledEventDetails"] == {
        "resource": ARN, "input": '{"Value1":"Hello"}', "inputDetails": {"truncated": False}}
    (started,) = _events(execution, "ActivityStarted")
    assert (started["activityStartedEventDetails"], started["previousEventId"]) == (
        {"workerName": "reviewer-1"}, scheduled["id"])
    (succeeded,) = _events(execution, "ActivitySucceeded")
    assert succeeded["activitySucceededEventDetails"]["output"] == '{"approved":true}'


def test_a_worker_without_a_name_starts_the_activity_with_empty_details(engine: Engine) -> None:
    execution = engine.run(_machine(TimeoutSeconds=60, HeartbeatSeconds=10), {})
    engine.task_tokens.succeed(_take(engine, worker=None).token, "done")
    engine.run_until_idle()
    (started,) = _events(execution, "ActivityStarted")
    assert started["activityStartedEventDetails"] == {}
    (scheduled,) = _events(execution, "ActivityScheduled")
    details = scheduled["activityScheduledEventDetails"]
    assert (details["timeoutInSeconds"], details["heartbeatInSeconds"]) == (60, 10)


def test_a_missing_activity_fails_the_execution_with_states_runtime_and_no_activity_event(engine: Engine) -> None:
    missing = ARN.replace("review", "nobody")
    # Not even a Catch on States.ALL handles States.Runtime (ASL: "not retriable", not caught by States.ALL).
    definition = {"StartAt": "Review", "States": {
        "Review": {"Type": "Task", "Resource": missing, "End": True,
                   "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}]},
        "Caught": {"Type": "Succeed"}}}
    execution = engine.run(definition, {})
    assert execution.history.types() == ["ExecutionStarted", "TaskStateEntered", "ExecutionFailed"]
    assert (execution.status, execution.error) == ("FAILED", "States.Runtime")
    assert execution.cause == ("An error occurred while executing the state 'Review' (entered at the event id #2). "
                               f"The activity {missing} does not exist.")


def test_a_deleted_activity_cannot_be_polled_any_more(engine: Engine) -> None:
    engine.activities.delete(ARN)
    engine.activities.delete(ARN)  # idempotent, as DeleteActivity
    with pytest.raises(ActivityDoesNotExist, match="Activity Does Not Exist"):
        engine.activities.take(ARN, "reviewer-1")
    assert engine.run(_machine(), {}).error == "States.Runtime"


def test_a_worker_failure_is_activity_failed_and_is_caught(engine: Engine) -> None:
    definition = {"StartAt": "Review", "States": {
        "Review": {"Type": "Task", "Resource": ARN, "Next": "Approved",
                   "Catch": [{"ErrorEquals": ["Rejected"], "ResultPath": "$.why", "Next": "Refused"}]},
        "Approved": {"Type": "Succeed"},
        "Refused": {"Type": "Pass", "End": True}}}
    execution = engine.run(definition, {"order": 7})
    engine.task_tokens.fail(_take(engine).token, "Rejected", "missing invoice")
    engine.run_until_idle()
    (failed,) = _events(execution, "ActivityFailed")
    assert failed["activityFailedEventDetails"] == {"error": "Rejected", "cause": "missing invoice"}
    assert (execution.status, execution.output) == (
        "SUCCEEDED", {"order": 7, "why": {"Error": "Rejected", "Cause": "missing invoice"}})


def test_nobody_polling_leaves_the_task_waiting_until_its_timeout_is_let_pass(engine: Engine) -> None:
    execution = engine.run(_machine(TimeoutSeconds=DAY), {})
    engine.run_until_idle()
    assert execution.status == "RUNNING"
    assert engine.clock.now() == execution.start_time  # the clock did not jump to the deadline
    engine.clock.advance(DAY)
    assert (execution.status, execution.error, execution.duration_seconds) == ("FAILED", "States.Timeout", DAY)
    assert execution.history.types()[2:4] == ["ActivityScheduled", "ActivityTimedOut"]
    (timed_out,) = _events(execution, "ActivityTimedOut")
    assert timed_out["activityTimedOutEventDetails"] == {"error": "States.Timeout"}
    assert engine.activities.take(ARN, "late-worker") is None  # the timed-out task left the queue


def test_timeout_seconds_count_from_the_scheduling_not_from_the_pick_up(engine: Engine) -> None:
    execution = engine.run(_machine(TimeoutSeconds=100), {})
    engine.clock.advance(60)
    task = _take(engine)
    engine.clock.advance(40)
    assert (execution.status, execution.error) == ("FAILED", "States.Timeout")
    with pytest.raises(TaskTokenError) as late:
        engine.task_tokens.succeed(task.token, "too late")
    assert late.value.code == "TaskTimedOut"


def test_heartbeat_seconds_run_from_the_pick_up_and_each_heartbeat(engine: Engine) -> None:
    execution = engine.run(_machine(TimeoutSeconds=DAY, HeartbeatSeconds=10), {})
    engine.clock.advance(50)  # queued for longer than HeartbeatSeconds: no worker yet, no heartbeat due
    assert execution.status == "RUNNING"
    token = _take(engine).token
    engine.clock.advance(8)
    engine.task_tokens.heartbeat(token)
    engine.clock.advance(8)  # 16 s after the pick-up, 8 s after the beat
    engine.run_until_idle()
    assert execution.status == "RUNNING"
    engine.clock.advance(2)
    assert (execution.status, execution.error) == ("FAILED", "States.HeartbeatTimeout")
    assert execution.duration_seconds == 50 + 8 + 10
    (timed_out,) = _events(execution, "ActivityTimedOut")
    assert timed_out["activityTimedOutEventDetails"] == {"error": "States.HeartbeatTimeout"}


def test_a_queued_task_token_is_unknown_until_a_worker_takes_it(engine: Engine) -> None:
    engine.run(_machine(), {})
    assert engine.task_tokens.pending() == []  # nothing anybody outside could answer yet
    (queued,) = engine.activities.queued(ARN)
    with pytest.raises(TaskTokenError) as unknown:
        engine.task_tokens.succeed(queued.token, "guessed")
    assert unknown.value.code == "TaskDoesNotExist"
    task = _take(engine)
    assert [waiting.token for waiting in engine.task_tokens.pending()] == [task.token]


def test_workers_get_tasks_oldest_first_and_none_when_the_queue_is_empty(engine: Engine) -> None:
    first = engine.run(_machine(), {"n": 1})
    second = engine.run(_machine(), {"n": 2})
    tasks = [_take(engine), _take(engine)]
    assert [task.input for task in tasks] == [{"n": 1}, {"n": 2}]
    assert engine.activities.take(ARN, "reviewer-1") is None
    for task in reversed(tasks):
        engine.task_tokens.succeed(task.token, task.input)
    engine.run_until_idle()
    assert (first.output, second.output) == ({"n": 1}, {"n": 2})


def test_a_retried_activity_is_queued_again_with_a_new_token(engine: Engine) -> None:
    execution = engine.run(_machine(Retry=[{"ErrorEquals": ["Busy"], "IntervalSeconds": 5}]), {})
    first = _take(engine)
    engine.task_tokens.fail(first.token, "Busy", None)
    engine.run_until_idle()
    second = _take(engine)
    assert second.token != first.token
    engine.task_tokens.succeed(second.token, "second time")
    engine.run_until_idle()
    assert (execution.status, execution.output) == ("SUCCEEDED", "second time")
    assert execution.history.types().count("ActivityScheduled") == 2


def test_engine_time_still_jumps_while_a_branch_waits_for_a_worker(engine: Engine) -> None:
    napping = {"StartAt": "Nap", "States": {"Nap": {"Type": "Wait", "Seconds": 3600, "End": True}}}
    execution = engine.run(parallel({"StartAt": "Review", "States": _machine(TimeoutSeconds=DAY)["States"]},
                                    napping), {})
    assert engine.clock.now() - execution.start_time == 3600
    engine.task_tokens.succeed(_take(engine).token, "reviewed")
    engine.run_until_idle()
    assert (execution.status, execution.output) == ("SUCCEEDED", ["reviewed", {}])


def test_creating_an_activity_twice_returns_the_first(engine: Engine) -> None:
    first = engine.activities.get(ARN)
    engine.clock.advance(10)
    assert engine.create_activity("review") == first
    assert [activity.arn for activity in engine.activities.all()] == [ARN]
