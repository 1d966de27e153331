"""EventBridge Pipes created at run time through the `pipes` API, on a template that declares only
the queues, stream and functions (as public SAM examples that create their pipes with the SDK or
the CLI are written), and once through `sluice up`.

AWS behaviour under test, from the EventBridge Pipes API reference (CreatePipe, DescribePipe,
ListPipes, UpdatePipe, StartPipe, StopPipe, DeletePipe: answers' `CurrentState`, `DesiredState`,
the errors `NotFoundException`, `ConflictException`, `ValidationException`), "Starting or stopping
an Amazon EventBridge pipe" (`DesiredState: STOPPED` creates a pipe that does not poll), and
"Amazon EventBridge Pipes filtering" (filtered-out SQS messages are deleted).
"""

from __future__ import annotations

import base64
import json
import signal
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from sluice.local.stack import LocalStack
from tests.local.templates import function, kinesis_stream, sam_template, service_role
from tests.local.test_cli_up import start_up, stop
from tests.runtime.moto_stack import ROOT

TEMPLATE = sam_template("Pipes created at run time", Runtime="python3.13", CodeUri="src/") + service_role(
    "PipeRole", "pipes.amazonaws.com") + """
  OrdersQueue:
    Type: AWS::SQS::Queue
""" + function("OrdersFunction", handler="app.handle") + function("AuditFunction", handler="app.handle") \
    + kinesis_stream("ClicksStream")

HANDLERS = """
def handle(event, context):
    return None
"""


@pytest.fixture
def stack(start_stack: Callable[..., LocalStack]) -> LocalStack:
    return start_stack(TEMPLATE, {"src/app.py": HANDLERS})


def create(stack: LocalStack, name: str, target: str = "OrdersFunction", **extra: Any) -> dict[str, Any]:
    request = {"Name": name, "RoleArn": stack.arn("PipeRole"), "Source": stack.arn("OrdersQueue"),
               "Target": stack.arn(target)} | extra
    answer: dict[str, Any] = stack.client("pipes").create_pipe(**request)
    return answer


def bodies(stack: LocalStack, function: str) -> list[Any]:
    return [json.loads(record["body"]) for invocation in stack.invocations(function) for record in invocation.event]


NEW_ONLY = {"FilterCriteria": {"Filters": [{"Pattern": json.dumps({"body": {"type": ["NEW"]}})}]}}


def test_a_pipe_created_at_run_time_filters_and_delivers_the_batch(stack: LocalStack) -> None:
    answer = create(stack, "orders", SourceParameters=NEW_ONLY)
    assert (answer["Arn"], answer["CurrentState"], answer["DesiredState"]) == \
        ("arn:aws:pipes:us-east-1:123456789012:pipe/orders", "CREATING", "RUNNING")
    assert stack.client("pipes").describe_pipe(Name="orders")["CurrentState"] == "RUNNING"
    stack.send_message("OrdersQueue", {"type": "NEW", "id": 1})
    stack.send_message("OrdersQueue", {"type": "OLD", "id": 2})
    stack.run_until_idle()
    assert bodies(stack, "OrdersFunction") == [{"type": "NEW", "id": 1}]
    [invocation] = stack.invocations("OrdersFunction")
    assert invocation.event[0]["eventSource"] == "aws:sqs"
    assert stack.messages("OrdersQueue") == []  # the filtered-out message is deleted too


def test_messages_already_in_the_queue_reach_a_new_pipe(stack: LocalStack) -> None:
    stack.send_message("OrdersQueue", {"type": "NEW", "id": 0})
    create(stack, "orders")
    stack.run_until_idle()
    assert bodies(stack, "OrdersFunction") == [{"type": "NEW", "id": 0}]


def test_a_stopped_pipe_leaves_messages_in_the_queue_until_it_starts(stack: LocalStack) -> None:
    pipes = stack.client("pipes")
    create(stack, "orders")
    stopped = pipes.stop_pipe(Name="orders")
    assert (stopped["CurrentState"], stopped["DesiredState"]) == ("STOPPING", "STOPPED")
    assert pipes.describe_pipe(Name="orders")["CurrentState"] == "STOPPED"
    stack.send_message("OrdersQueue", {"id": 1})
    stack.run_until_idle()
    assert stack.invocations("OrdersFunction") == []
    assert [message.body for message in stack.messages("OrdersQueue")] == ['{"id": 1}']
    started = pipes.start_pipe(Name="orders")
    assert (started["CurrentState"], started["DesiredState"]) == ("STARTING", "RUNNING")
    stack.run_until_idle()
    assert bodies(stack, "OrdersFunction") == [{"id": 1}]
    assert pipes.describe_pipe(Name="orders")["CurrentState"] == "RUNNING"


def test_a_pipe_created_stopped_does_not_poll(stack: LocalStack) -> None:
    assert create(stack, "orders", DesiredState="STOPPED")["CurrentState"] == "CREATING"
    stack.send_message("OrdersQueue", {"id": 1})
    stack.run_until_idle()
    assert stack.invocations("OrdersFunction") == []
    assert stack.client("pipes").describe_pipe(Name="orders")["CurrentState"] == "STOPPED"


