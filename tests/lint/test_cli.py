"""`sluice lint` end to end: our template, fresh templates, output formats and exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sluice.cli import main
from sluice.lint import ALL_RULES, lint_paths
from tests.graph.support import machine, task, write

ROOT = Path(__file__).resolve().parents[2]

FRESH_TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Stream:
    Type: AWS::Kinesis::Stream
    Properties: {ShardCount: 1}
  Jobs:
    Type: AWS::SQS::Queue
  Bucket:
    Type: AWS::S3::Bucket
  Poller:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      CodeUri: src/
      Policies:
        - StepFunctionsExecutionPolicy:
            StateMachineName: !GetAtt Machine.Name
      Events:
        Records:
          Type: Kinesis
          Properties: {Stream: !GetAtt Stream.Arn, StartingPosition: LATEST}
        Work:
          Type: SQS
          Properties: {Queue: !GetAtt Jobs.Arn}
  Notified:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      CodeUri: src/
      Events:
        Uploads:
          Type: EventBridgeRule
          Properties:
            Pattern: {source: [aws.s3]}
  Machine:
    Type: AWS::Serverless::StateMachine
    Properties:
      Type: STANDARD
      DefinitionUri: machine.asl.json
      DefinitionSubstitutions:
        WorkArn: !GetAtt Notified.Arn
      Events:
        Often:
          Type: Schedule
          Properties: {Schedule: rate(1 minute)}
"""


@pytest.fixture
def fresh_template(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, machine({"T": task(Resource="${WorkArn}", Next="U", End=None), "U": task(Resource="${Other}")}),
          "machine.asl.json")
    (tmp_path / "template.yaml").write_text(FRESH_TEMPLATE, encoding="utf-8")
    return tmp_path / "template.yaml"


def run_json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    code = main(argv)
    return code, json.loads(capsys.readouterr().out)


def test_our_template_and_state_machines_have_no_errors() -> None:
    report = lint_paths([ROOT / "template.yaml"])
    assert report.errors == 0, [f"{f.rule} {f.where}: {f.message}" for f in report.findings if f.severity == "error"]
    assert {"FilePipelineStateMachine", "StreamBatchStateMachine", "BackfillStateMachine"} <= set(report.linted)


