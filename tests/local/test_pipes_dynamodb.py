"""EventBridge Pipes from a DynamoDB stream on the local stack, from a template written the way the
public serverless-patterns "DynamoDB Streams → Pipes → target" examples are: a table with a
NEW_AND_OLD_IMAGES stream; a pipe keeping only INSERTs onto a custom bus (whose rule invokes a
function), with a dead-letter queue; a pipe keeping shipped orders, enriched by a Lambda function,
into an SQS queue; a pipe into a failing function with one retry and a dead-letter queue.

AWS behaviour under test, from the EventBridge user guide: "Amazon DynamoDB stream as a source"
(the record shape, order kept), "Amazon EventBridge Pipes filtering" (patterns on `eventName` and
`dynamodb`), "Amazon EventBridge Pipes" (enrichment, the event bus target's default source and
detail-type), "Amazon EventBridge Pipes error handling" (retries, `MaximumRetryAttempts`, records
retried until they expire from the stream, the dead-letter queue), and CloudFormation's
"PipeSourceDynamoDBStreamParameters" (`StartingPosition` required, `TRIM_HORIZON` or `LATEST`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from sluice.local.errors import TemplateError
from sluice.local.stack import LocalStack
from tests.local.templates import function, sam_template, service_role

MIDNIGHT = datetime(2024, 6, 1, tzinfo=UTC).timestamp()

TEMPLATE = sam_template("Order changes flow from a DynamoDB stream through EventBridge Pipes",
                        Runtime="python3.13", CodeUri="src/") + """\
  OrdersTable:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub ${AWS::StackName}-orders
      AttributeDefinitions:
        - AttributeName: id
          AttributeType: S
      KeySchema:
        - AttributeName: id
          KeyType: HASH
      BillingMode: PAY_PER_REQUEST
      StreamSpecification:
        StreamViewType: NEW_AND_OLD_IMAGES

""" + service_role("PipeRole", "pipes.amazonaws.com", properties="""\
      Policies:
        - PolicyName: source
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
              - Effect: Allow
                Action: [dynamodb:DescribeStream, dynamodb:GetRecords, dynamodb:GetShardIterator,
                         dynamodb:ListStreams]
                Resource: !GetAtt OrdersTable.StreamArn
""") + """
  # INSERTs -> custom event bus -> rule -> function
  OrdersBus:
    Type: AWS::Events::EventBus
    Properties:
      Name: !Sub ${AWS::StackName}-bus
  PipeDLQueue:
    Type: AWS::SQS::Queue
  OrderCreatedFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.created
      Events:
        Created:
          Type: EventBridgeRule
          Properties:
            EventBusName: !Ref OrdersBus
            Pattern:
              source: [myapp.orders]
              detail-type: [OrderCreated]
  OrderCreatedPipe:
    Type: AWS::Pipes::Pipe
    Properties:
      Name: !Sub ${AWS::StackName}-order-created
      RoleArn: !GetAtt PipeRole.Arn
      Source: !GetAtt OrdersTable.StreamArn
      SourceParameters:
        FilterCriteria:
          Filters:
            - Pattern: '{ "eventName": ["INSERT"] }'
        DynamoDBStreamParameters:
          StartingPosition: LATEST
          BatchSize: 1
          DeadLetterConfig:
            Arn: !GetAtt PipeDLQueue.Arn
      Target: !GetAtt OrdersBus.Arn
      TargetParameters:
        EventBridgeEventBusParameters:
          DetailType: OrderCreated
          Source: myapp.orders

  # shipped orders -> Lambda enrichment -> SQS
  ShipmentsQueue:
    Type: AWS::SQS::Queue
""" + function("EnrichFunction", handler="app.enrich") + """\
  OrderShippedPipe:
    Type: AWS::Pipes::Pipe
    Properties:
      RoleArn: !GetAtt PipeRole.Arn
      Source: !GetAtt OrdersTable.StreamArn
      SourceParameters:
        FilterCriteria:
          Filters:
            - Pattern: '{"eventName": ["MODIFY"], "dynamodb": {"NewImage": {"status": {"S": ["SHIPPED"]}}}}'
        DynamoDBStreamParameters:
          StartingPosition: TRIM_HORIZON
          BatchSize: 10
          MaximumBatchingWindowInSeconds: 5
      Enrichment: !GetAtt EnrichFunction.Arn
      EnrichmentParameters:
        InputTemplate: '{"orderId": <$.dynamodb.Keys.id.S>, "change": <$.eventName>}'
      Target: !GetAtt ShipmentsQueue.Arn

  # every change -> a function that fails, one retry, then the dead-letter queue
  AuditFailures:
    Type: AWS::SQS::Queue
