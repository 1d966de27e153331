"""Each lint rule on fresh definitions: it fires on the bad one and stays quiet on the good one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sluice.graph.source import compile_workflow
from sluice.lint import lint_workflow
from tests.graph.support import GOOD_RETRY, machine, task


def findings(definition: dict[str, Any], workflow_type: str = "STANDARD") -> dict[str, str]:
    """rule -> severity of each finding (the worst one per rule)."""
    found: dict[str, str] = {}
    for finding in lint_workflow(compile_workflow("Fresh", "fresh.asl.json", workflow_type, definition)):
        if found.get(finding.rule) != "error":
            found[finding.rule] = finding.severity
    return found


def retry(**fields: Any) -> list[dict[str, Any]]:
    return [{**GOOD_RETRY, **fields}]


SYNC = "arn:aws:states:::states:startExecution.sync:2"
CALLBACK = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"
LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"

CASES: list[tuple[str, str, dict[str, Any], str]] = [
    ("task-no-error-handling", "warning", machine({"T": task(Retry=None, Catch=None)}), "STANDARD"),
    ("retry-unbounded", "error", machine({"T": task(Retry=retry(MaxAttempts=500))}), "STANDARD"),
    ("retry-unbounded", "warning", machine({"T": task(Retry=retry(MaxAttempts=20))}), "STANDARD"),
    ("retry-constant-backoff", "warning", machine({"T": task(Retry=retry(BackoffRate=1.0))}), "STANDARD"),
    ("retry-no-max-delay", "warning",
     machine({"T": task(Retry=[{"ErrorEquals": ["X"], "IntervalSeconds": 5, "MaxAttempts": 6, "BackoffRate": 2.0,
                                "JitterStrategy": "FULL"}])}), "STANDARD"),
    ("retry-no-jitter", "warning",
     machine({"T": task(Retry=[{k: v for k, v in GOOD_RETRY.items() if k != "JitterStrategy"}])}), "STANDARD"),
    ("retry-all-errors", "warning", machine({"T": task(Retry=retry(ErrorEquals=["States.ALL"]))}), "STANDARD"),
    ("map-unbounded-concurrency", "warning",
     machine({"M": {"Type": "Map", "ItemsPath": "$.items", "End": True,
                    "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": True}}}}}), "STANDARD"),
    ("backfill-unbounded", "error",
     machine({"M": {"Type": "Map", "End": True, "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject",
                                                                 "Parameters": {"Bucket": "b", "Prefix": "p"}},
                    "ItemReader": {"Resource": "arn:aws:states:::s3:listObjectsV2",
                                   "Parameters": {"Bucket": "raw", "Prefix": "in/"}},
                    "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                                      "StartAt": "I", "States": {"I": {"Type": "Pass", "End": True}}}}}), "STANDARD"),
    ("task-no-timeout", "warning",
     machine({"T": task(Resource=SYNC, TimeoutSeconds=None, Parameters={"StateMachineArn": "arn:x"})}), "STANDARD"),
    ("callback-no-heartbeat", "warning",
     machine({"T": task(Resource=CALLBACK, Parameters={"QueueUrl": "q", "MessageBody": {"t.$": "$$.Task.Token"}})}),
     "STANDARD"),
    ("express-limits", "error", machine({"W": {"Type": "Wait", "Seconds": 600, "End": True}}), "EXPRESS"),
    ("express-limits", "error", machine({"T": task(Resource=SYNC, Parameters={"StateMachineArn": "arn:x"})}),
     "EXPRESS"),
    ("express-limits", "error",
     machine({"T": task(Retry=retry(MaxAttempts=10, MaxDelaySeconds=60))}), "EXPRESS"),
    ("large-payload", "warning",
     machine({"T": task(Resource=LAMBDA_INVOKE, Parameters={"FunctionName": "f", "Payload.$": "$"})}), "STANDARD"),
    ("nondeterministic-key", "warning",
     machine({"T": task(Resource="arn:aws:states:::aws-sdk:s3:putObject",
                        Parameters={"Bucket": "b", "Key.$": "States.Format('out/{}.json', $$.State.EnteredTime)",
                                    "Body.$": "$"})}), "STANDARD"),
    ("unresolved-substitution", "error", machine({"T": task(Resource="${WorkFunctionArn}")}), "STANDARD"),
]


@pytest.mark.parametrize(("rule", "severity", "definition", "workflow_type"), CASES,
                         ids=[f"{case[0]}-{case[1]}-{index}" for index, case in enumerate(CASES)])
def test_rule_fires_on_the_bad_definition(rule: str, severity: str, definition: dict[str, Any],
                                          workflow_type: str) -> None:
    assert findings(definition, workflow_type).get(rule) == severity


def test_a_well_behaved_definition_has_no_finding() -> None:
    assert findings(machine({"T": task()}), "EXPRESS") == {}


def test_the_same_states_are_fine_as_standard_but_not_as_express() -> None:
    definition = machine({"W": {"Type": "Wait", "Seconds": 600, "Next": "T"}, "T": task()})
    assert "express-limits" not in findings(definition, "STANDARD")
    assert findings(definition, "EXPRESS")["express-limits"] == "error"


def test_a_comment_suppresses_a_rule_for_the_state_and_the_states_nested_in_it() -> None:
    inner = {"StartAt": "I", "States": {"I": task(Retry=None, Catch=None)}}
    noisy = machine({"M": {"Type": "Map", "ItemsPath": "$.x", "MaxConcurrency": 2, "ItemProcessor": inner,
                           "End": True}})
    assert "task-no-error-handling" in findings(noisy)
    quiet = machine({"M": {"Type": "Map", "ItemsPath": "$.x", "MaxConcurrency": 2, "ItemProcessor": inner,
                           "Comment": "Items are idempotent. sluice-lint: disable=task-no-error-handling",
                           "End": True}})
    assert "task-no-error-handling" not in findings(quiet)


def test_a_top_level_comment_suppresses_for_the_whole_machine() -> None:
    definition = machine({"T": task(Retry=None, Catch=None)}, Comment="sluice-lint: disable=task-no-error-handling")
    assert "task-no-error-handling" not in findings(definition)


def test_lambda_function_arns_are_not_taken_for_lambda_invoke_envelopes(tmp_path: Path) -> None:
    assert "large-payload" not in findings(machine({"T": task()}))
