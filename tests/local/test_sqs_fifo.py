"""sluice's own SQS semantics on the local stack (`sluice.local.sqs`), against a template written
the way public SAM examples are: FIFO queues with a dead-letter queue, consumed by Lambda.

AWS behaviour under test: "Amazon SQS FIFO queue delivery logic" (group order, a group blocked
while a message of it is in flight), "Using the message deduplication ID" (five-minute interval,
`ContentBasedDeduplication`), "high throughput for FIFO queues" (`DeduplicationScope:
messageGroup`), "Using dead-letter queues" (`maxReceiveCount`) and "Using Lambda with Amazon SQS".
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from sluice.local.stack import LocalStack

Writer = Callable[..., Path]
MIDNIGHT = 1717200000.0

TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Description: Orders processed in order per customer (SQS FIFO -> Lambda)

Globals:
  Function:
    Runtime: python3.13
    Timeout: 10

Resources:
  OrdersDeadLetterQueue:
    Type: AWS::SQS::Queue
    Properties:
      FifoQueue: true

  OrdersQueue:
    Type: AWS::SQS::Queue
    Properties:
      FifoQueue: true
      ContentBasedDeduplication: true
      VisibilityTimeout: 30
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt OrdersDeadLetterQueue.Arn
        maxReceiveCount: 2

  PerGroupQueue:
    Type: AWS::SQS::Queue
    Properties:
      FifoQueue: true
      ContentBasedDeduplication: true
      DeduplicationScope: messageGroup
      FifoThroughputLimit: perMessageGroupId

  JobsDeadLetterQueue:
    Type: AWS::SQS::Queue

  ReportingQueue:
    Type: AWS::SQS::Queue
    Properties:
      FifoQueue: true
      ContentBasedDeduplication: true

  ReportingFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.report_failures
      Events:
        Reporting:
          Type: SQS
          Properties:
            Queue: !GetAtt ReportingQueue.Arn
            FunctionResponseTypes: [ReportBatchItemFailures]

  ManualQueue:
    Type: AWS::SQS::Queue
    Properties:
      FifoQueue: true
      ContentBasedDeduplication: true
      VisibilityTimeout: 30

  JobsQueue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 20
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt JobsDeadLetterQueue.Arn
        maxReceiveCount: 1

  ProcessOrderFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.lambda_handler
      Events:
        Orders:
          Type: SQS
          Properties:
            Queue: !GetAtt OrdersQueue.Arn
            BatchSize: {batch_size}
        PerGroup:
          Type: SQS
          Properties:
            Queue: !GetAtt PerGroupQueue.Arn
        Jobs:
          Type: SQS
          Properties:
            Queue: !GetAtt JobsQueue.Arn
"""

HANDLER = '''\
import json


def lambda_handler(event, context):
    for record in event["Records"]:
        order = json.loads(record["body"])
        # A message fails while it has been received no more than `fail` times.
        if order.get("fail", 0) >= int(record["attributes"]["ApproximateReceiveCount"]):
            raise RuntimeError(f"order {order['id']} failed")
    return {}


def report_failures(event, context):
    # Reports only the messages that fail, not those after them in their group.
    failed = [record["messageId"] for record in event["Records"]
              if json.loads(record["body"]).get("fail", 0) >= int(record["attributes"]["ApproximateReceiveCount"])]
    return {"batchItemFailures": [{"itemIdentifier": identifier} for identifier in failed]}
'''


@pytest.fixture
def open_stack(write_template: Writer) -> Iterator[Callable[..., LocalStack]]:
    stacks: list[LocalStack] = []

    def open_with(batch_size: int = 10) -> LocalStack:
        path = write_template(TEMPLATE.replace("{batch_size}", str(batch_size)), {"src/app.py": HANDLER})
        stack = LocalStack.from_template(path, use_config=False, start_time=MIDNIGHT).start()
        stacks.append(stack)
        return stack

    yield open_with
    for stack in stacks:
        stack.close()


def send(stack: LocalStack, queue: str, group: str, order: str, **body: Any) -> str:
    return stack.send_message(queue, {"id": order, **body}, group_id=group)


def processed(stack: LocalStack) -> list[str]:
    """Orders of the batches that succeeded, in the order they took effect."""
    return [json.loads(record["body"])["id"] for invocation in stack.invocations("ProcessOrderFunction")
            if invocation.ok for record in invocation.event["Records"]]


def batches(stack: LocalStack) -> list[tuple[bool, list[str]]]:
    return [(invocation.ok, [json.loads(record["body"])["id"] for record in invocation.event["Records"]])
            for invocation in stack.invocations("ProcessOrderFunction")]


