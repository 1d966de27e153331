"""Execution semantics: names, types, limits, history and counters."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import pytest

from sluice.asl import EXPRESS, Engine, ExecutionAlreadyExists
from sluice.asl.names import InvalidName
from tests.asl.helpers import parallel

WAIT = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 60, "End": True}}}


def test_same_name_and_input_while_running_returns_the_original(engine: Engine) -> None:
    # AWS StartExecution: "If ... the same name and input as a running execution, the call succeeds
    # and returns the same response as the original request."
    machine = engine.create_state_machine("m", WAIT)
    first = engine.start_execution(machine, {"a": 1}, name="run-1")
    assert engine.start_execution(machine, {"a": 1}, name="run-1") is first
    with pytest.raises(ExecutionAlreadyExists):
        engine.start_execution(machine, {"a": 2}, name="run-1")
    engine.run_until_idle()
    with pytest.raises(ExecutionAlreadyExists):  # closed executions keep their name
        engine.start_execution(machine, {"a": 1}, name="run-1")


def test_express_names_are_not_unique_and_there_is_no_rule(engine: Engine) -> None:
    machine = engine.create_state_machine(
        "fast", {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}, type=EXPRESS
    )
    first = engine.run(machine, {}, name="same")
    assert first.status == "SUCCEEDED"
    assert ":express:fast:same" in first.arn


def test_express_executions_stop_after_five_minutes(engine: Engine) -> None:
    machine = engine.create_state_machine(
        "slow",
        {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": True}}},
        type=EXPRESS,
    )
    execution = engine.run(machine, {})
    assert execution.status == "TIMED_OUT"
    assert execution.error == "States.Timeout"
    assert execution.duration_seconds == 300


def test_definition_timeout_seconds_times_out_standard(engine: Engine) -> None:
    definition = dict(WAIT, TimeoutSeconds=10)
    execution = engine.run(definition, {})
    assert execution.status == "TIMED_OUT"
    assert execution.history.types()[-1] == "ExecutionTimedOut"


def test_history_has_aws_event_types_ids_and_payloads(engine: Engine) -> None:
    definition = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Result": {"b": 2}, "Next": "C"},
            "C": {"Type": "Choice", "Choices": [{"Variable": "$.b", "NumericEquals": 2, "Next": "D"}]},
            "D": {"Type": "Succeed"},
        },
    }
    execution = engine.run(definition, {"a": 1})
    events = list(execution.history)
    assert [event["type"] for event in events] == [
        "ExecutionStarted",
        "PassStateEntered",
        "PassStateExited",
        "ChoiceStateEntered",
        "ChoiceStateExited",
        "SucceedStateEntered",
        "SucceedStateExited",
        "ExecutionSucceeded",
    ]
    assert [event["id"] for event in events] == list(range(1, 9))
    assert events[1]["stateEnteredEventDetails"] == {
        "name": "A",
        "input": '{"a":1}',
        "inputDetails": {"truncated": False},
    }
    assert events[-1]["executionSucceededEventDetails"]["output"] == '{"b":2}'
    assert execution.transitions == 3


def test_output_over_256_kib_is_data_limit_exceeded(engine: Engine) -> None:
    definition = {
        "StartAt": "Big",
        "States": {"Big": {"Type": "Pass", "Result": {"blob": "x" * 262_200}, "End": True}},
    }
    execution = engine.run(definition, {})
    assert execution.status == "FAILED"
    assert execution.error == "States.DataLimitExceeded"


def test_an_output_of_long_integers_over_256_kib_is_data_limit_exceeded(engine: Engine) -> None:
    # 70 copies of a 4,000-digit integer (a JSON number of any length is valid input) make 280 KB.
    copies = ", ".join(["$.n"] * 70)
    definition = {
        "StartAt": "Repeat",
        "States": {"Repeat": {"Type": "Pass", "Parameters": {"items.$": f"States.Array({copies})"}, "End": True}},
    }
    execution = engine.run(definition, {"n": int("9" * 4000)})
    assert execution.status == "FAILED"
    assert execution.error == "States.DataLimitExceeded"


def test_standard_history_is_capped_at_25000_events(engine: Engine) -> None:
    loop = {
        "StartAt": "Count",
        "States": {
            "Count": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.n, 1)"}, "Next": "Check"},
            "Check": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.n", "NumericLessThan": 20000, "Next": "Count"}],
                "Default": "Done",
            },
            "Done": {"Type": "Succeed"},
        },
    }
    execution = engine.run(loop, {"n": 0})
    assert execution.status == "FAILED"
    assert execution.error == "States.Runtime"
    assert len(execution.history) == 25_001  # the limit, plus the ExecutionFailed that closes it


def test_counters_for_a_cost_model(engine: Engine) -> None:
    definition: dict[str, Any] = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
                "End": True,
            }
        },
    }
    execution = engine.run(definition, [1, 2, 3])
    assert execution.transitions == 4  # the Map state and one Pass per item
    assert execution.describe()["status"] == "SUCCEEDED"


def test_an_internal_error_fails_the_execution_instead_of_hanging() -> None:
    def broken_resolver(request: Any) -> Any:
        raise KeyError("bug in a resolver")

    with Engine(resolver=broken_resolver) as engine:
        definition = {
            "StartAt": "T",
            "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:listBuckets", "End": True}},
        }
        execution = engine.run(definition, {})
    assert execution.status == "FAILED"
    assert execution.error == "States.Runtime"
    assert execution.cause is not None
    assert "sluice internal error: KeyError" in execution.cause


@pytest.mark.parametrize("name", ["bad name", "a/b", "x" * 81, "semi;colon", ""])
def test_illegal_execution_names_are_rejected(engine: Engine, name: str) -> None:
    machine = engine.create_state_machine("m", WAIT)
    with pytest.raises(InvalidName):
        engine.start_execution(machine, {}, name=name)


def test_a_waiting_task_in_one_branch_does_not_block_the_other() -> None:
    async def slow_job(request: Any) -> str:
        await asyncio.sleep(600)  # e.g. a .sync job or a callback that takes ten minutes
        return "job done"

    definition = parallel(
        {
            "StartAt": "Job",
            "States": {"Job": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:glue:getJob", "End": True}},
        },
        {
            "StartAt": "Quick",
            "States": {
                "Quick": {"Type": "Wait", "Seconds": 5, "Next": "Mark"},
                "Mark": {"Type": "Pass", "Parameters": {"at.$": "$$.State.EnteredTime"}, "End": True},
            },
        },
    )
    with Engine(resolver=slow_job) as engine:
        execution = engine.run(definition, {})
    assert execution.status == "SUCCEEDED"
    assert execution.output[0] == "job done"
    marked = datetime.fromisoformat(execution.output[1]["at"].replace("Z", "+00:00")).timestamp()
    assert round(marked - execution.start_time) == 5  # the quick branch ran on while the job waited
    assert execution.duration_seconds == 600
