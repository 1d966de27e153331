"""Retry back-off and Catch routing, as the ASL error-handling docs describe them."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from sluice.asl import Engine
from sluice.asl.retry import Retrier, error_matches
from tests.asl.helpers import lambda_arn


class Throttled(Exception):
    pass


def _flaky(failures: int) -> tuple[Any, list[int]]:
    calls: list[int] = []

    def handler(event: Any, context: Any) -> Any:
        calls.append(1)
        if len(calls) <= failures:
            raise Throttled("slow down")
        return {"ok": True, "attempts": len(calls)}

    return handler, calls


def _task(retry: list[dict[str, Any]] | None = None, catch: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    state: dict[str, Any] = {"Type": "Task", "Resource": lambda_arn("work"), "End": True}
    if retry:
        state["Retry"] = retry
    states: dict[str, Any] = {"Work": state}
    if catch:
        state["Catch"] = catch
        state["Catch"][0].setdefault("Next", "Recovered")
        states["Recovered"] = {"Type": "Pass", "End": True}
    return {"StartAt": "Work", "States": states}


def test_exponential_backoff_is_charged_to_the_virtual_clock() -> None:
    handler, calls = _flaky(3)
    with Engine(functions={"work": handler}) as engine:
        definition = _task(
            retry=[{"ErrorEquals": ["Throttled"], "IntervalSeconds": 2, "BackoffRate": 3, "MaxAttempts": 3}]
        )
        execution = engine.run(definition, {})
    assert len(calls) == 4
    assert execution.status == "SUCCEEDED"
    assert execution.output == {"ok": True, "attempts": 4}
    assert execution.duration_seconds == 2 + 6 + 18


def test_max_delay_seconds_caps_each_wait() -> None:
    handler, _ = _flaky(4)
    with Engine(functions={"work": handler}) as engine:
        definition = _task(
            retry=[
                {
                    "ErrorEquals": ["States.ALL"],
                    "IntervalSeconds": 10,
                    "BackoffRate": 10,
                    "MaxAttempts": 4,
                    "MaxDelaySeconds": 60,
                }
            ]
        )
        execution = engine.run(definition, {})
    assert execution.duration_seconds == 10 + 60 + 60 + 60


def test_an_hour_of_backoff_then_success() -> None:
    handler, calls = _flaky(5)
    with Engine(functions={"work": handler}) as engine:
        retry = [
            {
                "ErrorEquals": ["States.TaskFailed"],
                "IntervalSeconds": 116,
                "BackoffRate": 2.0,
                "MaxAttempts": 5,
            }
        ]
        execution = engine.run(_task(retry=retry), {})
    assert execution.status == "SUCCEEDED"
    assert execution.duration_seconds == 116 * (1 + 2 + 4 + 8 + 16)  # 3596 s
    assert len(calls) == 6


def test_max_attempts_zero_never_retries() -> None:
    handler, calls = _flaky(1)
    with Engine(functions={"work": handler}) as engine:
        execution = engine.run(_task(retry=[{"ErrorEquals": ["States.ALL"], "MaxAttempts": 0}]), {})
    assert execution.status == "FAILED"
    assert execution.error == "Throttled"
    assert len(calls) == 1


def test_full_jitter_waits_between_zero_and_the_backoff() -> None:
    rule = Retrier.from_definition({"ErrorEquals": ["States.ALL"], "IntervalSeconds": 8, "JitterStrategy": "FULL"})
    rng = random.Random(3)
    delays = [rule.delay(attempt=2, rng=rng) for _ in range(200)]
    assert all(0 <= delay <= 32 for delay in delays)
    assert min(delays) < 8 and max(delays) > 24  # spread over the whole range, not fixed


def test_catch_puts_the_error_at_result_path_and_routes_to_next() -> None:
    handler, _ = _flaky(99)
    with Engine(functions={"work": handler}) as engine:
        definition = _task(catch=[{"ErrorEquals": ["Throttled"], "ResultPath": "$.failure"}])
        execution = engine.run(definition, {"file": "a.csv"})
    assert execution.status == "SUCCEEDED"
    assert execution.output["file"] == "a.csv"
    assert execution.output["failure"]["Error"] == "Throttled"
    cause = json.loads(execution.output["failure"]["Cause"])
    assert cause["errorMessage"] == "slow down" and cause["errorType"] == "Throttled"
    assert "Recovered" in [event.get("stateEnteredEventDetails", {}).get("name") for event in execution.history]


def test_retriers_are_tried_before_catchers() -> None:
    handler, calls = _flaky(99)
    with Engine(functions={"work": handler}) as engine:
        definition = _task(
            retry=[{"ErrorEquals": ["Throttled"], "MaxAttempts": 2, "IntervalSeconds": 1}],
            catch=[{"ErrorEquals": ["States.ALL"]}],
        )
        execution = engine.run(definition, {})
    assert len(calls) == 3
    assert execution.output["Error"] == "Throttled"


@pytest.mark.parametrize(
    ("error_equals", "error", "matches"),
    [
        (["States.ALL"], "Anything", True),
        (["States.ALL"], "States.Runtime", False),  # "not retriable, not caught by States.ALL"
        (["States.ALL"], "States.DataLimitExceeded", False),
        (["States.DataLimitExceeded"], "States.DataLimitExceeded", True),
        (["States.TaskFailed"], "Lambda.Unknown", True),
        (["States.TaskFailed"], "States.Timeout", False),  # TaskFailed is a wildcard except Timeout
        (["States.Timeout"], "States.Timeout", True),
        (["Other"], "Throttled", False),
    ],
)
def test_error_equals_semantics(error_equals: list[str], error: str, matches: bool) -> None:
    assert error_matches(tuple(error_equals), error) is matches


def test_runtime_errors_fail_the_execution_even_with_catch_all(engine: Engine) -> None:
    definition = {
        "StartAt": "P",
        "States": {
            "P": {"Type": "Pass", "InputPath": "$.missing", "Next": "Done"},
            "Done": {"Type": "Succeed"},
        },
    }
    execution = engine.run(definition, {"present": 1})
    assert execution.status == "FAILED"
    assert execution.error == "States.Runtime"
    assert execution.cause is not None
    assert execution.cause.startswith("An error occurred while executing the state 'P' (entered at the event id #2).")