def test_a_failed_batch_comes_back_in_group_order(open_stack: Callable[..., LocalStack]) -> None:
    stack = open_stack(batch_size=10)
    send(stack, "OrdersQueue", "customer-1", "a1", fail=1)
    send(stack, "OrdersQueue", "customer-1", "a2")
    send(stack, "OrdersQueue", "customer-1", "a3")
    stack.run_until_idle()
    # The whole batch failed, came back after its visibility timeout, earliest first.
    assert batches(stack) == [(False, ["a1", "a2", "a3"]), (True, ["a1", "a2", "a3"])]
    assert stack.messages("OrdersQueue") == [] and stack.messages("OrdersDeadLetterQueue") == []


def test_redelivery_of_the_head_of_a_group_keeps_the_order(open_stack: Callable[..., LocalStack]) -> None:
    stack = open_stack(batch_size=1)
    for order in ("a1", "a2", "a3"):
        send(stack, "OrdersQueue", "customer-1", order, fail=1)
    stack.run_until_idle()
    assert processed(stack) == ["a1", "a2", "a3"]
    assert [ok for ok, _ in batches(stack)] == [False, True, False, True, False, True]


def test_a_second_group_proceeds_while_one_is_blocked(open_stack: Callable[..., LocalStack]) -> None:
    stack = open_stack(batch_size=1)
    send(stack, "OrdersQueue", "customer-1", "a1", fail=1)
    send(stack, "OrdersQueue", "customer-1", "a2")
    send(stack, "OrdersQueue", "customer-2", "b1")
    send(stack, "OrdersQueue", "customer-2", "b2")
    stack.run_until_idle()
    assert processed(stack) == ["b1", "b2", "a1", "a2"]
    started = {json.loads(invocation.event["Records"][0]["body"])["id"]: invocation.started_at - MIDNIGHT
               for invocation in stack.invocations("ProcessOrderFunction") if invocation.ok}
    assert started["b2"] < 1 and started["a1"] == pytest.approx(30, abs=0.1)  # a waited for its visibility timeout


def test_content_deduplication_is_per_group_under_message_group_scope(open_stack: Callable[..., LocalStack]) -> None:
    stack = open_stack()
    body = {"id": "refund-7"}
    for group in ("customer-1", "customer-2", "customer-1"):
        stack.send_message("PerGroupQueue", body, group_id=group)
        stack.send_message("OrdersQueue", body, group_id=group)
    stack.run_until_idle()
    by_queue: dict[str, list[str]] = {}
    for invocation in stack.invocations("ProcessOrderFunction"):
        for record in invocation.event["Records"]:
            queue = record["eventSourceARN"].rsplit(":", 1)[-1]
            by_queue.setdefault(queue, []).append(record["attributes"]["MessageGroupId"])
    assert sorted(by_queue[stack.name("PerGroupQueue")]) == ["customer-1", "customer-2"]  # once per group
    assert by_queue[stack.name("OrdersQueue")] == ["customer-1"]  # queue scope: once in all


def test_a_duplicate_is_accepted_but_not_delivered_within_five_minutes(open_stack: Callable[..., LocalStack]) -> None:
    stack = open_stack()
    sqs = stack.client("sqs")
    url = stack.queue_url("OrdersQueue")
    first = sqs.send_message(QueueUrl=url, MessageBody='{"id": "pay"}', MessageGroupId="g",
                             MessageDeduplicationId="pay-7")
    again = sqs.send_message(QueueUrl=url, MessageBody='{"id": "pay (retry)"}', MessageGroupId="g",
                             MessageDeduplicationId="pay-7")
    assert again["MessageId"] == first["MessageId"] and again["SequenceNumber"] == first["SequenceNumber"]
    stack.advance(301)  # the deduplication interval is over
    sqs.send_message(QueueUrl=url, MessageBody='{"id": "pay (later)"}', MessageGroupId="g",
                     MessageDeduplicationId="pay-7")
    stack.run_until_idle()
    assert processed(stack) == ["pay", "pay (later)"]


def test_max_receive_count_moves_a_group_to_the_dead_letter_queue_in_order(
        open_stack: Callable[..., LocalStack]) -> None:
    stack = open_stack(batch_size=10)
    for order in ("a1", "a2", "a3"):
        stack.send_message("OrdersQueue", {"id": order, "fail": 99}, group_id="customer-1",
                           MessageAttributes={"origin": {"DataType": "String", "StringValue": "web"}})
    stack.run_until_idle()
    assert [ok for ok, _ in batches(stack)] == [False, False]  # received twice (maxReceiveCount 2)
    dead = stack.messages("OrdersDeadLetterQueue")
    assert [message.json()["id"] for message in dead] == ["a1", "a2", "a3"]
    assert {message.group_id for message in dead} == {"customer-1"}
    assert all(message.attributes == {"origin": {"DataType": "String", "StringValue": "web"}} for message in dead)
    [received] = stack.client("sqs").receive_message(
        QueueUrl=stack.queue_url("OrdersDeadLetterQueue"), MessageSystemAttributeNames=["All"])["Messages"]
    assert received["Attributes"]["DeadLetterQueueSourceArn"] == stack.arn("OrdersQueue")
    assert received["Attributes"]["MessageGroupId"] == "customer-1"


