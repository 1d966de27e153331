"""The HTTP endpoint (`sluice serve`): boto3 over HTTP on 127.0.0.1, virtual and real time."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from sluice.api import StepFunctionsService
from sluice.api.server import StepFunctionsServer
from sluice.asl import Engine
from tests.api.support import ROLE, Calls, client, sluice_serve

WAIT = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "Next": "P"},
                                   "P": {"Type": "Pass", "End": True}}}


def post(url: str, body: bytes, target: str | None) -> tuple[int, dict[str, Any]]:
    headers = {"Content-Type": "application/x-amz-json-1.0"} | ({"X-Amz-Target": target} if target else {})
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_boto3_over_http_sees_executions_progress_on_the_virtual_clock(server: StepFunctionsServer) -> None:
    sfn = client(server.url)
    arn = sfn.create_state_machine(name="hourly", definition=json.dumps(WAIT), roleArn=ROLE)["stateMachineArn"]
    started = time.monotonic()
    execution = sfn.start_execution(stateMachineArn=arn, name="first", input='{"x": 1}')["executionArn"]
    described = sfn.describe_execution(executionArn=execution)
    assert time.monotonic() - started < 5  # an hour-long Wait, no real waiting
    assert described["status"] == "SUCCEEDED"
    assert (described["stopDate"] - described["startDate"]).total_seconds() == pytest.approx(3600)
    history = sfn.get_execution_history(executionArn=execution)["events"]
    assert [event["type"] for event in history][-1] == "ExecutionSucceeded"
    assert [e["name"] for e in sfn.list_executions(stateMachineArn=arn)["executions"]] == ["first"]


def test_errors_arrive_as_client_errors_with_aws_codes(server: StepFunctionsServer) -> None:
    sfn = client(server.url)
    with pytest.raises(sfn.exceptions.StateMachineDoesNotExist):
        sfn.describe_state_machine(stateMachineArn="arn:aws:states:us-east-1:123456789012:stateMachine:none")
    with pytest.raises(ClientError) as invalid:
        sfn.create_state_machine(name="bad", definition='{"StartAt": "X", "States": {}}', roleArn=ROLE)
    assert invalid.value.response["Error"]["Code"] == "InvalidDefinition"


@pytest.mark.parametrize(
    ("body", "target", "code"),
    [
        (b"{}", None, "UnknownOperationException"),
        (b"{}", "AWSStepFunctions.NoSuchAction", "UnknownOperationException"),
        (b"{not json", "AWSStepFunctions.ListStateMachines", "SerializationException"),
        (b"{}", "AWSStepFunctions.DescribeExecution", "ValidationException"),
        (b'{"executionArn": 7}', "AWSStepFunctions.DescribeExecution", "ValidationException"),
    ],
)
def test_bad_requests_get_aws_error_codes(server: StepFunctionsServer, body: bytes, target: str | None,
                                          code: str) -> None:
    status, answer = post(server.url, body, target)
    assert status == 400
    assert answer["__type"].endswith(f"#{code}")
    assert answer["message"]


def test_task_tokens_over_http(server: StepFunctionsServer, calls: Calls) -> None:
    sfn = client(server.url)
    definition = {"StartAt": "Ask", "States": {"Ask": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
        "Parameters": {"FunctionName": "record", "Payload": {"token.$": "$$.Task.Token"}}, "End": True}}}
    arn = sfn.create_state_machine(name="cb", definition=json.dumps(definition), roleArn=ROLE)["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    assert sfn.describe_execution(executionArn=execution)["status"] == "RUNNING"
    sfn.send_task_success(taskToken=calls.events[0]["token"], output='"done"')
    assert sfn.describe_execution(executionArn=execution)["output"] == '"done"'


def test_start_sync_execution_and_test_state_over_http(server: StepFunctionsServer) -> None:
    sfn = client(server.url)
    arn = sfn.create_state_machine(name="fast", definition=json.dumps(WAIT), roleArn=ROLE,
                                   type="EXPRESS")["stateMachineArn"]
    result = sfn.start_sync_execution(stateMachineArn=arn, input='{"k": 1}')
    # An hour's Wait outlives an Express execution's five minutes.
    assert (result["status"], result["error"]) == ("TIMED_OUT", "States.Timeout")
    assert "output" not in result
    tested = sfn.test_state(definition='{"Type": "Pass", "Result": {"ok": true}, "End": true}', roleArn=ROLE)
    assert (tested["status"], tested["output"]) == ("SUCCEEDED", '{"ok":true}')


def test_real_time_server_answers_start_sync_execution_when_it_ends() -> None:
    one_second = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "End": True}}}
    with Engine(real_time=True) as engine:
        server = StepFunctionsServer(StepFunctionsService(engine), port=0)
        server.start()
        try:
            sfn = client(server.url)
            arn = sfn.create_state_machine(name="rt", definition=json.dumps(one_second), roleArn=ROLE,
                                           type="EXPRESS")["stateMachineArn"]
            started = time.monotonic()
            result = sfn.start_sync_execution(stateMachineArn=arn, input="{}")
            elapsed = time.monotonic() - started
        finally:
            server.stop()
    assert result["status"] == "SUCCEEDED"
    assert 0.9 < elapsed < 5


def test_sluice_serve_command_with_a_mock_file(tmp_path: Path) -> None:
    mock_file = tmp_path / "MockConfigFile.json"
    mock_file.write_text(json.dumps({
        "StateMachines": {"Orders": {"TestCases": {"Happy": {"Charge": "Charged"}}}},
        "MockedResponses": {"Charged": {"0": {"Return": {"charged": 42}}}},
    }))
    with sluice_serve("--mock-config", str(mock_file)) as (url, banner):
        assert "(virtual clock, mocks from" in banner
        sfn = client(url)
        definition = {"StartAt": "Charge", "States": {"Charge": {
            "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "charge"}, "End": True}}}
        arn = sfn.create_state_machine(name="Orders", definition=json.dumps(definition),
                                       roleArn=ROLE)["stateMachineArn"]
        execution = sfn.start_execution(stateMachineArn=f"{arn}#Happy")["executionArn"]
        described = sfn.describe_execution(executionArn=execution)
        assert (described["status"], json.loads(described["output"])) == ("SUCCEEDED", {"charged": 42})


def test_sluice_serve_rejects_a_broken_mock_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"MockedResponses": {"R": {"x": {}}}}')
    result = subprocess.run([sys.executable, "-m", "sluice.cli", "serve", "--mock-config", str(broken)],
                            capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 2
    assert "'x' is not a call number" in result.stderr
