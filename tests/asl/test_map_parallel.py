"""Map and Parallel: failure propagation, tolerated failures, batching, variable scopes."""

from __future__ import annotations

from typing import Any

from sluice.asl import Engine
from tests.asl.helpers import parallel

FAIL_ON_ODD = {
    "StartAt": "Check",
    "States": {
        "Check": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.odd", "BooleanEquals": True, "Next": "Boom"}],
            "Default": "Ok",
        },
        "Boom": {"Type": "Fail", "Error": "OddItem", "Cause": "odd"},
        "Ok": {"Type": "Pass", "End": True},
    },
}


def _map(processor: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "StartAt": "M",
        "States": {"M": {"Type": "Map", "ItemProcessor": processor, "End": True, **extra}},
    }


def _items(n: int) -> list[dict[str, Any]]:
    return [{"i": i, "odd": i % 2 == 1} for i in range(n)]


def test_inline_map_fails_with_the_iterations_error(engine: Engine) -> None:
    execution = engine.run(_map(FAIL_ON_ODD), _items(4))
    assert execution.status == "FAILED"
    assert execution.error == "OddItem"
    assert "MapIterationFailed" in execution.history.types()


def test_distributed_map_tolerates_failures_up_to_the_percentage(engine: Engine) -> None:
    processor = dict(FAIL_ON_ODD, ProcessorConfig={"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"})
    ok = engine.run(_map(processor, ToleratedFailurePercentage=50), _items(4))
    assert ok.status == "SUCCEEDED"
    assert ok.output[1] == {"Error": "OddItem", "Cause": "odd"}
    too_many = engine.run(_map(processor, ToleratedFailureCount=1), _items(4))
    assert too_many.status == "FAILED"
    assert too_many.error == "States.ExceedToleratedFailureThreshold"


def test_item_batcher_groups_items_with_batch_input(engine: Engine) -> None:
    processor = {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
        "StartAt": "Count",
        "States": {
            "Count": {
                "Type": "Pass",
                "Parameters": {"n.$": "States.ArrayLength($.Items)", "run.$": "$.BatchInput.run"},
                "End": True,
            }
        },
    }
    definition = _map(processor, ItemBatcher={"MaxItemsPerBatch": 4, "BatchInput": {"run": "r1"}})
    execution = engine.run(definition, list(range(10)))
    assert execution.output == [{"n": 4, "run": "r1"}, {"n": 4, "run": "r1"}, {"n": 2, "run": "r1"}]


def test_parallel_failure_stops_the_other_branches(engine: Engine) -> None:
    definition = parallel(
        {"StartAt": "Fail", "States": {"Fail": {"Type": "Fail", "Error": "Broken"}}},
        {
            "StartAt": "Long",
            "States": {
                "Long": {"Type": "Wait", "Seconds": 1000, "Next": "After"},
                "After": {"Type": "Pass", "End": True},
            },
        },
    )
    execution = engine.run(definition, {})
    assert execution.error == "Broken"
    assert execution.duration_seconds == 0
    names = [e.get("stateEnteredEventDetails", {}).get("name") for e in execution.history]
    assert "After" not in names


def test_variables_assigned_in_a_branch_stay_in_the_branch(engine: Engine) -> None:
    definition = {
        "StartAt": "Init",
        "States": {
            "Init": {"Type": "Pass", "Assign": {"outer": "o"}, "Next": "P"},
            "P": {
                "Type": "Parallel",
                "Next": "After",
                "Branches": [
                    {
                        "StartAt": "B",
                        "States": {
                            "B": {
                                "Type": "Pass",
                                "Assign": {"inner": "i"},
                                "Parameters": {"seen.$": "$outer"},
                                "End": True,
                            }
                        },
                    },
                ],
            },
            "After": {
                "Type": "Pass",
                "QueryLanguage": "JSONata",
                "Output": "{% {'outer': $outer, 'branch': $states.input, 'inner': $exists($inner)} %}",
                "End": True,
            },
        },
    }
    execution = engine.run(definition, {})
    assert execution.status == "SUCCEEDED", execution.cause
    assert execution.output == {"outer": "o", "branch": [{"seen": "o"}], "inner": False}


def test_jsonata_catch_output_sees_error_output(engine: Engine) -> None:
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "Branches": [{"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Bad", "Cause": "why"}}}],
                "Catch": [
                    {
                        "ErrorEquals": ["States.ALL"],
                        "Next": "Handled",
                        "Output": "{% {'err': $states.errorOutput.Error, 'in': $states.input.k} %}",
                        "Assign": {"caught": "{% $states.errorOutput.Cause %}"},
                    }
                ],
                "End": True,
            },
            "Handled": {
                "Type": "Pass",
                "Output": "{% $merge([$states.input, {'caught': $caught}]) %}",
                "End": True,
            },
        },
    }
    execution = engine.run(definition, {"k": "v"})
    assert execution.output == {"err": "Bad", "in": "v", "caught": "why"}