def test_a_standard_queue_dead_letters_after_max_receive_count(open_stack: Callable[..., LocalStack]) -> None:
    stack = open_stack()
    attributes = {"tenant": {"DataType": "Number", "StringValue": "7"}}
    stack.send_message("JobsQueue", {"id": "j1", "fail": 99}, MessageAttributes=attributes)
    stack.run_until_idle()
    assert batches(stack) == [(False, ["j1"])]  # maxReceiveCount 1: moved on its second receive
    [dead] = stack.messages("JobsDeadLetterQueue")
    assert (dead.json(), dead.attributes) == ({"id": "j1", "fail": 99}, attributes)
    assert stack.messages("JobsQueue") == []


def test_a_client_receives_in_group_order_across_visibility_timeouts(open_stack: Callable[..., LocalStack]) -> None:
    stack = open_stack()
    sqs = stack.client("sqs")
    url = stack.queue_url("ManualQueue")
    for group, body in (("a", "a1"), ("a", "a2"), ("b", "b1")):
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=group)

    def receive() -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=1, MessageSystemAttributeNames=["ApproximateReceiveCount"],
        ).get("Messages", [])
        return messages

    [first] = receive()
    assert first["Body"] == "a1"
    assert [message["Body"] for message in receive()] == ["b1"]  # group a is blocked while a1 is in flight
    assert receive() == []
    counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert (counts["ApproximateNumberOfMessages"], counts["ApproximateNumberOfMessagesNotVisible"]) == ("1", "2")
    assert counts["FifoQueue"] == "true"  # the rest is moto's
    stack.advance(31)  # a1's and b1's visibility timeouts lapse
    [again] = receive()
    assert (again["Body"], again["Attributes"]["ApproximateReceiveCount"]) == ("a1", "2")
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"])  # an older handle deletes nothing
    assert [message.body for message in stack.messages("ManualQueue")] == ["a1", "a2", "b1"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=again["ReceiptHandle"])
    assert [message["Body"] for message in receive()] == ["a2"]


def test_a_fifo_partial_failure_that_lets_a_later_message_overtake_is_reported(
        open_stack: Callable[..., LocalStack]) -> None:
    stack = open_stack()
    send(stack, "ReportingQueue", "customer-1", "a1", fail=1)
    send(stack, "ReportingQueue", "customer-1", "a2")
    stack.run_until_idle()
    # As on AWS, Lambda deletes a2 (not reported) and a1 runs again later: a2 took effect first.
    bodies = [[json.loads(record["body"])["id"] for record in invocation.event["Records"]]
              for invocation in stack.invocations("ReportingFunction")]
    assert bodies == [["a1", "a2"], ["a1"]]
    [warning] = [activity for activity in stack.trace.find("batch") if activity.title.startswith("FIFO group")]
    assert warning.status == "failed" and "customer-1" in warning.title


def test_errors_have_the_aws_codes(open_stack: Callable[..., LocalStack]) -> None:
    stack = open_stack()
    sqs = stack.client("sqs")
    url = stack.queue_url("OrdersQueue")
    with pytest.raises(ClientError, match="MessageGroupId"):
        sqs.send_message(QueueUrl=url, MessageBody="x")
    with pytest.raises(sqs.exceptions.ReceiptHandleIsInvalid):
        sqs.delete_message(QueueUrl=url, ReceiptHandle="not-a-handle")
    with pytest.raises(ClientError, match="InvalidMessageContents"):
        sqs.send_message(QueueUrl=url, MessageBody="bad \ud800 surrogate", MessageGroupId="g")
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.receive_message(QueueUrl=url.replace("OrdersQueue", "NoSuchQueue"))
    result = sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "ok", "MessageBody": "fine", "MessageGroupId": "g"}, {"Id": "bad", "MessageBody": "no group"}])
    assert [entry["Id"] for entry in result["Successful"]] == ["ok"]
    assert result["Failed"] == [{"Id": "bad", "SenderFault": True, "Code": "MissingRequiredParameterException",
                                 "Message": "The request must contain the parameter MessageGroupId."}]
