"""Dead-letter queue redrive on the local stack (`sluice.local.sqs.moves`), through boto3, against a
template written the way public SAM examples are: a queue with a dead-letter queue, consumed by Lambda.

AWS behaviour under test: SQS API Reference "StartMessageMoveTask" and "ListMessageMoveTasks"
(messages go back to the queue they were dead-lettered from unless a `DestinationArn` is given;
the source must be a dead-letter queue; `TaskHandle` is listed only while a task runs; newest task
first, `MaxResults` 1 to 10) and "Using dead-letter queues" (`DeadLetterQueueSourceArn`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from sluice.local.stack import LocalStack

MIDNIGHT = 1717200000.0

TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Description: Parked jobs (no consumer) and work jobs (Lambda), each with a dead-letter queue

Resources:
  ParkedDeadLetterQueue:
    Type: AWS::SQS::Queue

  ParkedQueue:
    Type: AWS::SQS::Queue
    Properties:
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt ParkedDeadLetterQueue.Arn
        maxReceiveCount: 1

  WorkDeadLetterQueue:
    Type: AWS::SQS::Queue

  WorkQueue:
    Type: AWS::SQS::Queue
    Properties:
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt WorkDeadLetterQueue.Arn
        maxReceiveCount: 3

  LonelyQueue:
    Type: AWS::SQS::Queue

  WorkFunction:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      CodeUri: src/
      Handler: app.lambda_handler
      Events:
        Work:
          Type: SQS
          Properties:
            Queue: !GetAtt WorkQueue.Arn
"""

HANDLER = """\
def lambda_handler(event, context):
    return {}
"""


@pytest.fixture
def stack(write_template: Callable[..., Path]) -> Iterator[LocalStack]:
    path = write_template(TEMPLATE, {"src/app.py": HANDLER})
    with LocalStack.from_template(path, use_config=False, start_time=MIDNIGHT) as opened:
        yield opened.start()


def dead_letter(stack: LocalStack, *bodies: str) -> list[str]:
    """Send to ParkedQueue and receive each message twice without deleting it: with
    `maxReceiveCount: 1`, the second receive moves it to the dead-letter queue."""
    sqs, url = stack.client("sqs"), stack.queue_url("ParkedQueue")
    ids = [sqs.send_message(QueueUrl=url, MessageBody=body)["MessageId"] for body in bodies]
    for _ in range(2):
        sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)
    return ids


