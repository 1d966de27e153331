"""Choice rules the conformance corpus covers thinly: StringMatches, IsTimestamp, no match."""

from __future__ import annotations

from typing import Any

import pytest

from sluice.asl import Engine


def _choose(rule: dict[str, Any]) -> dict[str, Any]:
    return {
        "StartAt": "C",
        "States": {
            "C": {"Type": "Choice", "Choices": [dict(rule, Next="Yes")], "Default": "No"},
            "Yes": {"Type": "Pass", "Result": "yes", "End": True},
            "No": {"Type": "Pass", "Result": "no", "End": True},
        },
    }


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("*.csv", "orders.csv", "yes"),
        ("*.csv", "orders.csv.gz", "no"),
        ("incoming/*/orders*", "incoming/2024/orders-1.csv", "yes"),
        (r"literal\*star", "literal*star", "yes"),  # `\*` is a literal star (ASL spec)
        (r"literal\*star", "literalXstar", "no"),
    ],
)
def test_string_matches_wildcards(engine: Engine, pattern: str, value: str, expected: str) -> None:
    execution = engine.run(_choose({"Variable": "$.key", "StringMatches": pattern}), {"key": value})
    assert execution.output == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2024-06-11T09:00:00Z", "yes"), ("2024-06-11T09:00:00+02:00", "yes"), ("2024-06-11", "no"), (12, "no")],
)
def test_is_timestamp(engine: Engine, value: Any, expected: str) -> None:
    execution = engine.run(_choose({"Variable": "$.at", "IsTimestamp": True}), {"at": value})
    assert execution.output == expected


def test_timestamp_comparison_across_offsets(engine: Engine) -> None:
    rule = {"Variable": "$.at", "TimestampLessThan": "2024-06-11T10:00:00Z"}
    assert engine.run(_choose(rule), {"at": "2024-06-11T11:30:00+02:00"}).output == "yes"  # 09:30Z


def test_no_match_without_default_is_states_no_choice_matched(engine: Engine) -> None:
    definition = {
        "StartAt": "C",
        "States": {
            "C": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericEquals": 1, "Next": "One"}]},
            "One": {"Type": "Succeed"},
        },
    }
    execution = engine.run(definition, {"n": 2})
    assert execution.status == "FAILED"
    assert execution.error == "States.NoChoiceMatched"
