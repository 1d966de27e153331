"""Callbacks on the virtual clock: time only jumps over what no outside party can affect.

On AWS a `.waitForTaskToken` task's token stays valid for its whole `TimeoutSeconds` (and for
`HeartbeatSeconds` after each `SendTaskHeartbeat`): "The Timeout of a task [...] is its maximum
allowed duration, regardless of the number of SendTaskHeartbeat requests received" (SendTaskHeartbeat,
AWS Step Functions API reference). So "run until idle" returns with such a task still waiting, and
only `clock.advance()` / `advance_to()` or `fire_callback_timeouts=True` let its deadline pass —
then the task fails with `States.Timeout` (`States.HeartbeatTimeout`), the history shows
`TaskTimedOut`, and a late `SendTaskSuccess` gets `TaskTimedOut`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sluice.asl import Engine
from sluice.asl.callbacks import TaskTokenError
from sluice.asl.execution import Execution
from tests.asl.helpers import lambda_arn, parallel

DAY = 86_400
HOUR = 3_600


def _ask(**extra: Any) -> dict[str, Any]:
    """A Task state handing its token to the `worker` function, then waiting for the answer."""
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
        "Parameters": {"FunctionName": "worker", "Payload": {"token.$": "$$.Task.Token"}},
        "End": True,
        **extra,
    }


def _callback(**extra: Any) -> dict[str, Any]:
    return {"StartAt": "Ask", "States": {"Ask": _ask(**extra)}}


def _hour_of_engine_time() -> dict[str, Any]:
    """A branch whose time only the engine controls: a Wait, then a retried Lambda's back-off."""
    return {
        "StartAt": "Nap",
        "States": {
            "Nap": {"Type": "Wait", "Seconds": HOUR - 600, "Next": "Flaky"},
            "Flaky": {
                "Type": "Task",
                "Resource": lambda_arn("flaky"),
                "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 600, "MaxAttempts": 1}],
                "End": True,
            },
        },
    }


@pytest.fixture
def engine() -> Iterator[Engine]:
    attempts: list[int] = []

    def flaky(event: Any, context: Any) -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("first attempt fails")
        return "done"

    with Engine(functions={"worker": lambda event, context: None, "flaky": flaky}, seed=5) as instance:
        yield instance


def _token(engine: Engine) -> str:
    (waiting,) = engine.task_tokens.pending()
    return waiting.token


def _elapsed(engine: Engine, execution: Execution) -> float:
    return engine.clock.now() - execution.start_time


def test_run_until_idle_leaves_a_day_long_callback_waiting_for_its_answer(engine: Engine) -> None:
    execution = engine.run(_callback(TimeoutSeconds=DAY), {})
    assert execution.status == "RUNNING"
    assert _elapsed(engine, execution) == 0  # the clock did not jump to the deadline
    engine.task_tokens.succeed(_token(engine), {"answer": 42})
    engine.run_until_idle()
    assert (execution.status, execution.output) == ("SUCCEEDED", {"answer": 42})


def test_a_heartbeat_deadline_is_not_fired_by_run_until_idle(engine: Engine) -> None:
    execution = engine.run(_callback(TimeoutSeconds=DAY, HeartbeatSeconds=60), {})
    assert execution.status == "RUNNING"
    engine.task_tokens.heartbeat(_token(engine))
    engine.task_tokens.succeed(_token(engine), "ok")
    engine.run_until_idle()
    assert execution.status == "SUCCEEDED"


def test_an_execution_timeout_is_not_fired_while_a_callback_waits() -> None:
    # The execution's own TimeoutSeconds would end the wait just as the task's would.
    with Engine(functions={"worker": lambda event, context: None}) as engine:
        execution = engine.run(_callback() | {"TimeoutSeconds": HOUR}, {})
        assert execution.status == "RUNNING"
        engine.clock.advance(HOUR)
        assert (execution.status, execution.error) == ("TIMED_OUT", "States.Timeout")
        assert execution.duration_seconds == HOUR


def test_engine_time_still_jumps_while_a_callback_waits(engine: Engine) -> None:
    execution = engine.run(parallel(_callback(TimeoutSeconds=DAY), _hour_of_engine_time()), {})
    # The Wait and the retry back-off ran (an hour of virtual time); the callback still waits.
    assert _elapsed(engine, execution) == HOUR
    assert execution.history.types().count("LambdaFunctionSucceeded") == 1
    assert execution.status == "RUNNING"
    engine.task_tokens.succeed(_token(engine), "answered")
    engine.run_until_idle()
    assert (execution.status, execution.output) == ("SUCCEEDED", ["answered", "done"])


