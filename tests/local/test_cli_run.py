"""`sluice run STATE_MACHINE`: a template's state machine on the local stack, through the CLI entry point.

The execution runs as the template declares it: `DefinitionSubstitutions` resolved (AWS SAM
substitutes `${name}` in the definition before creating the state machine), Lambda tasks calling
the template's real handlers, service integrations reaching the local resources. The tree goes to
stderr, the result to stdout.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from sluice.cli import main

ROOT = Path(__file__).resolve().parents[2]
PROJECT = ["--template", str(ROOT / "template.yaml")]

TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Parameters:
  Greeting:
    Type: String
    Default: hello
Resources:
  Outbox:
    Type: AWS::SQS::Queue
  GreetFunction:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      CodeUri: functions
      Handler: greet.handler
  GreetingMachine:
    Type: AWS::Serverless::StateMachine
    Properties:
      DefinitionSubstitutions:
        GreetFunctionArn: !GetAtt GreetFunction.Arn
        Greeting: !Ref Greeting
        OutboxUrl: !Ref Outbox
      Definition:
        StartAt: Greet
        States:
          Greet:
            Type: Task
            Resource: ${GreetFunctionArn}
            Parameters:
              greeting: ${Greeting}
              name.$: $.name
            ResultPath: $.greeted
            Next: Send
          Send:
            Type: Task
            Resource: arn:aws:states:::sqs:sendMessage
            Parameters:
              QueueUrl: ${OutboxUrl}
              MessageBody.$: $.greeted
            ResultPath: null
            End: true
  ApprovalMachine:
    Type: AWS::Serverless::StateMachine
    Properties:
      DefinitionSubstitutions:
        OutboxUrl: !Ref Outbox
      Definition:
        StartAt: Ask
        States:
          Ask:
            Type: Task
            Resource: arn:aws:states:::sqs:sendMessage.waitForTaskToken
            Parameters:
              QueueUrl: ${OutboxUrl}
              MessageBody:
                token.$: $$.Task.Token
            End: true
"""

GREET = '''
def handler(event, context):
    if not event["name"]:
        raise ValueError("nobody to greet")
    return {"text": f"{event['greeting']}, {event['name']}!"}
'''


@pytest.fixture
def greeting(write_template: Callable[..., Path]) -> list[str]:
    """The inline template's options: `--template PATH --no-config`."""
    return ["--template", str(write_template(TEMPLATE, {"functions/greet.py": GREET})), "--no-config"]


def test_substitutions_are_resolved_and_the_real_handler_runs(capsys: pytest.CaptureFixture[str],
                                                              greeting: list[str]) -> None:
    code = main(["run", "GreetingMachine", "--input", '{"name": "Ada"}',
                 "--parameter-overrides", "Greeting=bonjour", *greeting])
    out, err = capsys.readouterr()

    assert code == 0
    # ${Greeting} came from the parameter, ${GreetFunctionArn} reached greet.py, ${OutboxUrl} the local queue.
    assert json.loads(out) == {"name": "Ada", "greeted": {"text": "bonjour, Ada!"}}
    for expected in ("execution", "SUCCEEDED", "◆ Greet", "λ GreetFunction", "◆ Send", "outputs written",
                     "sqs SendMessage Outbox"):
        assert expected in err
    assert "${" not in err


def test_a_failed_execution_exits_1_with_its_error_and_cause_on_stdout(capsys: pytest.CaptureFixture[str],
                                                                       greeting: list[str]) -> None:
    assert main(["run", "GreetingMachine", "--input", '{"name": ""}', *greeting]) == 1
    out, err = capsys.readouterr()

    status, error, cause = out.splitlines()
    assert (status, error) == ("FAILED", "error: ValueError")
    assert json.loads(cause.removeprefix("cause: "))["errorMessage"] == "nobody to greet"
    assert "◆ Greet" in err and "FAILED" in err


def test_json_prints_one_object(capsys: pytest.CaptureFixture[str], greeting: list[str]) -> None:
    assert main(["run", "GreetingMachine", "--input", '{"name": ""}', "--json", *greeting]) == 1
    result = json.loads(capsys.readouterr().out)

    assert set(result) == {"executionArn", "status", "output", "error", "cause", "executions"}
    assert result["executionArn"].startswith("arn:aws:states:us-east-1:123456789012:execution:GreetingMachine")
    assert (result["status"], result["output"], result["error"]) == ("FAILED", None, "ValueError")
    [execution] = result["executions"]  # every execution the run made, with what `cost --from-run` prices
    assert (execution["executionArn"], execution["status"]) == (result["executionArn"], "FAILED")
    assert execution["transitions"] >= 1


