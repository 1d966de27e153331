"""EventBridge Pipes (`AWS::Pipes::Pipe`) on the local stack, from a template written the way the
public serverless-patterns Pipes examples are: SQS → pipe with a filter → Step Functions; SQS →
Lambda enrichment → event bus → rule → function; Kinesis → SQS FIFO; SQS → Lambda with partial
batch failures; Kinesis → Lambda with a retry limit and a dead-letter queue; a stopped pipe.

AWS behaviour under test, from the EventBridge user guide: "Amazon SQS as a source" and "Amazon
Kinesis stream as a source" (record shapes, deletes, visibility and redrive), "Amazon EventBridge
Pipes filtering" (JSON bodies, filtered messages deleted), "input transformation" (`<$.path>`,
reserved variables, implicit body parsing), "batching and concurrency" (the batch as a JSON array,
`batchItemFailures`), "Amazon EventBridge Pipes" (enrichment, invocation types, `DesiredState`).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest

from sluice.local.errors import UnsupportedFeature
from sluice.local.stack import LocalStack
from tests.local.templates import function, kinesis_stream, sam_template, service_role

TEMPLATE = sam_template("Orders flow through EventBridge Pipes", Runtime="python3.13", CodeUri="src/") + service_role(
    "PipeRole", "pipes.amazonaws.com") + """
  # SQS -> filter -> Step Functions (FIRE_AND_FORGET)
  OrdersQueue:
    Type: AWS::SQS::Queue
  OrdersStateMachine:
    Type: AWS::Serverless::StateMachine
    Properties:
      Type: EXPRESS
      Definition:
        StartAt: Received
        States:
          Received: {Type: Pass, End: true}
  OrdersPipe:
    Type: AWS::Pipes::Pipe
    Properties:
      Name: orders-to-sfn
      RoleArn: !GetAtt PipeRole.Arn
      Source: !GetAtt OrdersQueue.Arn
      SourceParameters:
        FilterCriteria:
          Filters:
            - Pattern: '{"body": {"type": ["NEW"]}}'
        SqsQueueParameters:
          BatchSize: 1
      Target: !Ref OrdersStateMachine
      TargetParameters:
        StepFunctionStateMachineParameters:
          InvocationType: FIRE_AND_FORGET

  # SQS -> Lambda enrichment -> event bus -> rule -> function
  EnrichQueue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 60
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt EnrichDeadLetterQueue.Arn
        maxReceiveCount: 2
  EnrichDeadLetterQueue:
    Type: AWS::SQS::Queue
  AppBus:
    Type: AWS::Events::EventBus
    Properties:
      Name: app-bus
""" + function("EnrichFunction", handler="app.enrich") + function(
    "ConsumerFunction", handler="app.consume", properties="""\
      Events:
        Enriched:
          Type: EventBridgeRule
          Properties:
            EventBusName: !Ref AppBus
            Pattern:
              source: [myapp.orders]
              detail-type: [OrderEnriched]
""") + """\
  EnrichPipe:
    Type: AWS::Pipes::Pipe
    Properties:
      RoleArn: !GetAtt PipeRole.Arn
      Source: !GetAtt EnrichQueue.Arn
      Enrichment: !GetAtt EnrichFunction.Arn
      EnrichmentParameters:
        InputTemplate: '{"orderId": <$.body.orderId>, "pipe": "<aws.pipes.pipe-name>"}'
      Target: !GetAtt AppBus.Arn
      TargetParameters:
        EventBridgeEventBusParameters:
          Source: myapp.orders
          DetailType: OrderEnriched

  # Kinesis -> SQS FIFO, with dynamic target parameters
""" + kinesis_stream("ClicksStream") + """\
  ClicksQueue:
    Type: AWS::SQS::Queue
    Properties:
      FifoQueue: true
  ClicksPipe:
    Type: AWS::Pipes::Pipe
    Properties:
      RoleArn: !GetAtt PipeRole.Arn
      Source: !GetAtt ClicksStream.Arn
      SourceParameters:
        KinesisStreamParameters:
          StartingPosition: TRIM_HORIZON
          BatchSize: 10
      Target: !GetAtt ClicksQueue.Arn
      TargetParameters:
        InputTemplate: '{"page": <$.data.page>, "at": "<$.sequenceNumber>"}'
        SqsQueueParameters:
          MessageGroupId: $.partitionKey
          MessageDeduplicationId: $.sequenceNumber

  # SQS -> Lambda target reporting batchItemFailures
  JobsQueue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 30
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt JobsDeadLetterQueue.Arn
        maxReceiveCount: 3
  JobsDeadLetterQueue:
    Type: AWS::SQS::Queue