def test_an_update_sends_later_batches_to_the_new_target_through_the_new_filter(stack: LocalStack) -> None:
    pipes = stack.client("pipes")
    create(stack, "orders", SourceParameters={"SqsQueueParameters": {"BatchSize": 5}})
    stack.send_message("OrdersQueue", {"type": "NEW", "id": 1})
    stack.run_until_idle()
    updated = pipes.update_pipe(Name="orders", RoleArn=stack.arn("PipeRole"), Target=stack.arn("AuditFunction"),
                                SourceParameters=NEW_ONLY)
    assert updated["CurrentState"] == "UPDATING"
    stack.send_message("OrdersQueue", {"type": "OLD", "id": 2})
    stack.send_message("OrdersQueue", {"type": "NEW", "id": 3})
    stack.run_until_idle()
    assert bodies(stack, "OrdersFunction") == [{"type": "NEW", "id": 1}]
    assert bodies(stack, "AuditFunction") == [{"type": "NEW", "id": 3}]
    described = pipes.describe_pipe(Name="orders")
    assert described["Target"] == stack.arn("AuditFunction") and described["CurrentState"] == "RUNNING"
    # Only the objects named are replaced: the batch size given at creation stays.
    assert described["SourceParameters"]["SqsQueueParameters"] == {"BatchSize": 5}
    assert described["SourceParameters"]["FilterCriteria"] == NEW_ONLY["FilterCriteria"]


def test_a_deleted_pipe_stops_and_is_gone(stack: LocalStack) -> None:
    pipes = stack.client("pipes")
    create(stack, "orders")
    stack.send_message("OrdersQueue", {"id": 1})
    stack.run_until_idle()
    deleted = pipes.delete_pipe(Name="orders")
    assert (deleted["CurrentState"], deleted["DesiredState"]) == ("DELETING", "DELETED")
    stack.send_message("OrdersQueue", {"id": 2})
    stack.run_until_idle()
    assert bodies(stack, "OrdersFunction") == [{"id": 1}]
    assert [message.body for message in stack.messages("OrdersQueue")] == ['{"id": 2}']
    with pytest.raises(ClientError) as raised:
        pipes.describe_pipe(Name="orders")
    assert raised.value.response["Error"]["Code"] == "NotFoundException"
    assert pipes.list_pipes()["Pipes"] == []


def test_describe_and_list_show_the_definitions_and_states(stack: LocalStack) -> None:
    pipes = stack.client("pipes")
    create(stack, "orders-a", Description="first", Tags={"team": "orders"}, SourceParameters=NEW_ONLY)
    create(stack, "orders-b", target="AuditFunction", DesiredState="STOPPED")
    described = pipes.describe_pipe(Name="orders-a")
    assert {key: described[key] for key in ("Name", "Description", "DesiredState", "CurrentState", "Source",
                                            "Target", "RoleArn", "Tags", "SourceParameters")} == {
        "Name": "orders-a", "Description": "first", "DesiredState": "RUNNING", "CurrentState": "RUNNING",
        "Source": stack.arn("OrdersQueue"), "Target": stack.arn("OrdersFunction"), "RoleArn": stack.arn("PipeRole"),
        "Tags": {"team": "orders"}, "SourceParameters": NEW_ONLY}
    assert described["CreationTime"] == described["LastModifiedTime"]

    def names(**filters: Any) -> list[str]:
        return [pipe["Name"] for pipe in pipes.list_pipes(**filters)["Pipes"]]

    assert names() == ["orders-a", "orders-b"]
    assert names(NamePrefix="orders-b") == ["orders-b"]
    assert names(CurrentState="STOPPED") == names(DesiredState="STOPPED") == ["orders-b"]
    assert names(TargetPrefix=stack.arn("AuditFunction")) == ["orders-b"]
    assert names(SourcePrefix="arn:aws:kinesis:") == []
    first = pipes.list_pipes(Limit=1)
    assert [pipe["Name"] for pipe in first["Pipes"]] == ["orders-a"]
    assert names(Limit=1, NextToken=first["NextToken"]) == ["orders-b"]
    assert pipes.list_tags_for_resource(resourceArn=described["Arn"])["tags"] == {"team": "orders"}
    with pytest.raises(pipes.exceptions.ValidationException):
        pipes.list_pipes(Limit=101)


