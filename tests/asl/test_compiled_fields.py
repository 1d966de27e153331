"""Fields compiled with their state (payload templates, Choice rules, ResultPath) behave as if they
were read on every evaluation: compiling never fails where running did not, and outputs are fresh."""

from __future__ import annotations

from typing import Any

import pytest

from sluice.asl import Engine

MALFORMED = "$.a["  # not a JSONPath: only an unvalidated definition can hold it

UNREACHED_STATES: dict[str, dict[str, Any]] = {
    "Parameters": {"Type": "Pass", "Parameters": {"x.$": MALFORMED}, "End": True},
    "intrinsic": {"Type": "Pass", "Parameters": {"x.$": "States.MathAdd($.a[, 1)"}, "End": True},
    "ResultSelector": {"Type": "Parallel", "Branches": [{"StartAt": "B", "States": {"B": {"Type": "Succeed"}}}],
                       "ResultSelector": {"x.$": MALFORMED}, "End": True},
    "ResultPath": {"Type": "Pass", "ResultPath": MALFORMED, "End": True},
    "Choice Variable": {"Type": "Choice", "Choices": [{"Variable": MALFORMED, "IsNull": True, "Next": "Ok"}],
                        "Default": "Ok"},
    "Choice *Path": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericEqualsPath": MALFORMED, "Next": "Ok"}],
                     "Default": "Ok"},
}


@pytest.mark.parametrize("field", UNREACHED_STATES)
def test_a_malformed_path_in_a_state_never_entered_does_not_stop_an_unvalidated_run(field: str) -> None:
    definition = {"StartAt": "Ok", "States": {"Ok": {"Type": "Succeed"}, "Never": UNREACHED_STATES[field]}}
    with Engine(validate=False) as engine:
        execution = engine.run(engine.create_state_machine("unvalidated", definition), {"n": 1})
    assert (execution.status, execution.output) == ("SUCCEEDED", {"n": 1})


def test_each_output_of_a_payload_template_is_a_fresh_object(engine: Engine) -> None:
    literal = {"fixed": {"tags": ["a"]}, "n.$": "$.n"}
    machine = engine.create_state_machine(
        "fresh", {"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": literal, "End": True}}}
    )
    first = engine.run(machine, {"n": 1}).output
    first["fixed"]["tags"].append("changed by the caller")
    assert engine.run(machine, {"n": 2}).output == {"fixed": {"tags": ["a"]}, "n": 2}
    assert literal == {"fixed": {"tags": ["a"]}, "n.$": "$.n"}
