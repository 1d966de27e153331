"""Lambda destinations on the local stack: every destination type AWS supports for each source, in
AWS's record shapes, and a loud failure (trace, warnings, `strict`) wherever one cannot be honoured.

AWS references: "Retain discarded batch records for a Kinesis Data Streams event source in Lambda"
(SQS, SNS or S3; the S3 object holds the record plus the batch, under
`aws/lambda/<ESM-UUID>/<shardID>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<Random UUID>`) and "Capturing
records of Lambda asynchronous invocations" (SQS, SNS, Lambda, EventBridge, and S3 on failure only,
under `aws/lambda/async/<function-name>/…`; the dead-letter queue gets the event with `RequestID`,
`ErrorCode` and `ErrorMessage` attributes).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any

import pytest

from sluice.local.delivery import DeliveryError
from sluice.local.errors import StackError, UnsupportedFeature
from sluice.local.stack import LocalStack
from sluice.local.trace import FAILED
from tests.local.templates import function, kinesis_event, kinesis_stream, sam_template

MIDNIGHT = datetime(2024, 6, 1, tzinfo=UTC).timestamp()
UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
HANDLERS = {"src/app.py": '''
def handler(event, context):
    """Fails on a poison Kinesis record or an event asking to fail."""
    for record in event.get("Records", []):
        if b"poison" in __import__("base64").b64decode(record["kinesis"]["data"]):
            raise ValueError("poison record")
    if event.get("fail"):
        raise ValueError(f"failing as asked: {event.get('id')}")
    return {"done": event.get("id")}


def record(event, context):
    return {"recorded": True}
'''}

HEADER = sam_template("Lambda destinations for sluice's local-stack tests.",
                      Runtime="python3.13", CodeUri="src/", Handler="app.handler", Timeout=10)

STREAMS = HEADER + kinesis_stream("Events") + kinesis_stream("Orders") + kinesis_stream("Clicks") + """
  FailedBatches:
    Type: AWS::S3::Bucket

  FailedOrders:
    Type: AWS::SQS::Queue

  FailedClicksTopic:
    Type: AWS::SNS::Topic

  FailedClicksInbox:
    Type: AWS::SQS::Queue

  FailedClicksSubscription:
    Type: AWS::SNS::Subscription
    Properties:
      TopicArn: !Ref FailedClicksTopic
      Protocol: sqs
      Endpoint: !GetAtt FailedClicksInbox.Arn
      RawMessageDelivery: false

  EventsFunction:
    Type: AWS::Serverless::Function
    Properties:
""" + kinesis_event("Events", BatchSize=10, MaximumRetryAttempts=1, DestinationConfig={
    "OnFailure": {"Type": "S3", "Destination": "!GetAtt FailedBatches.Arn"}}) + """

  OrdersFunction:
    Type: AWS::Serverless::Function

  OrdersMapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      FunctionName: !Ref OrdersFunction
      EventSourceArn: !GetAtt Orders.Arn
      StartingPosition: TRIM_HORIZON
      MaximumRetryAttempts: 0
      DestinationConfig:
        OnFailure:
          Destination: !GetAtt FailedOrders.Arn

  ClicksFunction:
    Type: AWS::Serverless::Function
    Properties:
""" + kinesis_event("Clicks", MaximumRetryAttempts=0, DestinationConfig={
    "OnFailure": {"Type": "SNS", "Destination": "!Ref FailedClicksTopic"}})


def async_function(name: str, config: str, *, handler: str = "app.handler") -> str:
    return "\n" + function(name, handler=handler, properties=config)


def on_failure(kind: str, destination: str, *, outcome: str = "OnFailure") -> str:
    return f"""      EventInvokeConfig:
        MaximumRetryAttempts: 0
        DestinationConfig:
          {outcome}:
            Type: {kind}
            Destination: {destination}