def test_a_template_pipe_is_stopped_and_started_through_the_api_like_any(
        start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(TEMPLATE + """\
  OrdersPipe:
    Type: AWS::Pipes::Pipe
    Properties:
      RoleArn: !GetAtt PipeRole.Arn
      Source: !GetAtt OrdersQueue.Arn
      Target: !GetAtt OrdersFunction.Arn
""", {"src/app.py": HANDLERS})
    pipes = stack.client("pipes")
    name = stack.name("OrdersPipe")
    assert [pipe["CurrentState"] for pipe in pipes.list_pipes()["Pipes"]] == ["RUNNING"]
    pipes.stop_pipe(Name=name)
    stack.send_message("OrdersQueue", {"id": 1})
    stack.run_until_idle()
    assert stack.invocations("OrdersFunction") == []
    pipes.start_pipe(Name=name)
    stack.run_until_idle()
    assert bodies(stack, "OrdersFunction") == [{"id": 1}]


@pytest.mark.parametrize("call", ["describe_pipe", "start_pipe", "stop_pipe", "delete_pipe"])
def test_a_missing_pipe_is_not_found(stack: LocalStack, call: str) -> None:
    with pytest.raises(ClientError) as raised:
        getattr(stack.client("pipes"), call)(Name="nope")
    assert raised.value.response["Error"] == {"Code": "NotFoundException", "Message": "Pipe nope does not exist."}
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_a_taken_name_is_a_conflict(stack: LocalStack) -> None:
    create(stack, "orders")
    with pytest.raises(stack.client("pipes").exceptions.ConflictException) as raised:
        create(stack, "orders", target="AuditFunction")
    assert raised.value.response["Error"]["Message"] == "Pipe orders already exists."
    assert stack.client("pipes").describe_pipe(Name="orders")["Target"] == stack.arn("OrdersFunction")


def test_an_arn_that_is_no_arn_and_a_definition_aws_refuses_are_validation_errors(stack: LocalStack) -> None:
    pipes = stack.client("pipes")
    with pytest.raises(pipes.exceptions.ValidationException) as raised:
        create(stack, "orders", Source="orders-queue")
    assert raised.value.response["Error"]["Message"].startswith(
        "1 validation error detected: Value 'orders-queue' at 'source' failed to satisfy constraint: Member must "
        "satisfy regular expression pattern: ")
    with pytest.raises(pipes.exceptions.ValidationException) as raised:
        create(stack, "x" * 65)
    assert "at 'name' failed to satisfy constraint: Member must have length less than or equal to 64" in \
        raised.value.response["Error"]["Message"]
    with pytest.raises(pipes.exceptions.ValidationException) as raised:
        create(stack, "clicks", Source=stack.arn("ClicksStream"))
    assert "KinesisStreamParameters (StartingPosition is required)" in raised.value.response["Error"]["Message"]
    assert pipes.list_pipes()["Pipes"] == []


def test_a_pipe_whose_source_is_not_in_the_stack_fails_to_create_with_its_reason(stack: LocalStack) -> None:
    create(stack, "ghost", Source="arn:aws:sqs:us-east-1:123456789012:no-such-queue")
    described = stack.client("pipes").describe_pipe(Name="ghost")
    assert described["CurrentState"] == "CREATE_FAILED"
    assert "no-such-queue" in described["StateReason"]
    assert any("ghost" in failure for failure in stack.world.deliverer.failures)


def test_a_kinesis_pipe_created_at_run_time_resumes_where_it_stopped(stack: LocalStack) -> None:
    pipes = stack.client("pipes")
    stack.put_record("ClicksStream", {"page": 1}, partition_key="v")
    create(stack, "clicks", Source=stack.arn("ClicksStream"),
           SourceParameters={"KinesisStreamParameters": {"StartingPosition": "TRIM_HORIZON", "BatchSize": 10}})
    stack.run_until_idle()
    pipes.stop_pipe(Name="clicks")
    stack.put_record("ClicksStream", {"page": 2}, partition_key="v")
    stack.run_until_idle()
    assert len(stack.invocations("OrdersFunction")) == 1
    pipes.update_pipe(Name="clicks", RoleArn=stack.arn("PipeRole"),
                      SourceParameters={"KinesisStreamParameters": {"BatchSize": 5}})
    assert pipes.describe_pipe(Name="clicks")["SourceParameters"]["KinesisStreamParameters"] == {
        "StartingPosition": "TRIM_HORIZON", "BatchSize": 5}  # StartingPosition cannot change
    pipes.start_pipe(Name="clicks")
    stack.run_until_idle()
    pages = [[json.loads(base64.b64decode(record["data"]))["page"] for record in invocation.event]
             for invocation in stack.invocations("OrdersFunction")]
    assert pages == [[1], [2]]  # nothing twice, nothing lost while stopped


def test_a_pipe_is_created_and_described_through_sluice_up() -> None:
    up = start_up("--template", str(ROOT / "template.yaml"), "--seed", "3")
    try:
        pipes = up.client("pipes")
        queue = up.client("sqs").create_queue(QueueName="up-orders")["QueueUrl"]
        source = up.client("sqs").get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])
        request = {"Name": "up-orders", "RoleArn": "arn:aws:iam::123456789012:role/pipes",
                   "Source": source["Attributes"]["QueueArn"],
                   "Target": "arn:aws:sqs:us-east-1:123456789012:up-orders-copy", "DesiredState": "STOPPED"}
        assert pipes.create_pipe(**request)["CurrentState"] == "CREATING"
        assert pipes.describe_pipe(Name="up-orders")["CurrentState"] == "STOPPED"
        with pytest.raises(pipes.exceptions.ConflictException):
            pipes.create_pipe(**request)
    finally:
        code, err = stop(up, signal.SIGTERM)
    assert code == 0, err