def test_template_rules_on_a_fresh_template(fresh_template: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, document = run_json(["lint", "--format", "json"], capsys)
    assert code == 1
    found = {(f["rule"], f["target"]) for f in document["findings"]}
    assert ("event-source-no-dlq", "Poller") in found  # Kinesis without OnFailure
    assert ("event-source-no-dlq", "Jobs") in found  # polled queue without RedrivePolicy
    assert ("event-source-no-dlq", "Notified") in found  # async invocations without a destination
    assert ("standard-high-frequency", "Poller") in found  # Kinesis/SQS -> Standard executions
    assert ("standard-high-frequency", "Machine") in found  # rate(1 minute) -> Standard
    unresolved = [f for f in document["findings"] if f["rule"] == "unresolved-substitution"]
    assert [f["message"] for f in unresolved] == ["${Other} is not substituted by the template's "
                                                  "DefinitionSubstitutions"]
    assert document["summary"]["error"] == sum(f["severity"] == "error" for f in document["findings"])


def test_a_value_that_does_not_resolve_is_a_finding_and_the_other_rules_still_run(
    fresh_template: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # cfn-lint reports such a Ref as E1012; a rule reading the policy used to crash the whole lint on it.
    fresh_template.write_text(FRESH_TEMPLATE.replace("StateMachineName: !GetAtt Machine.Name",
                                                     "StateMachineName: !Ref Nope"), encoding="utf-8")
    code, document = run_json(["lint", "--format", "json"], capsys)
    assert code == 1
    [invalid] = [f for f in document["findings"] if f["rule"] == "template-invalid"]
    assert (invalid["target"], invalid["severity"]) == ("Poller", "error")
    assert invalid["message"] == ("Policies[0].StepFunctionsExecutionPolicy.StateMachineName: "
                                  "there is no parameter or resource named 'Nope'")
    assert ("event-source-no-dlq", "Poller") in {(f["rule"], f["target"]) for f in document["findings"]}


def test_a_definition_file_is_read_through_the_template_that_deploys_it(fresh_template: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    _, document = run_json(["lint", "machine.asl.json", "--format", "json"], capsys)
    assert document["checked"] == ["Machine"]
    assert {f["message"] for f in document["findings"] if f["rule"] == "unresolved-substitution"} == {
        "${Other} is not substituted by the template's DefinitionSubstitutions"}


def test_sarif_output_has_the_2_1_0_shape(fresh_template: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, log = run_json(["lint", "--format", "sarif"], capsys)
    assert code == 1
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-2.1.0.json")
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert run["tool"]["driver"]["name"] == "sluice-lint"
    assert {rule["id"] for rule in rules} <= {rule.id for rule in ALL_RULES}
    assert all(rule["helpUri"].startswith("https://") and rule["shortDescription"]["text"] for rule in rules)
    assert run["results"]
    for result in run["results"]:
        assert result["level"] in ("error", "warning", "note")
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert "Fix:" in result["message"]["text"]
        location = result["locations"][0]
        assert location["logicalLocations"][0]["fullyQualifiedName"]
        assert location["physicalLocation"]["artifactLocation"]["uri"]
    machine_result = next(r for r in run["results"] if r["ruleId"] == "task-no-error-handling"
                          or r["ruleId"] == "unresolved-substitution")
    assert machine_result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "machine.asl.json"
    dlq = next(r for r in run["results"] if r["ruleId"] == "event-source-no-dlq" and "Jobs" in r["message"]["text"])
    assert dlq["locations"][0]["physicalLocation"]["region"]["startLine"] == FRESH_TEMPLATE.splitlines().index(
        "  Jobs:") + 1


def test_text_output_and_exit_code_0_without_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    path = write(tmp_path, machine({"T": task(TimeoutSeconds=None)}))
    assert main(["lint", str(path)]) == 0
    out = capsys.readouterr().out
    assert "task-no-timeout" in out and "fix:" in out and "0 errors, 0 warnings, 1 note" in out


@pytest.mark.parametrize("argv", [["lint", "missing.asl.json"], ["lint", "x.asl.json", "--template", "none.yaml"]])
def test_input_errors_exit_2_with_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, argv: list[str],
                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, machine({"T": task()}), "x.asl.json")
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("sluice: error: ") and err.count("\n") == 1


STREAM_POLICY = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Configs:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
      StreamSpecification: {StreamViewType: NEW_AND_OLD_IMAGES}
  Reader:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: index.handler
      InlineCode: "def handler(event, context):\\n    return None\\n"
      Policies:
        - DynamoDBStreamReadPolicy:
            TableName: !Ref Configs
            StreamName: !Select [3, !Split ["/", !GetAtt Configs.StreamArn]]
      Events:
        Changes:
          Type: DynamoDB
          Properties:
            Stream: !GetAtt Configs.StreamArn
            StartingPosition: LATEST
"""


@pytest.mark.parametrize("streamed", [True, False])
def test_a_stream_arn_is_known_before_the_stream_exists_when_the_table_declares_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], streamed: bool) -> None:
    # As serverless-patterns' dynamodb-eventbridge-scheduler names its stream in a policy: no stack runs for lint.
    text = STREAM_POLICY if streamed else STREAM_POLICY.replace(
        "      StreamSpecification: {StreamViewType: NEW_AND_OLD_IMAGES}\n", "")
    (tmp_path / "template.yaml").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    _, document = run_json(["lint", "--format", "json"], capsys)
    invalid = [f["message"] for f in document["findings"] if f["rule"] == "template-invalid"]
    assert invalid == ([] if streamed else [
        "Policies[0].DynamoDBStreamReadPolicy.StreamName: Configs.StreamArn: the table has no StreamSpecification"])
    assert ("event-source-no-dlq", "Reader") in {(f["rule"], f["target"]) for f in document["findings"]}


@pytest.mark.parametrize("argv", [["lint"], ["lint", "--template", "template.yml"]], ids=["found", "named"])
def test_a_template_yml_is_linted_as_sam_cli_finds_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    # As serverless-patterns' lambda-layer names its template: SAM CLI reads template.yaml, .yml or .json.
    (tmp_path / "template.yml").write_text(STREAM_POLICY, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    _, document = run_json([*argv, "--format", "json"], capsys)
    assert document["checked"] == ["template.yml"]
    assert ("event-source-no-dlq", "Reader") in {(f["rule"], f["target"]) for f in document["findings"]}
