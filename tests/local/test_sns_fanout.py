"""SNS → SQS → Lambda fan-out on the local stack (`sluice.local.sns`), from a template written the
way public SAM examples are: subscriptions with raw message delivery on and off, filter policies on
attributes and on the body, SAM's `SqsSubscription`, and a FIFO topic feeding a FIFO queue.

AWS behaviour under test: "Fanout to Amazon SQS queues", "Amazon SNS raw message delivery",
"Amazon SNS message filtering" and "Message ordering and deduplication for FIFO topics".
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from sluice.local.stack import LocalStack

TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Description: Alerts fan out from one topic to several queues, each with its consumer

Globals:
  Function:
    Runtime: python3.13
    Handler: app.lambda_handler
    CodeUri: src/

Resources:
  AlertsTopic:
    Type: AWS::SNS::Topic

  CriticalQueue:
    Type: AWS::SQS::Queue

  OrderEventsQueue:
    Type: AWS::SQS::Queue

  CriticalSubscription:
    Type: AWS::SNS::Subscription
    Properties:
      Protocol: sqs
      TopicArn: !Ref AlertsTopic
      Endpoint: !GetAtt CriticalQueue.Arn
      RawMessageDelivery: true
      FilterPolicy:
        severity: [critical]

  OrderEventsSubscription:
    Type: AWS::SNS::Subscription
    Properties:
      Protocol: sqs
      TopicArn: !Ref AlertsTopic
      Endpoint: !GetAtt OrderEventsQueue.Arn
      FilterPolicyScope: MessageBody
      FilterPolicy:
        kind: [{prefix: order}]

  QueuesPolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref CriticalQueue, !Ref OrderEventsQueue]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {Service: sns.amazonaws.com}
            Action: sqs:SendMessage
            Resource: '*'

  CriticalFunction:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Critical:
          Type: SQS
          Properties:
            Queue: !GetAtt CriticalQueue.Arn

  OrderEventsFunction:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        OrderEvents:
          Type: SQS
          Properties:
            Queue: !GetAtt OrderEventsQueue.Arn

  AuditFunction:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Alerts:
          Type: SNS
          Properties:
            Topic: !Ref AlertsTopic
            SqsSubscription: true

  LedgerTopic:
    Type: AWS::SNS::Topic
    Properties:
      FifoTopic: true
      ContentBasedDeduplication: true

  LedgerQueue:
    Type: AWS::SQS::Queue
    Properties:
      FifoQueue: true

  LedgerSubscription:
    Type: AWS::SNS::Subscription
    Properties:
      Protocol: sqs
      TopicArn: !Ref LedgerTopic
      Endpoint: !GetAtt LedgerQueue.Arn
      RawMessageDelivery: true

  LedgerFunction:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Ledger:
          Type: SQS
          Properties:
            Queue: !GetAtt LedgerQueue.Arn
            BatchSize: 1
"""

HANDLER = '''\
def lambda_handler(event, context):
    return {"received": len(event["Records"])}
'''


@pytest.fixture
def stack(write_template: Callable[..., Path]) -> Iterator[LocalStack]:
    path = write_template(TEMPLATE, {"src/app.py": HANDLER})
    with LocalStack.from_template(path, use_config=False) as started:
        yield started


def records(stack: LocalStack, function: str) -> list[dict[str, Any]]:
    return [record for invocation in stack.invocations(function) for record in invocation.event["Records"]]


def publish(stack: LocalStack, message: str, **attributes: str) -> None:
    stack.client("sns").publish(TopicArn=stack.arn("AlertsTopic"), Message=message, Subject="alert",
                                MessageAttributes={name: {"DataType": "String", "StringValue": value}
                                                   for name, value in attributes.items()})


def test_raw_delivery_wakes_the_queue_consumer_with_the_message_and_its_attributes(stack: LocalStack) -> None:
    publish(stack, "disk full", severity="critical")
    publish(stack, "disk at 70%", severity="low")  # the filter policy keeps it out of CriticalQueue
    stack.run_until_idle()
    [record] = records(stack, "CriticalFunction")
    assert record["eventSource"] == "aws:sqs" and record["eventSourceARN"] == stack.arn("CriticalQueue")
    assert record["body"] == "disk full"
    assert record["messageAttributes"]["severity"] == {"stringValue": "critical", "stringListValues": [],
                                                       "binaryListValues": [], "dataType": "String"}


def test_without_raw_delivery_the_body_is_the_sns_notification(stack: LocalStack) -> None:
    publish(stack, json.dumps({"kind": "order-created", "id": 7}), severity="low")
    publish(stack, json.dumps({"kind": "refund", "id": 8}))  # the body filter does not match
    publish(stack, "not json")  # a body filter matches JSON objects only
    stack.run_until_idle()
    [record] = records(stack, "OrderEventsFunction")
    notification = json.loads(record["body"])
    assert notification["Type"] == "Notification" and notification["TopicArn"] == stack.arn("AlertsTopic")
    assert json.loads(notification["Message"]) == {"kind": "order-created", "id": 7}
    assert notification["Subject"] == "alert"
    assert notification["MessageAttributes"] == {"severity": {"Type": "String", "Value": "low"}}
    assert {"MessageId", "Timestamp", "SignatureVersion", "Signature", "SigningCertURL",
            "UnsubscribeURL"} <= set(notification)
    assert record["messageAttributes"] == {}  # attributes travel inside the notification


def test_sam_sqs_subscription_creates_the_queue_and_its_event_source(stack: LocalStack) -> None:
    publish(stack, "disk full", severity="critical")
    publish(stack, "disk at 70%", severity="low")  # no filter policy here: both arrive
    stack.run_until_idle()
    received = records(stack, "AuditFunction")
    assert [json.loads(record["body"])["Message"] for record in received] == ["disk full", "disk at 70%"]
    assert {record["eventSourceARN"] for record in received} == {stack.arn("AuditFunctionAlertsQueue")}


def test_a_fifo_topic_feeds_a_fifo_queue_in_order_and_deduplicated(stack: LocalStack) -> None:
    sns = stack.client("sns")
    for message in ("debit 5", "credit 3", "debit 5", "debit 1"):  # the second "debit 5" is a duplicate
        sns.publish(TopicArn=stack.arn("LedgerTopic"), Message=message, MessageGroupId="account-9")
    stack.run_until_idle()
    received = records(stack, "LedgerFunction")
    assert [record["body"] for record in received] == ["debit 5", "credit 3", "debit 1"]
    assert {record["attributes"]["MessageGroupId"] for record in received} == {"account-9"}


def test_a_queue_subscribed_at_run_time_receives_until_it_unsubscribes(stack: LocalStack) -> None:
    sqs, sns = stack.client("sqs"), stack.client("sns")
    url = sqs.create_queue(QueueName="late-subscriber")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    subscription = sns.subscribe(TopicArn=stack.arn("AlertsTopic"), Protocol="sqs", Endpoint=arn,
                                 Attributes={"RawMessageDelivery": "true"}, ReturnSubscriptionArn=True)
    publish(stack, "first")
    sns.unsubscribe(SubscriptionArn=subscription["SubscriptionArn"])
    publish(stack, "second")
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [message["Body"] for message in received] == ["first"]