""" + function("JobsFunction", handler="app.jobs") + """\
  JobsPipe:
    Type: AWS::Pipes::Pipe
    Properties:
      RoleArn: !GetAtt PipeRole.Arn
      Source: !GetAtt JobsQueue.Arn
      SourceParameters:
        SqsQueueParameters:
          BatchSize: 10
          MaximumBatchingWindowInSeconds: 5
      Target: !GetAtt JobsFunction.Arn

  # Kinesis -> Lambda that fails, one retry, then the pipe's dead-letter queue
""" + kinesis_stream("MetricsStream") + """\
  MetricsDeadLetterQueue:
    Type: AWS::SQS::Queue
""" + function("BrokenFunction", handler="app.broken") + """\
  MetricsPipe:
    Type: AWS::Pipes::Pipe
    Properties:
      RoleArn: !GetAtt PipeRole.Arn
      Source: !GetAtt MetricsStream.Arn
      SourceParameters:
        KinesisStreamParameters:
          StartingPosition: LATEST
          MaximumRetryAttempts: 1
          DeadLetterConfig:
            Arn: !GetAtt MetricsDeadLetterQueue.Arn
      Target: !GetAtt BrokenFunction.Arn

  # A stopped pipe does not poll
  PausedQueue:
    Type: AWS::SQS::Queue
  PausedPipe:
    Type: AWS::Pipes::Pipe
    Properties:
      DesiredState: STOPPED
      RoleArn: !GetAtt PipeRole.Arn
      Source: !GetAtt PausedQueue.Arn
      Target: !GetAtt JobsFunction.Arn