"""


ASYNC = HEADER + """
  Outcomes:
    Type: AWS::SQS::Queue

  FailureTopic:
    Type: AWS::SNS::Topic

  FailureInbox:
    Type: AWS::SQS::Queue

  FailureSubscription:
    Type: AWS::SNS::Subscription
    Properties:
      TopicArn: !Ref FailureTopic
      Protocol: sqs
      Endpoint: !GetAtt FailureInbox.Arn

  FailureBucket:
    Type: AWS::S3::Bucket

  AuditBus:
    Type: AWS::Events::EventBus
    Properties:
      Name: audit

  AuditInbox:
    Type: AWS::SQS::Queue

  AuditRule:
    Type: AWS::Events::Rule
    Properties:
      EventBusName: !Ref AuditBus
      EventPattern:
        source: [aws.lambda]
      Targets:
        - Id: inbox
          Arn: !GetAtt AuditInbox.Arn

  DeadLetters:
    Type: AWS::SQS::Queue

  DeadLetterTopic:
    Type: AWS::SNS::Topic

  DeadLetterInbox:
    Type: AWS::SQS::Queue

  DeadLetterSubscription:
    Type: AWS::SNS::Subscription
    Properties:
      TopicArn: !Ref DeadLetterTopic
      Protocol: sqs
      Endpoint: !GetAtt DeadLetterInbox.Arn
      RawMessageDelivery: true
""" + "".join([
    async_function("ToQueueFunction", on_failure("SQS", "!GetAtt Outcomes.Arn")),
    async_function("ToTopicFunction", on_failure("SNS", "!Ref FailureTopic")),
    async_function("ToFunctionFunction", on_failure("Lambda", "!GetAtt RecorderFunction.Arn")),
    async_function("ToBusFunction", on_failure("EventBridge", "!GetAtt AuditBus.Arn")),
    async_function("ToBucketFunction", on_failure("S3", "!GetAtt FailureBucket.Arn")),
    async_function("SucceedingFunction", on_failure("SQS", "!GetAtt Outcomes.Arn", outcome="OnSuccess")),
    async_function("RecorderFunction", "", handler="app.record"),
    async_function("PlainFunction", "      EventInvokeConfig:\n        MaximumRetryAttempts: 0\n"),
    async_function("QueueDeadLetterFunction", """      DeadLetterQueue:
        Type: SQS
        TargetArn: !GetAtt DeadLetters.Arn
      EventInvokeConfig:
        MaximumRetryAttempts: 0
"""),
    async_function("TopicDeadLetterFunction", """      DeadLetterQueue:
        Type: SNS
        TargetArn: !Ref DeadLetterTopic
      EventInvokeConfig:
        MaximumRetryAttempts: 0
