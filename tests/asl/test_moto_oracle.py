"""Differential tests: sluice and moto's ASL interpreter must agree where moto follows AWS.

moto's interpreter is not our engine (it sleeps in real time and has no JSONata — see
docs/moto-differential.md), but on plain JSONPath data flow it is a second, independent reading of
the ASL spec. These definitions exercise that overlap with generated inputs.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sluice.conformance import Outcome, run_on_sluice
from sluice.oracle import run_on_moto

ROUTER = {
    "StartAt": "Route",
    "States": {
        "Route": {
            "Type": "Choice",
            "Choices": [
                {
                    "And": [
                        {"Variable": "$.size", "NumericGreaterThan": 100},
                        {"Variable": "$.kind", "StringMatches": "*.csv"},
                    ],
                    "Next": "Big",
                },
                {"Variable": "$.kind", "StringEquals": "manifest", "Next": "Manifest"},
                {"Not": {"Variable": "$.size", "NumericLessThanEquals": 0}, "Next": "Small"},
            ],
            "Default": "Empty",
        },
        "Big": {
            "Type": "Pass",
            "Parameters": {"route": "big", "parts.$": "States.ArrayPartition($.rows, 2)"},
            "End": True,
        },
        "Manifest": {"Type": "Pass", "Result": "manifest", "ResultPath": "$.route", "End": True},
        "Small": {
            "Type": "Pass",
            "Parameters": {"route": "small", "label.$": "States.Format('{}:{}', $.kind, $.size)"},
            "End": True,
        },
        "Empty": {"Type": "Pass", "InputPath": "$.rows", "End": True},
    },
}

FAN_OUT = {
    "StartAt": "Fan",
    "States": {
        "Fan": {
            "Type": "Map",
            "ItemsPath": "$.rows",
            "ItemSelector": {"value.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index", "kind.$": "$.kind"},
            "ItemProcessor": {
                "StartAt": "Twice",
                "States": {
                    "Twice": {
                        "Type": "Pass",
                        "Parameters": {"sum.$": "States.MathAdd($.value, $.value)", "index.$": "$.index"},
                        "End": True,
                    }
                },
            },
            "ResultSelector": {"results.$": "$", "count.$": "States.ArrayLength($)"},
            "ResultPath": "$.fan",
            "Next": "Both",
        },
        "Both": {
            "Type": "Parallel",
            "Branches": [
                {"StartAt": "Kind", "States": {"Kind": {"Type": "Pass", "InputPath": "$.kind", "End": True}}},
                {"StartAt": "Count", "States": {"Count": {"Type": "Pass", "InputPath": "$.fan.count", "End": True}}},
            ],
            "OutputPath": "$[1]",
            "End": True,
        },
    },
}

inputs = st.fixed_dictionaries(
    {
        "size": st.integers(min_value=-5, max_value=500),
        "kind": st.sampled_from(["a.csv", "b.json", "manifest", "x.csv"]),
        "rows": st.lists(st.integers(min_value=-1000, max_value=1000), max_size=5),
    }
)


def _both(definition: dict[str, Any], data: Any) -> tuple[Outcome, Outcome]:
    case = {"definition": definition, "input": data, "execution_name": "oracle"}
    return run_on_sluice(case), run_on_moto(case)


@pytest.mark.slow
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=inputs)
def test_choice_and_intrinsics_agree_with_moto(data: dict[str, Any]) -> None:
    ours, theirs = _both(ROUTER, data)
    assert (ours.status, ours.output) == (theirs.status, theirs.output)


@pytest.mark.slow
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=inputs)
def test_map_and_parallel_agree_with_moto(data: dict[str, Any]) -> None:
    ours, theirs = _both(FAN_OUT, data)
    assert (ours.status, ours.output, ours.error) == (theirs.status, theirs.output, theirs.error)