def error_of(call: Callable[..., Any], **params: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call(**params)
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


def test_redrive_returns_dead_lettered_messages_to_their_source_queue(stack: LocalStack) -> None:
    sqs = stack.client("sqs")
    ids = dead_letter(stack, "job-1", "job-2")
    dlq_arn = stack.arn("ParkedDeadLetterQueue")
    assert [message.body for message in stack.messages("ParkedDeadLetterQueue")] == ["job-1", "job-2"]

    handle = sqs.start_message_move_task(SourceArn=dlq_arn)["TaskHandle"]

    assert isinstance(handle, str) and handle
    [task] = sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"]
    # A finished task is listed without its handle (AWS shows TaskHandle only while RUNNING).
    assert task == {"Status": "COMPLETED", "SourceArn": dlq_arn, "ApproximateNumberOfMessagesMoved": 2,
                    "ApproximateNumberOfMessagesToMove": 2, "StartedTimestamp": round(MIDNIGHT * 1000)}
    assert stack.messages("ParkedDeadLetterQueue") == []
    received = sqs.receive_message(QueueUrl=stack.queue_url("ParkedQueue"), MaxNumberOfMessages=10,
                                   AttributeNames=["All"])["Messages"]
    assert [(message["MessageId"], message["Body"]) for message in received] == list(zip(ids, ["job-1", "job-2"],
                                                                                        strict=True))
    # Received afresh: a count that kept growing would send it straight back to the dead-letter queue.
    assert [message["Attributes"]["ApproximateReceiveCount"] for message in received] == ["1", "1"]
    assert all("DeadLetterQueueSourceArn" not in message["Attributes"] for message in received)
    # Only a RUNNING task can be cancelled ("CancelMessageMoveTask"); this one has finished.
    with pytest.raises(sqs.exceptions.UnsupportedOperation) as caught:
        sqs.cancel_message_move_task(TaskHandle=handle)
    assert caught.value.response["Error"]["Code"] == "AWS.SimpleQueueService.UnsupportedOperation"


def test_moved_messages_wake_the_destination_queues_poller(stack: LocalStack) -> None:
    sqs = stack.client("sqs")
    for order in ("o-1", "o-2", "o-3"):
        stack.send_message("WorkDeadLetterQueue", {"order": order})
    dlq_arn = stack.arn("WorkDeadLetterQueue")

    sqs.start_message_move_task(SourceArn=dlq_arn, DestinationArn=stack.arn("WorkQueue"),
                                MaxNumberOfMessagesPerSecond=2)
    stack.run_until_idle()

    delivered = [json.loads(record["body"])["order"] for invocation in stack.invocations("WorkFunction")
                 for record in invocation.event["Records"]]
    assert delivered == ["o-1", "o-2", "o-3"]
    assert all(invocation.ok for invocation in stack.invocations("WorkFunction"))
    assert stack.messages("WorkQueue") == [] and stack.messages("WorkDeadLetterQueue") == []
    [task] = sqs.list_message_move_tasks(SourceArn=dlq_arn, MaxResults=10)["Results"]
    assert (task["DestinationArn"], task["MaxNumberOfMessagesPerSecond"]) == (stack.arn("WorkQueue"), 2)


def test_a_message_with_no_source_queue_fails_the_task_and_stays(stack: LocalStack) -> None:
    sqs = stack.client("sqs")
    stack.send_message("WorkDeadLetterQueue", "sent here directly")
    dlq_arn = stack.arn("WorkDeadLetterQueue")

    sqs.start_message_move_task(SourceArn=dlq_arn)

    [task] = sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"]
    assert (task["Status"], task["ApproximateNumberOfMessagesMoved"]) == ("FAILED", 0)
    assert "has no source queue to return to" in task["FailureReason"]
    assert [message.body for message in stack.messages("WorkDeadLetterQueue")] == ["sent here directly"]
    # A new task may start once none is running, and the most recent one is listed first.
    sqs.start_message_move_task(SourceArn=dlq_arn, DestinationArn=stack.arn("WorkQueue"))
    listed = sqs.list_message_move_tasks(SourceArn=dlq_arn, MaxResults=2)["Results"]
    assert [entry["Status"] for entry in listed] == ["COMPLETED", "FAILED"]


def test_requests_aws_rejects_are_rejected_with_its_errors(stack: LocalStack) -> None:
    sqs = stack.client("sqs")
    dlq_arn = stack.arn("WorkDeadLetterQueue")
    missing = dlq_arn.rsplit(":", 1)[0] + ":no-such-queue"
    assert error_of(sqs.start_message_move_task, SourceArn=stack.arn("LonelyQueue")) == (
        "InvalidParameterValue", "Source queue must be configured as a Dead Letter Queue.")
    assert error_of(sqs.start_message_move_task, SourceArn=missing) == (
        "ResourceNotFoundException", "The resource that you specified for the SourceArn parameter doesn't exist.")
    assert error_of(sqs.start_message_move_task, SourceArn=dlq_arn, DestinationArn=missing) == (
        "ResourceNotFoundException",
        "The resource that you specified for the DestinationArn parameter doesn't exist.")
    code, message = error_of(sqs.start_message_move_task, SourceArn=dlq_arn, MaxNumberOfMessagesPerSecond=501)
    assert (code, "MaxNumberOfMessagesPerSecond is invalid" in message) == ("InvalidParameterValue", True)
    code, message = error_of(sqs.list_message_move_tasks, SourceArn=dlq_arn, MaxResults=11)
    assert (code, "MaxResults is invalid" in message) == ("InvalidParameterValue", True)
    assert sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"] == []
