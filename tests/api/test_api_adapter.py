"""serve_boto3: real boto3 Step Functions clients served by the local engine, with and without moto."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from sluice.api import StepFunctionsService
from sluice.api.adapter import attach_client, serve_boto3
from sluice.asl import Engine
from tests.api.support import ROLE

WAIT = {
    "StartAt": "W",
    "States": {"W": {"Type": "Wait", "Seconds": 5, "Next": "P"}, "P": {"Type": "Pass", "End": True}},
}


def sfn_client() -> Any:
    return client("stepfunctions")


def client(service_name: Any) -> Any:
    return boto3.client(service_name, region_name="us-east-1", aws_access_key_id="testing",
                        aws_secret_access_key="testing")


@pytest.fixture
def engine() -> Iterator[Engine]:
    with Engine(seed=1) as instance:
        yield instance


def test_clients_made_before_and_inside_the_context_are_served(engine: Engine) -> None:
    before = sfn_client()
    with serve_boto3(StepFunctionsService(engine)):
        inside = sfn_client()
        arn = inside.create_state_machine(name="m", definition=json.dumps(WAIT), roleArn=ROLE)["stateMachineArn"]
        started = before.start_execution(stateMachineArn=arn, name="e1", input='{"n": 1}')
        assert isinstance(started["startDate"], datetime)
        described = inside.describe_execution(executionArn=started["executionArn"])
    # The adapter let the clock run after StartExecution: the 5 s wait is over.
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"n": 1}
    assert (described["stopDate"] - described["startDate"]).total_seconds() == pytest.approx(5.0)
    assert described["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_errors_are_real_client_errors_with_aws_codes(engine: Engine) -> None:
    with serve_boto3(StepFunctionsService(engine)):
        sfn = sfn_client()
        missing = "arn:aws:states:us-east-1:123456789012:execution:m:nope"
        with pytest.raises(sfn.exceptions.ExecutionDoesNotExist) as caught:
            sfn.describe_execution(executionArn=missing)
        assert caught.value.response["Error"]["Message"] == f"Execution Does Not Exist: '{missing}'"
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        with pytest.raises(ClientError) as invalid:
            sfn.create_state_machine(name="bad name", definition=json.dumps(WAIT), roleArn=ROLE)
        assert invalid.value.response["Error"]["Code"] == "InvalidName"


def test_outside_the_context_moto_answers_again(engine: Engine) -> None:
    with mock_aws():
        sfn = sfn_client()
        with serve_boto3(StepFunctionsService(engine)):
            sfn.create_state_machine(name="ours", definition=json.dumps(WAIT), roleArn=ROLE)
            assert [m["name"] for m in sfn.list_state_machines()["stateMachines"]] == ["ours"]
        # moto's own Step Functions never saw the machine.
        assert sfn.list_state_machines()["stateMachines"] == []
        # ...and other services keep going to moto while the adapter is active.
        with serve_boto3(StepFunctionsService(engine)):
            client("s3").create_bucket(Bucket="still-moto")
        assert "still-moto" in [b["Name"] for b in client("s3").list_buckets()["Buckets"]]


def test_a_lambda_handler_can_answer_its_task_token_through_boto3(engine: Engine) -> None:
    """The handler runs while the engine's clock runs: the adapter must not try to drive it."""

    def approve(event: dict[str, Any], context: Any) -> None:
        sfn_client().send_task_success(taskToken=event["token"], output=json.dumps({"approved": True}))

    with Engine(functions={"approve": approve}) as engine_with_lambda, serve_boto3(
        StepFunctionsService(engine_with_lambda)
    ):
        definition = {
            "StartAt": "Ask",
            "States": {"Ask": {
                "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                "Parameters": {"FunctionName": "approve", "Payload": {"token.$": "$$.Task.Token"}}, "End": True,
            }},
        }
        sfn = sfn_client()
        arn = sfn.create_state_machine(name="cb", definition=json.dumps(definition), roleArn=ROLE)["stateMachineArn"]
        execution = sfn.start_execution(stateMachineArn=arn)["executionArn"]
        described = sfn.describe_execution(executionArn=execution)
    assert (described["status"], json.loads(described["output"])) == ("SUCCEEDED", {"approved": True})


def test_attach_client_serves_one_client_without_a_context(engine: Engine) -> None:
    service = StepFunctionsService(engine)
    attached: Any = attach_client(sfn_client(), service)
    attached.create_state_machine(name="attached", definition=json.dumps(WAIT), roleArn=ROLE)
    assert [m.name for m in engine.state_machines.values()] == ["attached"]