""" + function("AuditFunction", handler="app.audit") + """\
  AuditPipe:
    Type: AWS::Pipes::Pipe
    Properties:
      RoleArn: !GetAtt PipeRole.Arn
      Source: !GetAtt OrdersTable.StreamArn
      SourceParameters:
        DynamoDBStreamParameters:
          StartingPosition: TRIM_HORIZON
          MaximumRetryAttempts: 1
          DeadLetterConfig:
            Arn: !GetAtt AuditFailures.Arn
      Target: !GetAtt AuditFunction.Arn
"""

HANDLERS = {"src/app.py": '''\
def created(event, context):
    return "ok"


def enrich(event, context):
    return [{"orderId": item["orderId"], "carrier": "c-" + item["orderId"], "change": item["change"]}
            for item in event]


def audit(event, context):
    if any(record["dynamodb"].get("NewImage", {}).get("status", {}).get("S") == "POISON" for record in event):
        raise ValueError("cannot audit a poisoned order")
    return "ok"
'''}


@pytest.fixture
def stack(start_stack: Callable[..., LocalStack]) -> LocalStack:
    return start_stack(TEMPLATE, HANDLERS, start_time=MIDNIGHT)


def put(stack: LocalStack, order_id: str, status: str) -> None:
    stack.client("dynamodb").put_item(TableName=stack.name("OrdersTable"),
                                      Item={"id": {"S": order_id}, "status": {"S": status}})


def stream_arn(stack: LocalStack) -> str:
    return str(stack.template.get_att("OrdersTable", "StreamArn"))


def test_only_inserts_reach_the_bus_as_dynamodb_records_in_order(stack: LocalStack) -> None:
    put(stack, "o-1", "NEW")
    put(stack, "o-2", "NEW")
    put(stack, "o-1", "PAID")  # a MODIFY: filtered out
    stack.client("dynamodb").delete_item(TableName=stack.name("OrdersTable"), Key={"id": {"S": "o-2"}})
    stack.run_until_idle()
    events = [invocation.event for invocation in stack.invocations("OrderCreatedFunction")]
    assert [(event["source"], event["detail-type"]) for event in events] == [("myapp.orders", "OrderCreated")] * 2
    records = [event["detail"] for event in events]
    assert [record["dynamodb"]["Keys"] for record in records] == [{"id": {"S": "o-1"}}, {"id": {"S": "o-2"}}]
    first = records[0]
    assert (first["eventName"], first["eventSource"], first["eventVersion"]) == ("INSERT", "aws:dynamodb", "1.1")
    assert first["eventSourceARN"] == stream_arn(stack)  # what the pipe's Source names
    assert first["awsRegion"] == stack.template.region and first["eventID"]
    body = first["dynamodb"]
    assert body["NewImage"] == {"id": {"S": "o-1"}, "status": {"S": "NEW"}} and "OldImage" not in body
    assert body["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert int(body["SequenceNumber"]) < int(records[1]["dynamodb"]["SequenceNumber"])
    assert stack.messages("PipeDLQueue") == []


def test_the_pipe_batch_is_traced_under_the_write_that_caused_it(stack: LocalStack) -> None:
    put(stack, "o-1", "NEW")
    stack.run_until_idle()
    [batch] = [activity for activity in stack.trace.find("batch") if "OrderCreatedPipe" in activity.title]
    assert batch.title.startswith("pipe OrderCreatedPipe: DynamoDB stream OrdersTable ")
    assert batch.title.endswith("→ OrdersBus (1 record)")
    assert batch.parent is not None and "PutItem" in batch.parent.title


def test_shipped_orders_are_enriched_into_the_queue(stack: LocalStack) -> None:
    for order_id in ("o-1", "o-2", "o-3"):
        put(stack, order_id, "NEW")
    put(stack, "o-1", "SHIPPED")
    put(stack, "o-3", "SHIPPED")
    put(stack, "o-3", "SHIPPED")  # changes nothing: DynamoDB Streams writes no record
    stack.run_until_idle()
    [enrichment] = stack.invocations("EnrichFunction")  # one batch of both, after the 5 s window
    assert enrichment.event == [{"orderId": "o-1", "change": "MODIFY"}, {"orderId": "o-3", "change": "MODIFY"}]
    assert [message.json() for message in stack.messages("ShipmentsQueue")] == [
        {"orderId": "o-1", "carrier": "c-o-1", "change": "MODIFY"},
        {"orderId": "o-3", "carrier": "c-o-3", "change": "MODIFY"}]


def test_a_failing_batch_is_retried_then_described_to_the_dead_letter_queue(stack: LocalStack) -> None:
    put(stack, "o-9", "POISON")
    stack.run_until_idle()
    [first, retry] = stack.invocations("AuditFunction")  # MaximumRetryAttempts 1
    [record] = first.event
    assert record["eventName"] == "INSERT" and retry.event == first.event
    [dead] = stack.messages("AuditFailures")
    info: dict[str, Any] = dead.json()["DDBStreamBatchInfo"]
    assert (info["batchSize"], info["streamArn"]) == (1, stream_arn(stack))
    assert info["startSequenceNumber"] == info["endSequenceNumber"] == record["dynamodb"]["SequenceNumber"]
    assert dead.json()["requestContext"]["condition"] == "RetryAttemptsExhausted"
    # The shard moved on: the next change reaches the function once.
    put(stack, "o-10", "NEW")
    stack.run_until_idle()
    assert [invocation.event[0]["dynamodb"]["Keys"] for invocation in stack.invocations("AuditFunction")[2:]] == [
        {"id": {"S": "o-10"}}]


@pytest.mark.slow
def test_a_record_retried_without_limit_expires_with_the_stream_retention(
        start_stack: Callable[..., LocalStack]) -> None:
    # MaximumRetryAttempts and MaximumRecordAgeInSeconds -1 (the defaults): "EventBridge retries
    # failed records until the record expires in the event source" (24 hours for DynamoDB Streams),
    # backing off to a retry a minute — over a thousand retries.
    stack = start_stack(TEMPLATE.replace("          MaximumRetryAttempts: 1\n", ""), HANDLERS, start_time=MIDNIGHT)
    put(stack, "o-9", "POISON")
    stack.run_until_idle()
    [dead] = stack.messages("AuditFailures")
    assert dead.json()["requestContext"]["condition"] == "RecordAgeExceeded"
    assert 1400 < len(stack.invocations("AuditFunction")) < 1500
    assert 86_400 < stack.clock.now() - MIDNIGHT < 86_400 + 120


def test_a_starting_position_dynamodb_does_not_have_is_refused(start_stack: Callable[..., LocalStack]) -> None:
    template = TEMPLATE.replace("StartingPosition: LATEST", "StartingPosition: AT_TIMESTAMP")
    with pytest.raises(TemplateError, match=r"OrderCreatedPipe.*DynamoDBStreamParameters\.StartingPosition"):
        start_stack(template, HANDLERS)


def test_a_stream_pipe_without_its_stream_parameters_is_refused(start_stack: Callable[..., LocalStack]) -> None:
    template = TEMPLATE.replace("""      SourceParameters:
        DynamoDBStreamParameters:
          StartingPosition: TRIM_HORIZON
          MaximumRetryAttempts: 1
          DeadLetterConfig:
            Arn: !GetAtt AuditFailures.Arn
""", "")
    assert template != TEMPLATE
    with pytest.raises(TemplateError, match=r"AuditPipe.*needs DynamoDBStreamParameters"):
        start_stack(template, HANDLERS)


def test_a_pipe_from_a_stream_not_in_the_stack_is_refused(start_stack: Callable[..., LocalStack]) -> None:
    template = TEMPLATE.replace(
        "      Source: !GetAtt OrdersTable.StreamArn\n      SourceParameters:\n        DynamoDBStreamParameters:",
        "      Source: arn:aws:dynamodb:us-east-1:123456789012:table/gone/stream/2024-01-01T00:00:00.000\n"
        "      SourceParameters:\n        DynamoDBStreamParameters:")
    assert template != TEMPLATE
    with pytest.raises(TemplateError, match=r"AuditPipe.*is not the stream of a DynamoDB table of this stack"):
        start_stack(template, HANDLERS)
