"""Optimized integrations (DynamoDB, SQS, SNS, EventBridge) on moto, with AWS's result shapes."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from sluice.asl import Engine
from tests.asl.integrations.support import events_of, task

AwsClients = Callable[[str], Any]
METADATA_KEYS = {"SdkHttpMetadata", "SdkResponseMetadata"}


@pytest.fixture(scope="module")
def table(aws: AwsClients) -> str:
    aws("dynamodb").create_table(
        TableName="orders", BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
    )
    return "orders"


@pytest.fixture(scope="module")
def queue(aws: AwsClients) -> tuple[str, str]:
    sqs = aws("sqs")
    url = sqs.create_queue(QueueName="work")["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def received(aws: AwsClients, url: str) -> list[str]:
    messages = aws("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    for message in messages:
        aws("sqs").delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return [message["Body"] for message in messages]


# -- DynamoDB ------------------------------------------------------------------------------


def test_dynamodb_put_get_update_delete_return_the_api_response_with_http_metadata(
    make_engine: Callable[..., Engine], table: str
) -> None:
    key = {"id": {"S": "o-1"}}
    definition = {
        "StartAt": "Put",
        "States": {
            "Put": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem", "ResultPath": "$.put",
                    "Parameters": {"TableName": table, "Item": {"id": {"S": "o-1"}, "amount": {"N": "5"}}},
                    "Next": "Update"},
            "Update": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:updateItem", "ResultPath": "$.update",
                       "Parameters": {"TableName": table, "Key": key, "UpdateExpression": "SET amount = :t",
                                      "ExpressionAttributeValues": {":t": {"N": "7"}},
                                      "ReturnValues": "UPDATED_NEW"},
                       "Next": "Get"},
            "Get": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem", "ResultPath": "$.get",
                    "Parameters": {"TableName": table, "Key": key}, "Next": "Delete"},
            "Delete": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:deleteItem", "ResultPath": "$.delete",
                       "Parameters": {"TableName": table, "Key": key, "ReturnValues": "ALL_OLD"}, "End": True},
        },
    }
    execution = make_engine().run(definition, {})
    assert execution.status == "SUCCEEDED", execution.cause
    output = execution.output
    assert set(output["put"]) == METADATA_KEYS  # putItem returns nothing but the metadata
    assert output["update"]["Attributes"] == {"amount": {"N": "7"}}
    assert output["get"]["Item"] == {"id": {"S": "o-1"}, "amount": {"N": "7"}}
    assert output["delete"]["Attributes"]["amount"] == {"N": "7"}
    metadata = output["get"]["SdkHttpMetadata"]
    assert metadata["HttpStatusCode"] == 200
    assert metadata["HttpHeaders"]["Content-Type"] == "application/x-amz-json-1.0"
    assert metadata["AllHttpHeaders"]["Content-Type"] == ["application/x-amz-json-1.0"]
    assert output["get"]["SdkResponseMetadata"]["RequestId"] == metadata["HttpHeaders"]["x-amzn-RequestId"]
    scheduled = events_of(execution, "TaskScheduled")[0]["taskScheduledEventDetails"]
    assert (scheduled["resourceType"], scheduled["resource"]) == ("dynamodb", "putItem")


def test_dynamodb_errors_are_named_after_the_service_exception(
    make_engine: Callable[..., Engine], table: str
) -> None:
    conditional = task("dynamodb:putItem", {"TableName": table, "Item": {"id": {"S": "dup"}},
                                            "ConditionExpression": "attribute_not_exists(id)"})
    engine = make_engine()
    assert engine.run(conditional, {}).status == "SUCCEEDED"
    execution = engine.run(conditional, {})
    assert execution.error == "DynamoDB.ConditionalCheckFailedException"
    assert execution.cause is not None
    assert execution.cause.startswith("The conditional request failed (Service: AmazonDynamoDBv2; Status Code: 400; ")
    assert execution.cause.endswith("; Proxy: null)")
    missing = engine.run(task("dynamodb:getItem", {"TableName": "nope", "Key": {"id": {"S": "x"}}}), {})
    assert missing.error == "DynamoDB.ResourceNotFoundException"


def test_dynamodb_errors_can_be_caught_by_name(make_engine: Callable[..., Engine], table: str) -> None:
    definition = task("dynamodb:putItem", {"TableName": "missing-table", "Item": {"id": {"S": "x"}}},
                      Catch=[{"ErrorEquals": ["DynamoDB.ResourceNotFoundException"], "Next": "Handled"}])
    definition["States"]["Handled"] = {"Type": "Pass", "End": True}
    execution = make_engine().run(definition, {})
    assert execution.status == "SUCCEEDED"
    assert execution.output["Error"] == "DynamoDB.ResourceNotFoundException"


# -- SQS -----------------------------------------------------------------------------------


def test_sqs_send_message_sends_objects_as_json_text(
    make_engine: Callable[..., Engine], queue: tuple[str, str], aws: AwsClients
) -> None:
    url, _ = queue
    execution = make_engine().run(task("sqs:sendMessage", {"QueueUrl": url, "MessageBody": {"order": 1}}), {})
    assert execution.status == "SUCCEEDED", execution.cause
    assert set(execution.output) == {"MD5OfMessageBody", "MessageId"} | METADATA_KEYS
    assert received(aws, url) == ['{"order":1}']


def test_sqs_send_message_to_a_missing_queue_fails_with_an_sqs_error(make_engine: Callable[..., Engine]) -> None:
    missing = "https://sqs.us-east-1.amazonaws.com/123456789012/nowhere"
    execution = make_engine().run(task("sqs:sendMessage", {"QueueUrl": missing, "MessageBody": "x"}), {})
    assert execution.error == "SQS.QueueDoesNotExistException"
    assert "(Service: AmazonSQS; Status Code: 400;" in str(execution.cause)


def test_sqs_wait_for_task_token_waits_for_the_worker_that_reads_the_message(
    make_engine: Callable[..., Engine], queue: tuple[str, str], aws: AwsClients
) -> None:
    url, _ = queue
    engine = make_engine()
    definition = task("sqs:sendMessage.waitForTaskToken",
                      {"QueueUrl": url, "MessageBody": {"job.$": "$.job", "token.$": "$$.Task.Token"}})
    machine = engine.create_state_machine("callback", definition)
    execution = engine.start_execution(machine, {"job": 9})
    engine.run_until_idle()
    assert execution.status == "RUNNING"
    message = json.loads(received(aws, url)[0])
    assert message["job"] == 9
    engine.task_tokens.succeed(message["token"], {"done": 9})
    engine.run_until_idle()
    assert (execution.status, execution.output) == ("SUCCEEDED", {"done": 9})
    submitted = events_of(execution, "TaskSubmitted")[0]["taskSubmittedEventDetails"]
    assert submitted["resource"] == "sendMessage.waitForTaskToken"
    assert "MessageId" in json.loads(submitted["output"])


# -- SNS -----------------------------------------------------------------------------------


def test_sns_publish_delivers_objects_as_json_text(
    make_engine: Callable[..., Engine], queue: tuple[str, str], aws: AwsClients
) -> None:
    url, queue_arn = queue
    topic = aws("sns").create_topic(Name="notices")["TopicArn"]
    aws("sns").subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn,
                         Attributes={"RawMessageDelivery": "true"})
    execution = make_engine().run(task("sns:publish", {"TopicArn": topic, "Message": {"hello": "world"}}), {})
    assert execution.status == "SUCCEEDED", execution.cause
    assert set(execution.output) == {"MessageId"} | METADATA_KEYS
    assert received(aws, url) == ['{"hello":"world"}']


def test_sns_publish_to_a_missing_topic(make_engine: Callable[..., Engine]) -> None:
    missing = "arn:aws:sns:us-east-1:123456789012:nothing"
    execution = make_engine().run(task("sns:publish", {"TopicArn": missing, "Message": "x"}), {})
    assert execution.error == "SNS.NotFoundException"
    assert "(Service: AmazonSNS;" in str(execution.cause)


# -- EventBridge ---------------------------------------------------------------------------


def test_events_put_events_appends_the_execution_to_resources(
    make_engine: Callable[..., Engine], queue: tuple[str, str], aws: AwsClients
) -> None:
    url, queue_arn = queue
    events = aws("events")
    events.put_rule(Name="orders", EventPattern=json.dumps({"source": ["shop.orders"]}))
    events.put_targets(Rule="orders", Targets=[{"Id": "queue", "Arn": queue_arn}])
    definition = task("events:putEvents", {"Entries": [
        {"Source": "shop.orders", "DetailType": "OrderPlaced", "Detail": {"id": 3}, "Resources": ["order/3"]},
    ]})
    engine = make_engine()
    execution = engine.run(definition, {})
    assert execution.status == "SUCCEEDED", execution.cause
    assert execution.output["FailedEntryCount"] == 0
    assert set(execution.output) == {"Entries", "FailedEntryCount"}  # no HTTP metadata for EventBridge
    delivered = json.loads(received(aws, url)[0])
    assert delivered["detail"] == {"id": 3}
    machine_arn = execution.state_machine_arn
    assert delivered["resources"] == ["order/3", machine_arn, execution.arn]


def test_events_put_events_with_a_failed_entry_fails_with_event_bridge_failed_entry(
    make_engine: Callable[..., Engine], aws: AwsClients
) -> None:
    definition = task("events:putEvents", {"Entries": [{"DetailType": "NoSource", "Detail": {}}]})
    execution = make_engine().run(definition, {})
    assert execution.error == "EventBridge.FailedEntry"
    cause = json.loads(str(execution.cause))
    assert cause["FailedEntryCount"] == 1
    assert cause["Entries"][0]["ErrorCode"] == "InvalidArgument"


# -- patterns ------------------------------------------------------------------------------


def test_unsupported_patterns_are_runtime_errors(make_engine: Callable[..., Engine], table: str) -> None:
    execution = make_engine().run(task("dynamodb:getItem.waitForTaskToken", {"TableName": table, "Key": {}}), {})
    assert execution.error == "States.Runtime"
    assert "does not support the .waitForTaskToken integration pattern" in str(execution.cause)
    unknown = make_engine().run(task("kinesis:putRecord", {}), {})
    assert (unknown.error, unknown.cause) == (
        "States.Runtime", "sluice has no local integration for 'arn:aws:states:::kinesis:putRecord'")