"""),
])


@pytest.fixture
def open_stack(start_stack: Callable[..., LocalStack]) -> Callable[..., LocalStack]:
    """Start a stack from template text (with the handlers); closed after the test."""
    return partial(start_stack, files=HANDLERS, start_time=MIDNIGHT)


def failed_deliveries(stack: LocalStack) -> list[str]:
    return [activity.title for activity in stack.trace.find("delivery") if activity.status == FAILED]


def sns_messages(stack: LocalStack, inbox: str) -> list[Any]:
    """What an SNS topic delivered to its SQS subscriber (the envelope's `Message`, parsed)."""
    return [json.loads(json.loads(message.body)["Message"]) for message in stack.messages(inbox)]


# -- Kinesis on-failure destinations ------------------------------------------------------------


def test_a_poison_kinesis_batch_whose_retries_are_exhausted_lands_in_the_s3_on_failure_bucket(
        open_stack: Callable[..., LocalStack]) -> None:
    stack = open_stack(STREAMS)
    stack.put_record("Events", {"id": "e1", "kind": "poison"}, partition_key="k")
    stack.run_until_idle()

    assert len(stack.invocations("EventsFunction")) == 2  # MaximumRetryAttempts: 1
    [(key, body)] = stack.objects("FailedBatches").items()
    # aws/lambda/<ESM-UUID>/<shardID>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<Random UUID>
    assert re.fullmatch(rf"aws/lambda/{UUID}/shardId-000000000000/2024/06/01/2024-06-01T00\.00\.\d\d-{UUID}", key)
    stored = json.loads(body)
    assert stored["version"] == "1.0" and stored["timestamp"].startswith("2024-06-01T00:00:")
    assert stored["requestContext"] == {
        "requestId": stack.invocations("EventsFunction")[-1].request_id,
        "functionArn": stack.arn("EventsFunction"), "condition": "RetryAttemptsExhausted",
        "approximateInvokeCount": 2}
    assert stored["responseContext"]["functionError"] == "Unhandled"
    info = stored["KinesisBatchInfo"]
    sequence = stack.invocations("EventsFunction")[0].event["Records"][0]["kinesis"]["sequenceNumber"]
    assert info["shardId"] == "shardId-000000000000"
    assert (info["startSequenceNumber"], info["endSequenceNumber"], info["batchSize"]) == (sequence, sequence, 1)
    assert info["streamArn"] == stack.arn("Events")
    assert set(info) >= {"approximateArrivalOfFirstRecord", "approximateArrivalOfLastRecord"}
    # The S3 object also holds the batch itself, as the function received it.
    [record] = stored["payload"]["Records"]
    assert json.loads(base64.b64decode(record["kinesis"]["data"])) == {"id": "e1", "kind": "poison"}
    assert failed_deliveries(stack) == []


@pytest.mark.parametrize("throttles", [1, 4])
def test_a_throttled_on_failure_bucket_still_gets_the_record(
        open_stack: Callable[..., LocalStack], throttles: int) -> None:
    # Found by `sluice chaos` (campaign seed 1074433370, run 327090489): an S3 SlowDown on Lambda's own
    # write of the on-failure record lost the discarded batch. Lambda retries its deliveries the way
    # an AWS SDK retries a throttled or failing call; a destination that keeps failing is reported.
    stack = open_stack(STREAMS)
    stack.faults.fail("s3:PutObject", "SlowDown", times=throttles)
    stack.put_record("Events", {"id": "e1", "kind": "poison"}, partition_key="k")
    stack.run_until_idle()

    assert len(stack.faults.injected) == throttles
    [(_, body)] = stack.objects("FailedBatches").items()
    assert json.loads(body)["KinesisBatchInfo"]["batchSize"] == 1
    assert failed_deliveries(stack) == []


def test_a_destination_that_keeps_refusing_is_reported_not_retried_forever(
        open_stack: Callable[..., LocalStack]) -> None:
    stack = open_stack(STREAMS)
    stack.faults.fail("s3:PutObject", "SlowDown", times=None)
    stack.put_record("Events", {"id": "e1", "kind": "poison"}, partition_key="k")
    stack.run_until_idle()

    assert stack.objects("FailedBatches") == {}
    destination, discarded = failed_deliveries(stack)
    assert destination.startswith("OnFailure destination") and "reduce your request rate" in destination
    assert discarded.endswith("discarded (RetryAttemptsExhausted): its OnFailure destination failed")


def test_kinesis_on_failure_to_sqs_from_a_declared_event_source_mapping(
        open_stack: Callable[..., LocalStack]) -> None:
    stack = open_stack(STREAMS)
    stack.put_record("Orders", "poison", partition_key="k")
    stack.run_until_idle()

    [message] = stack.messages("FailedOrders")
    record = message.json()
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 1  # MaximumRetryAttempts: 0
    assert record["KinesisBatchInfo"]["streamArn"] == stack.arn("Orders")
    assert "payload" not in record  # only S3 objects carry the batch


def test_kinesis_on_failure_to_sns(open_stack: Callable[..., LocalStack]) -> None:
    stack = open_stack(STREAMS)
    stack.put_record("Clicks", "poison", partition_key="k")
    stack.run_until_idle()

    [record] = sns_messages(stack, "FailedClicksInbox")
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert record["KinesisBatchInfo"]["batchSize"] == 1


def test_kinesis_records_too_old_to_process_go_to_the_destination_without_an_invocation(
        open_stack: Callable[..., LocalStack]) -> None:
    """A throttled mapping retries until the records exceed MaximumRecordAgeInSeconds, then
    discards them to the destination ("Before invocation: ... retries until the records expire or
    exceed the maximum age")."""
    template = STREAMS.replace("      MaximumRetryAttempts: 0\n      DestinationConfig:",
                               "      MaximumRecordAgeInSeconds: 60\n      DestinationConfig:").replace(
        "  OrdersFunction:\n    Type: AWS::Serverless::Function\n",
        "  OrdersFunction:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        "      ReservedConcurrentExecutions: 0\n")
    stack = open_stack(template)
    stack.put_record("Orders", {"id": "o1"}, partition_key="k")
    stack.run_until_idle()

    assert stack.invocations("OrdersFunction") == []
    [message] = stack.messages("FailedOrders")
    assert message.json()["requestContext"]["condition"] == "RecordAgeExceeded"
    assert message.json()["requestContext"]["approximateInvokeCount"] == 0


def test_a_kinesis_batch_discarded_without_a_destination_is_reported(open_stack: Callable[..., LocalStack]) -> None:
    template = STREAMS.replace("""            DestinationConfig:
              OnFailure:
                Type: SNS
                Destination: !Ref FailedClicksTopic
""", "")
    stack = open_stack(template)
    stack.put_record("Clicks", "poison", partition_key="k")
    stack.run_until_idle()

    [failure] = failed_deliveries(stack)
    assert "discarded (RetryAttemptsExhausted): no OnFailure destination" in failure


# -- asynchronous invocation destinations and dead-letter queues ---------------------------------


@pytest.fixture
def async_stack(open_stack: Callable[..., LocalStack]) -> LocalStack:
    return open_stack(ASYNC)


def test_async_on_failure_to_sqs(async_stack: LocalStack) -> None:
    request_id = async_stack.invoke_async("ToQueueFunction", {"id": 1, "fail": True})
    async_stack.run_until_idle()

    [message] = async_stack.messages("Outcomes")
    record = message.json()
    assert record["requestContext"] == {
        "requestId": request_id, "functionArn": f"{async_stack.arn('ToQueueFunction')}:$LATEST",
        "condition": "RetriesExhausted", "approximateInvokeCount": 1}
    assert record["requestPayload"] == {"id": 1, "fail": True}
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"}
    assert record["responsePayload"]["errorMessage"] == "failing as asked: 1"


def test_async_on_failure_to_sns(async_stack: LocalStack) -> None:
    async_stack.invoke_async("ToTopicFunction", {"id": 2, "fail": True})
    async_stack.run_until_idle()

    [record] = sns_messages(async_stack, "FailureInbox")
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestPayload"] == {"id": 2, "fail": True}


def test_async_on_failure_to_lambda(async_stack: LocalStack) -> None:
    async_stack.invoke_async("ToFunctionFunction", {"id": 3, "fail": True})
    async_stack.run_until_idle()

    [invocation] = async_stack.invocations("RecorderFunction")
    assert invocation.event["requestContext"]["condition"] == "RetriesExhausted"
    assert invocation.event["requestPayload"] == {"id": 3, "fail": True}


def test_async_on_failure_to_an_eventbridge_bus(async_stack: LocalStack) -> None:
    async_stack.invoke_async("ToBusFunction", {"id": 4, "fail": True})
    async_stack.run_until_idle()

    [message] = async_stack.messages("AuditInbox")
    event = message.json()
    assert (event["source"], event["detail-type"]) == ("aws.lambda", "Lambda Function Invocation Result - Failure")
    assert event["resources"] == [async_stack.arn("ToBusFunction"), async_stack.arn("AuditBus")]
    assert event["detail"]["requestContext"]["condition"] == "RetriesExhausted"
    assert event["detail"]["requestPayload"] == {"id": 4, "fail": True}


def test_async_on_failure_to_s3(async_stack: LocalStack) -> None:
    async_stack.invoke_async("ToBucketFunction", {"id": 5, "fail": True})
    async_stack.run_until_idle()

    [(key, body)] = async_stack.objects("FailureBucket").items()
    name = async_stack.name("ToBucketFunction")
    assert re.fullmatch(rf"aws/lambda/async/{name}/2024/06/01/2024-06-01T00\.00\.\d\d-{UUID}", key)
    record = json.loads(body)
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestPayload"] == {"id": 5, "fail": True}


def test_async_on_success(async_stack: LocalStack) -> None:
    async_stack.invoke_async("SucceedingFunction", {"id": 6})
    async_stack.run_until_idle()

    [message] = async_stack.messages("Outcomes")
    record = message.json()
    assert record["requestContext"]["condition"] == "Success"
    assert (record["requestPayload"], record["responsePayload"]) == ({"id": 6}, {"done": 6})
    assert "functionError" not in record["responseContext"]


def test_the_dead_letter_queue_gets_the_event_with_the_error_attributes(async_stack: LocalStack) -> None:
    request_id = async_stack.invoke_async("QueueDeadLetterFunction", {"id": 7, "fail": True})
    async_stack.run_until_idle()

    [message] = async_stack.messages("DeadLetters")
    assert message.json() == {"id": 7, "fail": True}  # the original event only, no invocation record
    assert message.attributes["RequestID"] == {"DataType": "String", "StringValue": request_id}
    assert message.attributes["ErrorCode"] == {"DataType": "Number", "StringValue": "200"}
    assert message.attributes["ErrorMessage"] == {"DataType": "String", "StringValue": "failing as asked: 7"}


def test_an_sns_dead_letter_topic_gets_the_event(async_stack: LocalStack) -> None:
    async_stack.invoke_async("TopicDeadLetterFunction", {"id": 8, "fail": True})
    async_stack.run_until_idle()

    [message] = async_stack.messages("DeadLetterInbox")  # raw message delivery: the event itself
    assert message.json() == {"id": 8, "fail": True}


# -- what cannot be delivered is loud ------------------------------------------------------------


@pytest.mark.parametrize(
    ("resources", "where", "message"),
    [
        (async_function("Fn", on_failure("S3", "!GetAtt Bucket.Arn", outcome="OnSuccess")),
         "EventInvokeConfig.DestinationConfig.OnSuccess",
         "sends OnSuccess records of asynchronous invocations to SQS, SNS, Lambda or EventBridge, not to S3"),
        (async_function("Fn", on_failure("SQS", "!GetAtt Jobs.Arn")),
         "EventInvokeConfig.DestinationConfig.OnFailure", "does not send OnFailure records of asynchronous "
                                                          "invocations to FIFO queues or topics"),
        (async_function("Fn", on_failure("SQS", "arn:aws:sqs:us-east-1:123456789012:elsewhere")),
         "EventInvokeConfig.DestinationConfig.OnFailure", "is not a resource of this template"),
        (async_function("Fn", on_failure("SNS", "!GetAtt Queue.Arn")),
         "EventInvokeConfig.DestinationConfig.OnFailure", "Type SNS does not match the destination"),
        (async_function("Fn", "      DeadLetterQueue:\n        Type: SQS\n        TargetArn: !GetAtt Jobs.Arn\n"),
         "DeadLetterQueue", "does not send failed asynchronous events (DeadLetterQueue) to FIFO queues"),
        (async_function("Fn", kinesis_event("Stream", StartingPosition="LATEST", DestinationConfig={
            "OnFailure": {"Type": "Lambda", "Destination": "!GetAtt Other.Arn"}})) + async_function("Other", ""),
         "Events.Stream.Properties.DestinationConfig.OnFailure",
         "sends OnFailure records of Kinesis and DynamoDB event source mappings to SQS, SNS or S3, not to Lambda"),
        (async_function("Fn", "") + """
  Mapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      FunctionName: !Ref Fn
      EventSourceArn: !GetAtt Queue.Arn
      DestinationConfig:
        OnFailure:
          Destination: !GetAtt Queue.Arn
""", "DestinationConfig", "an SQS event source has no on-failure destination"),
        ("""
  Config:
    Type: AWS::Lambda::EventInvokeConfig
    Properties:
      FunctionName: somebody-elses-function
      Qualifier: $LATEST
      MaximumRetryAttempts: 0
""", "FunctionName", "is not a function of this template"),
    ],
    ids=["s3-on-success", "fifo-on-failure", "unknown-arn", "type-mismatch", "fifo-dead-letter",
         "lambda-for-a-stream", "sqs-source", "orphan-invoke-config"],
)
def test_a_destination_aws_would_not_deliver_to_is_a_warning_and_strict_fails(
        open_stack: Callable[..., LocalStack], resources: str, where: str, message: str) -> None:
    template = HEADER + """
  Bucket:
    Type: AWS::S3::Bucket
  Queue:
    Type: AWS::SQS::Queue
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      FifoQueue: true
""" + kinesis_stream("Stream") + resources
    stack = open_stack(template)
    [warning] = [warning for warning in stack.warnings if message in warning]
    assert f"property {where}:" in warning
    stack.close()
    with pytest.raises(UnsupportedFeature, match=re.escape(message)):
        open_stack(template, strict=True)


def test_an_unsupported_destination_still_fails_loudly_at_run_time(open_stack: Callable[..., LocalStack]) -> None:
    template = HEADER + "  Bucket:\n    Type: AWS::S3::Bucket\n" + async_function(
        "Fn", on_failure("S3", "!GetAtt Bucket.Arn", outcome="OnSuccess"))
    stack = open_stack(template)
    stack.invoke_async("Fn", {"id": 9})
    stack.run_until_idle()

    [failure] = failed_deliveries(stack)
    assert failure.startswith("OnSuccess destination") and "not to S3" in failure
    assert stack.objects("Bucket") == {}


def test_a_failed_delivery_is_traced_and_reported_as_a_drop(async_stack: LocalStack) -> None:
    async_stack.client("sqs").delete_queue(QueueUrl=async_stack.queue_url("Outcomes"))
    async_stack.invoke_async("ToQueueFunction", {"id": 10, "fail": True})
    async_stack.run_until_idle()

    destination, dropped = failed_deliveries(async_stack)
    assert destination.startswith("OnFailure destination") and "failed: sqs send_message" in destination
    assert dropped == "event for ToQueueFunction dropped: RetriesExhausted, and no destination took it"


def test_a_failed_delivery_raises_when_strict(open_stack: Callable[..., LocalStack]) -> None:
    stack = open_stack(ASYNC, strict=True)
    stack.client("sqs").delete_queue(QueueUrl=stack.queue_url("Outcomes"))
    stack.invoke_async("ToQueueFunction", {"id": 11, "fail": True})
    with pytest.raises(DeliveryError, match="not delivered: OnFailure destination") as raised:
        stack.run_until_idle()
    assert isinstance(raised.value, StackError)


def test_an_async_failure_without_destinations_is_reported_as_dropped(async_stack: LocalStack) -> None:
    async_stack.invoke_async("PlainFunction", {"id": 12, "fail": True})
    async_stack.run_until_idle()
    assert failed_deliveries(async_stack) == ["event for PlainFunction dropped: RetriesExhausted"]
