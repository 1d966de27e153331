"""`sluice cost`: the arithmetic against hand-computed figures, and the command on our pipelines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sluice.cli import main
from sluice.cost import Assumptions, PathCost, estimate_cost
from sluice.graph.source import compile_workflow, load_workflow
from tests.graph.support import machine, task, write

MILLION = 1_000_000
# Lambda task (128 MB x86_64 by default), a fixed Wait, then success; errors are caught into Failed.
SMALL = machine({
    "Work": task(Retry=[{"ErrorEquals": ["Transient"], "IntervalSeconds": 1, "BackoffRate": 2.0, "MaxAttempts": 2}],
                 Next="Pause", End=None),
    "Pause": {"Type": "Wait", "Seconds": 10, "Next": "Done"},
    "Done": {"Type": "Succeed"},
})


def paths(definition: dict[str, Any], workflow_type: str = "STANDARD", **assumptions: Any) -> dict[str, PathCost]:
    workflow = compile_workflow("Small", "small.asl.json", workflow_type, definition)
    estimate = estimate_cost(workflow, Assumptions(executions_per_month=MILLION, **assumptions))
    return {path.mode: path for path in estimate.paths}


def test_happy_path_by_hand() -> None:
    happy = paths(SMALL)["happy (shortest)"]
    assert happy.states == ["Work", "Pause", "Done"]
    assert happy.transitions == 3
    assert happy.standard_workflow_usd == pytest.approx(3 * MILLION * 0.025 / 1000)  # $75.00
    assert happy.seconds == 11.0  # 1 s task + 10 s wait
    # Express: $1.00 per million requests + 64 MB = 0.0625 GB x 11 s x $0.00001667 per GB-s
    assert happy.express_gb_seconds == pytest.approx(0.6875)
    assert happy.express_workflow_usd == pytest.approx(1.00 + MILLION * 0.6875 * 0.00001667)  # $12.460625
    # Lambda: 1M requests x $0.20/M + 0.125 GB x 1 s x 1M x $0.0000166667 (x86_64)
    assert [use.architecture for use in happy.lambda_use] == ["x86_64"]
    assert happy.lambda_use[0].requests == MILLION and happy.lambda_use[0].gb_seconds == pytest.approx(125_000)
    assert happy.lambda_usd == pytest.approx(0.20 + 125_000 * 0.0000166667)
    assert happy.total_standard_usd == pytest.approx(75.0 + 0.20 + 2.0833375)
    assert happy.total_express_usd == pytest.approx(12.460625 + 0.20 + 2.0833375)


def test_retry_path_counts_every_attempt_as_a_transition_and_waits_the_backoff() -> None:
    retry = paths(SMALL)["retry"]
    assert retry.transitions == 5  # Work x 3 attempts (MaxAttempts 2), Pause, Done
    assert retry.standard_workflow_usd == pytest.approx(125.0)
    assert retry.seconds == pytest.approx(3 * 1.0 + (1 + 2) + 10)  # attempts + back-off 1 s, 2 s + wait
    assert retry.lambda_use[0].requests == 3 * MILLION
    assert retry.lambda_usd == pytest.approx(0.60 + 375_000 * 0.0000166667)


def test_failure_path_goes_through_the_catch() -> None:
    failure = paths(SMALL)["failure"]
    assert failure.states == ["Work", "Failed"]
    assert failure.standard_workflow_usd == pytest.approx(50.0)


def test_no_fail_state_means_no_failure_path() -> None:
    assert "failure" not in paths(machine({"Only": {"Type": "Pass", "End": True}}))


def test_map_items_multiply_and_service_requests_are_priced() -> None:
    definition = machine({
        "Each": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 5, "Next": "Save", "ItemProcessor": {
            "StartAt": "Get", "States": {
                "Get": task(Resource="arn:aws:states:::aws-sdk:s3:getObject", Catch=None, Next="Put", End=None,
                            Parameters={"Bucket": "b", "Key.$": "$.key"}),
                "Put": task(Resource="arn:aws:states:::aws-sdk:s3:putObject", Catch=None,
                            Parameters={"Bucket": "b", "Key.$": "$.key", "Body": "x"}),
            }}},
        "Save": task(Resource="arn:aws:states:::dynamodb:putItem", Catch=None,
                     Parameters={"TableName": "t", "Item": {"pk": {"S": "x"}}}),
    })
    happy = paths(definition, map_items=10)["happy (shortest)"]
    assert happy.transitions == 1 + 10 * 2 + 1
    assert (happy.s3_get_requests, happy.s3_put_requests, happy.dynamodb_write_units) == (10, 10, 1)
    assert happy.s3_usd == pytest.approx(MILLION * (10 * 0.0004 + 10 * 0.005) / 1000)  # $54.00
    assert happy.dynamodb_usd == pytest.approx(0.625)
    assert happy.seconds == pytest.approx(2 * 2.0 + 1.0)  # 10 items 5 at a time: 2 rounds of 2 s, then Save
    assert happy.lambda_use == []


def test_parallel_branches_add_transitions_but_run_side_by_side() -> None:
    definition = machine({"Both": {"Type": "Parallel", "End": True, "Branches": [
        {"StartAt": "A", "States": {"A": {"Type": "Wait", "Seconds": 30, "End": True}}},
        {"StartAt": "B", "States": {"B": {"Type": "Wait", "Seconds": 5, "Next": "C"},
                                    "C": {"Type": "Pass", "End": True}}},
    ]}})
    happy = paths(definition, "EXPRESS")["happy (shortest)"]
    assert (happy.transitions, happy.seconds) == (4, 30.0)


def test_arm64_functions_from_the_template_use_the_arm64_price(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, machine({"Work": task(Resource="${WorkArn}", Catch=None)}), "machine.asl.json")
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n"
        "  Worker:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.13\n"
        "      Handler: app.handler\n      CodeUri: src/\n      MemorySize: 1024\n      Architectures: [arm64]\n"
        "  Machine:\n    Type: AWS::Serverless::StateMachine\n    Properties:\n      Type: EXPRESS\n"
        "      DefinitionUri: machine.asl.json\n      DefinitionSubstitutions:\n        WorkArn: !GetAtt Worker.Arn\n",
        encoding="utf-8")
    estimate = estimate_cost(load_workflow("Machine"), Assumptions(executions_per_month=MILLION, task_seconds=0.5))
    happy = estimate.paths[0]
    assert estimate.type == "EXPRESS"
    assert [use.architecture for use in happy.lambda_use] == ["arm64"]
    assert happy.lambda_use[0].gb_seconds == pytest.approx(500_000)  # 1 GB x 0.5 s x 1M
    assert happy.lambda_usd == pytest.approx(0.20 + 500_000 * 0.0000133334)
    assert happy.express_gb_seconds == pytest.approx(0.0625 * 0.5)


def test_cli_json_on_our_file_pipeline(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cost", "FilePipelineStateMachine", "--executions-per-month", "1000", "--json"]) == 0
    estimate = json.loads(capsys.readouterr().out)
    by_mode = {path["mode"]: path for path in estimate["paths"]}
    assert set(by_mode) == {"happy (shortest)", "happy (longest)", "retry", "failure"}
    assert by_mode["happy (longest)"]["states"][-1] == "Published"
    assert by_mode["failure"]["states"][-1] in {"InvalidInput", "InvalidData", "QualityGateFailed", "ProcessingFailed"}
    assert by_mode["happy (shortest)"]["transitions"] < by_mode["happy (longest)"]["transitions"] \
        < by_mode["retry"]["transitions"]
    assert by_mode["happy (longest)"]["lambda_use"][0]["architecture"] == "arm64"  # Globals: Architectures [arm64]
    assert estimate["prices_as_of"] and estimate["assumptions"]


def test_cli_text_table_and_input_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cost", "StreamBatchStateMachine", "-n", "5000"]) == 0
    out = capsys.readouterr().out
    assert "5,000 executions/month" in out and "total Express" in out
    assert main(["cost", "NoSuchPipeline"]) == 2
    assert "NoSuchPipeline is neither a file nor a state machine" in capsys.readouterr().err
    assert main(["cost", "StreamBatchStateMachine", "-n", "-1"]) == 2
    assert "executions_per_month" in capsys.readouterr().err


def test_a_path_longer_than_five_minutes_does_not_fit_express() -> None:
    slow = machine({"Pause": {"Type": "Wait", "Seconds": 301, "End": True}})
    assert paths(slow)["happy (shortest)"].fits_express is False
    assert paths(SMALL)["happy (shortest)"].fits_express is True
