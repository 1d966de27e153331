"""`aws-sdk:<service>:<action>`: PascalCase parameters and results, `<Service>.<Exception>` errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sluice.asl import Engine
from sluice.asl.engine import EXPRESS
from sluice.asl.integrations import ServiceIntegrations
from sluice.asl.integrations.errors import sdk_service_prefix
from sluice.asl.integrations.sdk import boto_service_name
from tests.asl.integrations.support import task

AwsClients = Callable[[str], Any]


@pytest.fixture(scope="module")
def bucket(aws: AwsClients) -> str:
    aws("s3").create_bucket(Bucket="sdk-bucket")
    return "sdk-bucket"


def test_s3_put_and_get_object_return_pascal_case_results_with_text_bodies(
    make_engine: Callable[..., Engine], bucket: str
) -> None:
    definition = {
        "StartAt": "Put",
        "States": {
            "Put": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:putObject", "ResultPath": "$.put",
                    "Parameters": {"Bucket": bucket, "Key": "doc.json", "Body": {"a": 1}}, "Next": "Get"},
            "Get": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:getObject", "ResultPath": "$.get",
                    "Parameters": {"Bucket": bucket, "Key": "doc.json"}, "Next": "List"},
            "List": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:listObjectsV2", "ResultPath": "$.list",
                     "Parameters": {"Bucket": bucket}, "End": True},
        },
    }
    execution = make_engine().run(definition, {})
    assert execution.status == "SUCCEEDED", execution.cause
    assert "ETag" in execution.output["put"]
    got = execution.output["get"]
    assert got["Body"] == '{"a":1}'
    assert got["ContentLength"] == 7
    assert "ResponseMetadata" not in got
    listed = execution.output["list"]["Contents"][0]
    assert listed["Key"] == "doc.json"
    # Timestamps come back as ISO-8601 text, the way Step Functions prints SDK results.
    assert listed["LastModified"].endswith("Z") and listed["LastModified"][4] == "-"
    scheduled = next(e for e in execution.history if e["type"] == "TaskScheduled")["taskScheduledEventDetails"]
    assert (scheduled["resourceType"], scheduled["resource"]) == ("aws-sdk:s3", "putObject")


def test_sdk_errors_end_in_exception_and_name_the_service(make_engine: Callable[..., Engine], bucket: str) -> None:
    engine = make_engine()
    missing = engine.run(task("aws-sdk:s3:getObject", {"Bucket": bucket, "Key": "absent"}), {})
    assert missing.error == "S3.NoSuchKeyException"
    assert str(missing.cause).startswith("The specified key does not exist. (Service: S3, Status Code: 404, ")
    table = engine.run(task("aws-sdk:dynamodb:describeTable", {"TableName": "none"}), {})
    assert table.error == "DynamoDb.ResourceNotFoundException"
    bad_parameter = engine.run(task("aws-sdk:s3:getObject", {"Bucket": bucket, "Nonsense": 1}), {})
    assert bad_parameter.error == "S3.S3Exception"
    assert "Unknown parameter in input" in str(bad_parameter.cause)


def test_camel_case_apis_take_pascal_case_parameters(make_engine: Callable[..., Engine], aws: AwsClients) -> None:
    queue = aws("sqs").create_queue(QueueName="sdk-queue")["QueueUrl"]
    execution = make_engine().run(
        task("aws-sdk:sqs:getQueueAttributes", {"QueueUrl": queue, "AttributeNames": ["QueueArn"]}), {})
    assert execution.output["Attributes"]["QueueArn"].endswith(":sdk-queue")


def test_aws_sdk_sfn_calls_reach_this_engine(make_engine: Callable[..., Engine]) -> None:
    engine = make_engine()
    child = engine.create_state_machine("Child", {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    definition = {
        "StartAt": "Start",
        "States": {
            "Start": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sfn:startExecution",
                      "Parameters": {"StateMachineArn": child.arn, "Name": "kid", "Input": {"n": 1}},
                      "ResultPath": "$.started", "Next": "List"},
            "List": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sfn:listStateMachines",
                     "Parameters": {}, "ResultPath": "$.machines", "End": True},
        },
    }
    execution = engine.run(definition, {})
    assert execution.status == "SUCCEEDED", execution.cause
    started = execution.output["started"]
    assert started["ExecutionArn"] == f"{child.arn.replace(':stateMachine:', ':execution:')}:kid"
    assert started["StartDate"].endswith("Z")
    assert [m["Name"] for m in execution.output["machines"]["StateMachines"]] == ["Child", "LocalStateMachine"]
    engine.run_until_idle()
    assert child.executions["kid"].output == {"n": 1}


def test_start_sync_execution_waits_even_from_inside_the_clock(make_engine: Callable[..., Engine]) -> None:
    # A caller the clock is running (here an SDK integration; in the local stack a Lambda handler) blocks
    # until the Express run ends, as StartSyncExecution does on AWS; virtual time still passes.
    engine = make_engine()
    child = engine.create_state_machine(
        "Fast", {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 7, "End": True}}}, type=EXPRESS
    )
    execution = engine.run(task("aws-sdk:sfn:startSyncExecution", {"StateMachineArn": child.arn, "Input": "{}"}), {})
    assert execution.status == "SUCCEEDED", execution.cause
    assert execution.output["Status"] == "SUCCEEDED"
    assert execution.duration_seconds == 7


def test_unknown_services_and_actions_are_runtime_errors(make_engine: Callable[..., Engine]) -> None:
    engine = make_engine()
    assert engine.run(task("aws-sdk:nosuchservice:doThing", {}), {}).error == "States.Runtime"
    unknown_action = engine.run(task("aws-sdk:s3:teleportObject", {}), {})
    assert (unknown_action.error, unknown_action.cause) == (
        "States.Runtime", "The AWS SDK integration for 's3' has no action 'teleportObject'")


@pytest.mark.parametrize(
    ("service_id", "prefix"),
    [("S3", "S3"), ("DynamoDB", "DynamoDb"), ("SFN", "Sfn"), ("ACM PCA", "AcmPca"), ("EC2", "Ec2"),
     ("Secrets Manager", "SecretsManager"), ("CloudWatch Logs", "CloudWatchLogs"), ("EventBridge", "EventBridge")],
)
def test_sdk_error_prefixes_follow_the_java_client_names(service_id: str, prefix: str) -> None:
    assert sdk_service_prefix(service_id) == prefix


@pytest.mark.parametrize(
    ("name", "boto_name"),
    [("s3", "s3"), ("sfn", "stepfunctions"), ("eventbridge", "events"), ("cloudwatchlogs", "logs"),
     ("acmpca", "acm-pca"), ("secretsmanager", "secretsmanager")],
)
def test_step_functions_service_names_map_to_boto3(name: str, boto_name: str) -> None:
    assert boto_service_name(name) == boto_name


def test_clients_come_from_the_injected_factory() -> None:
    """The local stack passes its own factory; nothing else is asked for a client."""

    class Recorder:
        def __init__(self) -> None:
            self.asked: list[str] = []

        def client(self, service_name: str) -> Any:
            self.asked.append(service_name)
            raise ConnectionError("no network in this test")

    recorder = Recorder()
    with Engine(integrations=ServiceIntegrations(recorder)) as engine:
        execution = engine.run(task("aws-sdk:secretsmanager:getSecretValue", {"SecretId": "s"}), {})
    assert recorder.asked == ["secretsmanager"]
    assert (execution.error, execution.cause) == ("States.TaskFailed", "ConnectionError: no network in this test")


def test_null_members_are_absent_at_any_depth_as_step_functions_builds_sdk_requests(
    make_engine: Callable[..., Engine], bucket: str, aws: AwsClients
) -> None:
    # Step Functions builds the Java SDK v2 request from the JSON, where a null member is an unset
    # one, so a first page's `"Marker": null` lists from the start (boto3 itself rejects None).
    aws("s3").put_object(Bucket=bucket, Key="paged.txt", Body=b"x")
    first_page = make_engine().run(task("aws-sdk:s3:listObjects", {"Bucket": bucket, "Marker": None}), {})
    assert first_page.status == "SUCCEEDED", first_page.cause
    assert "paged.txt" in [item["Key"] for item in first_page.output["Contents"]]
    queue = aws("sqs").create_queue(QueueName="sdk-null-queue")["QueueUrl"]
    nested = make_engine().run(task("aws-sdk:sqs:sendMessage", {
        "QueueUrl": queue, "MessageBody": "b", "DelaySeconds": None,
        "MessageAttributes": {"kind": {"DataType": "String", "StringValue": "k", "BinaryValue": None}},
    }), {})
    assert nested.status == "SUCCEEDED", nested.cause
    received = aws("sqs").receive_message(QueueUrl=queue, MessageAttributeNames=["All"])["Messages"][0]
    assert received["MessageAttributes"]["kind"] == {"StringValue": "k", "DataType": "String"}


def test_nulls_that_are_data_still_reach_validation(make_engine: Callable[..., Engine], bucket: str) -> None:
    # Only members of modelled structures are dropped; a null list element is not an absent member.
    execution = make_engine().run(task("aws-sdk:s3:deleteObjects", {
        "Bucket": bucket, "Delete": {"Objects": [None]}}), {})
    assert execution.error == "S3.S3Exception"
    assert "Invalid type for parameter Delete.Objects[0]" in str(execution.cause)