def test_run_until_idle_stops_before_engine_time_that_passes_a_callback_deadline(engine: Engine) -> None:
    # The Wait ends after the callback's deadline: jumping to it would decide that nobody answered.
    execution = engine.run(parallel(_callback(TimeoutSeconds=600), _hour_of_engine_time()), {})
    assert execution.status == "RUNNING"
    assert _elapsed(engine, execution) == 0
    engine.task_tokens.succeed(_token(engine), "in time")
    engine.run_until_idle()
    assert (execution.status, execution.output) == ("SUCCEEDED", ["in time", "done"])
    assert _elapsed(engine, execution) == HOUR


def test_advance_past_the_timeout_fails_the_task_and_a_late_answer_gets_task_timed_out(engine: Engine) -> None:
    execution = engine.run(_callback(TimeoutSeconds=DAY), {})
    token = _token(engine)
    engine.clock.advance(DAY - 1)
    assert execution.status == "RUNNING"
    engine.clock.advance(1)
    assert (execution.status, execution.error) == ("FAILED", "States.Timeout")
    assert execution.duration_seconds == DAY
    timed_out = next(event for event in execution.history if event["type"] == "TaskTimedOut")
    assert timed_out["taskTimedOutEventDetails"]["error"] == "States.Timeout"
    with pytest.raises(TaskTokenError) as late:
        engine.task_tokens.succeed(token, "too late")
    assert late.value.code == "TaskTimedOut"  # SendTaskSuccess's error code on AWS


def test_advance_fires_each_timer_at_its_own_time(engine: Engine) -> None:
    execution = engine.run(parallel(_callback(TimeoutSeconds=600), _hour_of_engine_time()), {})
    engine.clock.advance(2 * HOUR)
    assert (execution.status, execution.error) == ("FAILED", "States.Timeout")
    assert execution.duration_seconds == 600  # the deadline, not the end of the advance
    assert _elapsed(engine, execution) == 2 * HOUR


def test_heartbeats_keep_a_callback_alive_until_one_is_missed(engine: Engine) -> None:
    execution = engine.run(_callback(HeartbeatSeconds=60), {})
    engine.clock.advance(50)
    engine.task_tokens.heartbeat(_token(engine))
    engine.clock.advance(50)  # 100 s after the start, 50 s after the heartbeat
    assert execution.status == "RUNNING"
    engine.clock.advance(10)
    assert (execution.status, execution.error) == ("FAILED", "States.HeartbeatTimeout")
    assert execution.duration_seconds == 110
    assert "TaskTimedOut" in execution.history.types()


def test_advance_to_a_moment(engine: Engine) -> None:
    execution = engine.run(_callback(TimeoutSeconds=DAY), {})
    engine.clock.advance_to(engine.clock.now_datetime() + timedelta(days=1))
    assert (execution.status, execution.error) == ("FAILED", "States.Timeout")
    with pytest.raises(ValueError, match="is before the clock's current time"):
        engine.clock.advance_to(datetime(2000, 1, 1, tzinfo=UTC))


def test_fire_callback_timeouts_lets_run_until_idle_assume_nobody_answers(engine: Engine) -> None:
    execution = engine.run(_callback(TimeoutSeconds=DAY), {}, fire_callback_timeouts=True)
    assert (execution.status, execution.error) == ("FAILED", "States.Timeout")
    assert execution.duration_seconds == DAY
    second = engine.run(_callback(HeartbeatSeconds=45), {})
    engine.run_until_idle(fire_callback_timeouts=True)
    assert (second.status, second.error) == ("FAILED", "States.HeartbeatTimeout")


def test_a_callback_without_any_timeout_waits_forever(engine: Engine) -> None:
    execution = engine.run(_callback(), {}, fire_callback_timeouts=True)
    assert execution.status == "RUNNING"  # nothing would ever end the wait: the world is idle
    engine.task_tokens.fail(_token(engine), "Rejected", "by the worker")
    engine.run_until_idle()
    assert (execution.status, execution.error) == ("FAILED", "Rejected")


def test_a_synchronous_nested_run_is_not_held_by_a_waiting_callback() -> None:
    # A handler calling StartSyncExecution blocks until the Express run ends: nobody can answer the
    # token meanwhile, so the nested run's minute passes, and with it the callback's 30 s.
    express_wait = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 60, "End": True}}}

    def sync_caller(event: Any, context: Any) -> str:
        return world.start_execution("express", {}, blocking=True).status

    with Engine(functions={"worker": lambda event, context: None, "sync_caller": sync_caller}) as world:
        world.create_state_machine("express", express_wait, type="EXPRESS")
        waiting = world.run(_callback(TimeoutSeconds=30), {})
        caller = world.run({"StartAt": "Call", "States": {"Call": {
            "Type": "Task", "Resource": lambda_arn("sync_caller"), "End": True}}}, {})
        assert (caller.status, caller.output) == ("SUCCEEDED", "SUCCEEDED")
        assert caller.duration_seconds == 60
        world.run_until_idle()
        assert (waiting.status, waiting.error) == ("FAILED", "States.Timeout")