def test_the_input_is_read_from_a_file_or_stdin(capsys: pytest.CaptureFixture[str], greeting: list[str],
                                                tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    payload = tmp_path / "input.json"
    payload.write_text('{"name": "Grace"}', encoding="utf-8")
    assert main(["run", "GreetingMachine", "--input", f"@{payload}", "--json", *greeting]) == 0
    assert json.loads(capsys.readouterr().out)["output"]["greeted"] == {"text": "hello, Grace!"}

    monkeypatch.setattr("sys.stdin", io.StringIO('{"name": "Alan"}'))
    assert main(["run", "GreetingMachine", "--input", "-", "--json", *greeting]) == 0
    assert json.loads(capsys.readouterr().out)["output"]["greeted"] == {"text": "hello, Alan!"}


def test_an_execution_left_waiting_for_its_task_token_exits_1(capsys: pytest.CaptureFixture[str],
                                                               greeting: list[str]) -> None:
    # Nobody answers the token and the clock does not jump to a callback deadline (ADR 0007).
    assert main(["run", "ApprovalMachine", "--json", *greeting]) == 1
    out, err = capsys.readouterr()

    assert json.loads(out)["status"] == "RUNNING"
    assert "still RUNNING" in err


def test_report_writes_the_execution_report(capsys: pytest.CaptureFixture[str], greeting: list[str],
                                            tmp_path: Path) -> None:
    page = tmp_path / "run.html"
    assert main(["run", "GreetingMachine", "--input", '{"name": "Ada"}', "--report", str(page), *greeting]) == 0
    html = page.read_text(encoding="utf-8")
    assert "sluice run GreetingMachine" in html and 'data-state="Greet"' in html

    assert main(["run", "GreetingMachine", "--report", str(tmp_path / "missing" / "run.html"), *greeting]) == 2
    assert "cannot write the report" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["GreetFunction"],
         "no state machine 'GreetFunction' in the template (state machines: ApprovalMachine, GreetingMachine)"),
        (["GreetingMachine", "--input", '{"name": }'], "--input is not valid JSON"),
        (["GreetingMachine", "--input", "@missing.json"], "cannot read input file 'missing.json'"),
        (["GreetingMachine", "--input", "NaN"], "Invalid State Machine Execution Input"),
    ],
)
def test_usage_and_input_errors_exit_2_with_one_line(capsys: pytest.CaptureFixture[str], greeting: list[str],
                                                     arguments: list[str], message: str) -> None:
    assert main(["run", *arguments, *greeting]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("sluice: error: ") and message in err


def test_a_bad_flag_is_reported_with_runs_usage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["run", "GreetingMachine", "--no-such-flag"])
    assert exit_.value.code == 2
    assert "usage: sluice run" in capsys.readouterr().err


# -- the project's own template.yaml -------------------------------------------------------------


def test_the_backfill_runs_with_its_sample_input(capsys: pytest.CaptureFixture[str]) -> None:
    sample = ROOT / "events" / "backfill-request.json"  # the state-machine input tests/pipelines uses
    assert main(["run", "BackfillStateMachine", "--input", f"@{sample}", *PROJECT]) == 0
    out, err = capsys.readouterr()

    result = json.loads(out)
    assert (result["token"], result["status"], result["counts"]) == ("bf-20240612", "succeeded", {"total": 0})
    for expected in ("◆ Plan", "◆ Reprocess", "◆ Summarize", "λ BackfillFunction", "SUCCEEDED",
                     f"s3 PutObject StagingBucket/{result['summary_key']}"):
        assert expected in err


def test_the_file_pipeline_validates_against_the_local_buckets(capsys: pytest.CaptureFixture[str]) -> None:
    # What IngestFunction starts the pipeline with (the `input` of the validate step's sample). The
    # sample names the deployed bucket `sluice-raw`, which the local stack does not have: the real
    # validate handler's HeadObject gets NoSuchBucket and the pipeline fails as it would on AWS.
    sample = json.loads((ROOT / "events" / "file_validate-orders.json").read_text(encoding="utf-8"))["input"]
    assert main(["run", "FilePipelineStateMachine", "--input", json.dumps(sample), "--json", *PROJECT]) == 1
    out, err = capsys.readouterr()

    result = json.loads(out)
    assert (result["status"], result["error"]) == ("FAILED", "Sluice.ProcessingFailed")
    reason = json.loads(result["cause"])["reason"]
    assert (reason["code"], json.loads(reason["details"]["Cause"])["errorType"]) == ("NoSuchBucket", "NoSuchBucket")
    assert "◆ Validate" in err and "λ FileValidateFunction" in err
