"""The `sluice execute | validate | conformance` commands, as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sluice.cli import main

HELLO = {
    "StartAt": "Hi",
    "States": {"Hi": {"Type": "Pass", "Parameters": {"greeting.$": "States.Format('hi {}', $.name)"}, "End": True}},
}
BROKEN = {"StartAt": "Boom", "States": {"Boom": {"Type": "Fail", "Error": "Nope", "Cause": "on purpose"}}}


@pytest.fixture
def hello(tmp_path: Path) -> Path:
    path = tmp_path / "hello.asl.json"
    path.write_text(json.dumps(HELLO))
    return path


def test_execute_prints_the_trace_to_stderr_and_only_the_output_to_stdout(
    hello: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["execute", str(hello), "--input", '{"name": "ada"}']) == 0
    out, err = capsys.readouterr()
    assert "PassStateEntered" in err and "Hi" in err and "SUCCEEDED in" in err
    assert json.loads(out) == {"greeting": "hi ada"}


def test_execute_json_reads_input_from_a_file(hello: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "in.json"
    data.write_text('{"name": "bob"}')
    assert main(["execute", str(hello), "--input", f"@{data}", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "SUCCEEDED"
    assert result["output"] == {"greeting": "hi bob"}
    assert result["transitions"] == 1


def test_execute_exits_non_zero_on_failed_execution(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "broken.asl.json"
    path.write_text(json.dumps(BROKEN))
    assert main(["execute", str(path)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""  # no result: what went wrong is on stderr
    assert "FAILED in" in captured.err
    assert "error: Nope" in captured.err and "on purpose" in captured.err


def test_execute_reports_bad_input_without_traceback(hello: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["execute", str(hello), "--input", "{not json"]) == 2
    assert "is not valid JSON" in capsys.readouterr().err


def test_execute_reads_yaml_definitions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "flow.asl.yaml"
    path.write_text("StartAt: Done\nStates:\n  Done:\n    Type: Succeed\n")
    assert main(["execute", str(path), "--input", '{"x": 1}', "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["output"] == {"x": 1}


def test_validate_names_the_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.asl.json"
    path.write_text(json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Missing"}}}))
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert "MISSING_TRANSITION_TARGET" in out and "Missing" in out


def test_validate_accepts_a_good_definition(hello: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(hello)]) == 0
    assert "valid" in capsys.readouterr().out


TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Good:
    Type: AWS::Serverless::StateMachine
    Properties:
      DefinitionUri: hello.asl.json
  Bad:
    Type: AWS::Serverless::StateMachine
    Properties:
      Definition: {StartAt: A, States: {A: {Type: Pass, Next: Missing}}}
"""


def test_validate_of_a_template_checks_each_state_machine_it_declares(
    hello: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # `sluice validate template.yaml` read the template as a definition ("could not determine a
    # constructor for the tag '!Not'"): it now stands for the definitions it deploys.
    template = hello.parent / "template.yaml"
    template.write_text(TEMPLATE)
    assert main(["validate", str(template), "--json"]) == 1
    files = {file["path"]: file for file in json.loads(capsys.readouterr().out)["files"]}
    assert set(files) == {f"{template}#Good", f"{template}#Bad"}
    assert files[f"{template}#Good"]["valid"] is True
    assert [d["code"] for d in files[f"{template}#Bad"]["diagnostics"]] == ["MISSING_TRANSITION_TARGET",
                                                                             "MISSING_END_STATE"]


def test_validate_of_our_template_finds_every_machine_valid(capsys: pytest.CaptureFixture[str]) -> None:
    root = Path(__file__).resolve().parents[2]
    assert main(["validate", str(root / "template.yaml")]) == 0
    assert capsys.readouterr().out.count(": valid") == 3


def test_validate_of_a_template_without_state_machines_says_so(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    template = tmp_path / "template.yaml"
    template.write_text("Resources:\n  B: {Type: AWS::S3::Bucket}\n")
    assert main(["validate", str(template)]) == 0
    assert capsys.readouterr().err == f"sluice: warning: {template} declares no state machine\n"


def test_conformance_json_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = Path(__file__).parent / "data" / "asl-aws-recorded.jsonl"
    subset = tmp_path / "subset.jsonl"
    subset.write_text("\n".join(corpus.read_text().splitlines()[:5]))
    assert main(["conformance", str(subset), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["total"] == 5 and report["passed"] == 5 and report["failed"] == []
    assert set(report) == {"total", "passed", "by_feature", "failed"}


def test_console_script_runs_as_a_process(hello: Path) -> None:
    sluice = Path(sys.executable).with_name("sluice")
    result = subprocess.run(
        [str(sluice), "execute", str(hello), "--input", '{"name": "x"}', "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["output"] == {"greeting": "hi x"}


def test_execute_reads_json5_and_uses_the_given_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "flow.asl.json5"
    path.write_text(
        "{StartAt: 'Done', // comments and trailing commas are JSON5\n States: {Done: {Type: 'Succeed'},},}"
    )
    assert main(["execute", str(path), "--name", "nightly-2024-06-11", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["executionArn"].endswith(":nightly-2024-06-11")


def test_execute_rejects_an_illegal_name(hello: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["execute", str(hello), "--name", "no spaces allowed"]) == 2
    assert "Invalid Name" in capsys.readouterr().err