"""

HANDLERS = '''\
def enrich(event, context):
    if any(item["orderId"] == "boom" for item in event):
        raise RuntimeError("customer service down")
    return [{"orderId": item["orderId"], "customer": "c-" + item["orderId"], "via": item["pipe"]} for item in event]


def consume(event, context):
    return "ok"


def jobs(event, context):
    failed = [record["messageId"] for record in event if record["body"] == "bad"]
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}


def broken(event, context):
    raise ValueError("cannot parse metrics")
'''


@pytest.fixture
def stack(start_stack: Callable[..., LocalStack]) -> LocalStack:
    return start_stack(TEMPLATE, {"src/app.py": HANDLERS})


def bodies(stack: LocalStack, queue: str) -> list[str]:
    return [message.body for message in stack.messages(queue)]


def test_the_pipe_is_created_and_named_as_cloudformation_names_it(stack: LocalStack) -> None:
    described = stack.client("pipes").describe_pipe(Name="orders-to-sfn")
    assert described["Arn"] == stack.arn("OrdersPipe")
    assert described["Source"] == stack.arn("OrdersQueue")
    assert stack.name("OrdersPipe") == "orders-to-sfn"
    assert not [warning for warning in stack.warnings if "Pipe" in warning]


def test_sqs_filter_keeps_matching_json_bodies_and_deletes_the_rest(stack: LocalStack) -> None:
    stack.send_message("OrdersQueue", {"type": "NEW", "orderId": "o-1"})
    stack.send_message("OrdersQueue", {"type": "OLD", "orderId": "o-2"})
    stack.send_message("OrdersQueue", "NEW")  # a plain-text body never matches a JSON body pattern
    stack.run_until_idle()
    [execution] = stack.executions("OrdersStateMachine")
    [record] = execution.input  # BatchSize 1: a JSON array of one SQS record
    assert json.loads(record["body"]) == {"type": "NEW", "orderId": "o-1"}
    assert record["eventSource"] == "aws:sqs" and record["eventSourceARN"] == stack.arn("OrdersQueue")
    assert {"messageId", "receiptHandle", "attributes", "messageAttributes", "md5OfBody", "awsRegion"} <= set(record)
    assert bodies(stack, "OrdersQueue") == []  # filtered-out messages are deleted too


def test_lambda_enrichment_feeds_an_event_bus_whose_rule_invokes_a_function(stack: LocalStack) -> None:
    stack.send_message("EnrichQueue", {"orderId": "o-7"})
    stack.run_until_idle()
    [enrichment] = stack.invocations("EnrichFunction")
    assert enrichment.event == [{"orderId": "o-7", "pipe": stack.name("EnrichPipe")}]
    [delivered] = stack.invocations("ConsumerFunction")
    event = delivered.event
    assert (event["source"], event["detail-type"]) == ("myapp.orders", "OrderEnriched")
    assert event["detail"] == {"orderId": "o-7", "customer": "c-o-7", "via": stack.name("EnrichPipe")}
    assert bodies(stack, "EnrichQueue") == []


def test_a_failing_enrichment_returns_the_message_until_the_queue_redrives_it(stack: LocalStack) -> None:
    stack.send_message("EnrichQueue", {"orderId": "boom"})
    stack.run_until_idle()
    assert len(stack.invocations("EnrichFunction")) == 2  # maxReceiveCount 2, 60 s of visibility apart
    assert stack.invocations("ConsumerFunction") == []
    assert bodies(stack, "EnrichQueue") == []
    [moved] = stack.messages("EnrichDeadLetterQueue")
    assert moved.json() == {"orderId": "boom"}


def test_kinesis_records_reach_a_fifo_queue_transformed_in_order_per_partition_key(stack: LocalStack) -> None:
    for page in ("home", "cart", "pay"):
        stack.put_record("ClicksStream", {"page": page}, partition_key="visitor-1")
    stack.run_until_idle()
    received = stack.client("sqs").receive_message(QueueUrl=stack.queue_url("ClicksQueue"), MaxNumberOfMessages=10,
                                                   AttributeNames=["All"])["Messages"]
    assert [json.loads(message["Body"])["page"] for message in received] == ["home", "cart", "pay"]
    assert {message["Attributes"]["MessageGroupId"] for message in received} == {"visitor-1"}
    sequence = [json.loads(message["Body"])["at"] for message in received]
    assert [message["Attributes"]["MessageDeduplicationId"] for message in received] == sequence


def test_a_lambda_target_gets_the_batch_and_only_its_reported_failures_return(stack: LocalStack) -> None:
    sqs = stack.client("sqs")
    sqs.send_message_batch(QueueUrl=stack.queue_url("JobsQueue"), Entries=[
        {"Id": str(index), "MessageBody": body} for index, body in enumerate(("a", "bad", "c"))])
    stack.run_until_idle()
    first = stack.invocations("JobsFunction")[0]
    assert [record["body"] for record in first.event] == ["a", "bad", "c"]  # the batch, as one JSON array
    # Only "bad" came back after the visibility timeout, until maxReceiveCount sent it to the dead-letter queue.
    assert [[record["body"] for record in invocation.event]
            for invocation in stack.invocations("JobsFunction")[1:]] == [["bad"], ["bad"]]
    assert bodies(stack, "JobsQueue") == []
    assert bodies(stack, "JobsDeadLetterQueue") == ["bad"]


def test_a_kinesis_batch_past_its_retries_goes_to_the_pipe_dead_letter_queue(stack: LocalStack) -> None:
    stack.put_record("MetricsStream", {"cpu": 99}, partition_key="host-1")
    stack.run_until_idle()
    [first, retry] = stack.invocations("BrokenFunction")  # MaximumRetryAttempts 1
    [record] = first.event
    assert record["eventSource"] == "aws:kinesis" and record["partitionKey"] == "host-1"
    assert json.loads(base64.b64decode(record["data"])) == {"cpu": 99}
    assert record["eventID"] == f"shardId-000000000000:{record['sequenceNumber']}"
    assert record["invokeIdentityArn"] == stack.arn("PipeRole")
    assert retry.event == first.event
    [dead] = stack.messages("MetricsDeadLetterQueue")
    info: dict[str, Any] = dead.json()["KinesisBatchInfo"]
    assert (info["batchSize"], info["streamArn"]) == (1, stack.arn("MetricsStream"))
    assert info["startSequenceNumber"] == record["sequenceNumber"]
    assert dead.json()["requestContext"]["condition"] == "RetryAttemptsExhausted"


def test_a_stopped_pipe_does_not_poll(stack: LocalStack) -> None:
    stack.send_message("PausedQueue", "wait for me")
    stack.run_until_idle()
    assert bodies(stack, "PausedQueue") == ["wait for me"]
    assert stack.client("pipes").describe_pipe(Name=stack.name("PausedPipe"))["DesiredState"] == "STOPPED"


STANDARD_TARGET = sam_template() + """\
  Queue:
    Type: AWS::SQS::Queue
  Workflow:
    Type: AWS::Serverless::StateMachine
    Properties:
      Definition: {StartAt: Done, States: {Done: {Type: Pass, End: true}}}
  Pipe:
    Type: AWS::Pipes::Pipe
    Properties:
      RoleArn: arn:aws:iam::123456789012:role/pipe
      Source: !GetAtt Queue.Arn
      Target: !Ref Workflow
"""


def test_a_standard_workflow_invoked_synchronously_stops_the_pipe_with_a_reason(
        start_stack: Callable[..., LocalStack]) -> None:
    with pytest.raises(UnsupportedFeature, match="Standard workflow"):
        start_stack(STANDARD_TARGET, strict=True)
