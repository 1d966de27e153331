"""Tumbling windows of stream event source mappings on the local stack
(`sluice.local.lambda_.tumbling`), from templates written the way public SAM examples are: a
function with `Events: Type: Kinesis` / `Type: DynamoDB` and `TumblingWindowInSeconds`.

AWS behaviour under test ("Implementing stateful Kinesis Data Streams processing in Lambda" and
"... DynamoDB Streams processing ..."): the event carries `window` {start, end}, the `state` the
function returned the previous time in the window, `shardId`, `eventSourceARN`,
`isFinalInvokeForWindow` and `isWindowTerminatedEarly`; a response without `state` is a failed
invocation; the window ends with a final invocation, and the next window starts with a fresh
state; a state over 1 MB terminates the window early.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from sluice.local.errors import TemplateError
from sluice.local.stack import LocalStack

MIDNIGHT = datetime(2024, 6, 1, tzinfo=UTC).timestamp()

KINESIS_TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Description: Per-minute click counts from a Kinesis stream with a tumbling window

Resources:
  ClicksStream:
    Type: AWS::Kinesis::Stream
    Properties:
      ShardCount: 1

  ClickCountFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.lambda_handler
      Runtime: python3.13
      Events:
        Clicks:
          Type: Kinesis
          Properties:
            Stream: !GetAtt ClicksStream.Arn
            StartingPosition: TRIM_HORIZON
            BatchSize: 2
            TumblingWindowInSeconds: 60
"""

# Counts clicks per page in the window's state; "no-state" answers without one, "huge" inflates it.
KINESIS_HANDLER = """\
import base64

answered_without_state = []


def lambda_handler(event, context):
    state = dict(event["state"])
    for record in event["Records"]:
        page = base64.b64decode(record["kinesis"]["data"]).decode()
        if page == "no-state" and not answered_without_state:
            answered_without_state.append(True)
            return {"batchItemFailures": []}
        if page == "huge":
            state["padding"] = "x" * (1024 * 1024)
        state[page] = state.get(page, 0) + 1
    return {"state": state, "batchItemFailures": []}
"""


def _clicks(stack: LocalStack, *pages: str) -> None:
    for page in pages:
        stack.put_record("ClicksStream", page, partition_key="user-1")


def test_the_state_is_carried_through_the_window_and_ends_with_a_final_invocation(
        start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(KINESIS_TEMPLATE, {"src/app.py": KINESIS_HANDLER}, start_time=MIDNIGHT + 5)
    _clicks(stack, "home", "cart", "home")

    stack.advance(60)

    first, second, final = stack.invocations("ClickCountFunction")
    assert first.event["window"] == {"start": "2024-06-01T00:00:00Z", "end": "2024-06-01T00:01:00Z"}
    assert first.event["shardId"] == "shardId-000000000000"
    assert first.event["eventSourceARN"] == stack.arn("ClicksStream")
    assert first.event["state"] == {} and len(first.event["Records"]) == 2
    assert second.event["state"] == {"home": 1, "cart": 1} and len(second.event["Records"]) == 1
    assert not first.event["isFinalInvokeForWindow"] and not second.event["isFinalInvokeForWindow"]
    # The window's end passed: one more invocation, with the aggregate and no records.
    assert final.event["isFinalInvokeForWindow"] is True and final.event["Records"] == []
    assert final.event["state"] == {"home": 2, "cart": 1}
    assert final.started_at >= MIDNIGHT + 60
    assert all(invocation.event["isWindowTerminatedEarly"] is False for invocation in (first, second, final))


def test_a_new_window_starts_with_a_fresh_state(start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(KINESIS_TEMPLATE, {"src/app.py": KINESIS_HANDLER}, start_time=MIDNIGHT + 5)
    _clicks(stack, "home")
    stack.advance(70)
    _clicks(stack, "cart")
    stack.advance(60)

    invocations = stack.invocations("ClickCountFunction")
    assert [(invocation.event["window"]["start"], invocation.event["state"], invocation.event["isFinalInvokeForWindow"])
            for invocation in invocations] == [
        ("2024-06-01T00:00:00Z", {}, False),
        ("2024-06-01T00:00:00Z", {"home": 1}, True),
        ("2024-06-01T00:01:00Z", {}, False),
        ("2024-06-01T00:01:00Z", {"cart": 1}, True),
    ]


def test_a_response_without_state_is_a_failed_invocation_and_the_batch_is_retried(
        start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(KINESIS_TEMPLATE, {"src/app.py": KINESIS_HANDLER}, start_time=MIDNIGHT + 5)
    _clicks(stack, "no-state")

    stack.advance(60)

    answered, retried, final = stack.invocations("ClickCountFunction")
    assert answered.ok and "state" not in answered.result
    assert retried.event["Records"] == answered.event["Records"] and retried.event["state"] == {}
    assert final.event["state"] == {"no-state": 1}  # counted once: the answer without state was not kept
    assert [activity.status for activity in stack.trace.find("batch")] == ["failed", "ok", "ok"]


def test_a_state_over_1_mb_terminates_the_window_early(start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(KINESIS_TEMPLATE, {"src/app.py": KINESIS_HANDLER}, start_time=MIDNIGHT + 5)
    _clicks(stack, "huge", "home", "cart")

    stack.advance(60)

    huge, after, final = stack.invocations("ClickCountFunction")
    assert huge.event["isWindowTerminatedEarly"] is False
    # The window goes on with a fresh state, and says it was terminated early.
    assert after.event["isWindowTerminatedEarly"] is True and after.event["state"] == {}
    assert final.event["isWindowTerminatedEarly"] is True and final.event["state"] == {"cart": 1}
    assert after.event["window"] == huge.event["window"] == final.event["window"]


FINAL_FAILS_HANDLER = """\
def lambda_handler(event, context):
    if event["isFinalInvokeForWindow"]:
        raise RuntimeError("the report store is down")
    return {"state": {"count": event["state"].get("count", 0) + len(event["Records"])}}
"""


def test_a_failing_final_invocation_is_retried_then_reported_when_retries_run_out(
        start_stack: Callable[..., LocalStack]) -> None:
    template = KINESIS_TEMPLATE.replace("TumblingWindowInSeconds: 60",
                                        "TumblingWindowInSeconds: 60\n            MaximumRetryAttempts: 2")
    stack = start_stack(template, {"src/app.py": FINAL_FAILS_HANDLER}, start_time=MIDNIGHT + 5)
    _clicks(stack, "home")

    stack.advance(60)

    finals = [invocation for invocation in stack.invocations("ClickCountFunction")
              if invocation.event["isFinalInvokeForWindow"]]
    assert [invocation.ok for invocation in finals] == [False, False, False]  # the first try and 2 retries
    assert all(invocation.event["state"] == {"count": 1} for invocation in finals)
    [failure] = stack.world.deliverer.failures
    assert "final invocation of ClickCountFunction for the window 2024-06-01T00:00:00Z to " \
           "2024-06-01T00:01:00Z failed 3 times; its state is dropped" in failure
    _clicks(stack, "cart")
    stack.advance(60)
    batches = [invocation for invocation in stack.invocations("ClickCountFunction") if invocation.event["Records"]]
    assert batches[-1].event["state"] == {}  # the next window starts afresh


def test_a_window_over_900_seconds_is_refused_by_name(start_stack: Callable[..., LocalStack]) -> None:
    with pytest.raises(TemplateError, match=r"TumblingWindowInSeconds must be 0 to 900 \(got 901\)"):
        start_stack(KINESIS_TEMPLATE.replace("TumblingWindowInSeconds: 60", "TumblingWindowInSeconds: 901"),
                    {"src/app.py": KINESIS_HANDLER})


DYNAMODB_TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Description: Order totals per five minutes from a DynamoDB stream with a tumbling window

Resources:
  OrdersTable:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions:
        - AttributeName: orderId
          AttributeType: S
      KeySchema:
        - AttributeName: orderId
          KeyType: HASH
      StreamSpecification:
        StreamViewType: NEW_IMAGE

  OrderTotalsFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.lambda_handler
      Runtime: python3.13
      Events:
        Orders:
          Type: DynamoDB
          Properties:
            Stream: !GetAtt OrdersTable.StreamArn
            StartingPosition: TRIM_HORIZON
            BatchSize: 1
            TumblingWindowInSeconds: 300
"""

DYNAMODB_HANDLER = """\
def lambda_handler(event, context):
    total = int(event["state"].get("total", 0))
    for record in event["Records"]:
        total += int(record["dynamodb"]["NewImage"]["amount"]["N"])
    return {"state": {"total": total}}
"""


def test_a_dynamodb_stream_window_totals_its_records(start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(DYNAMODB_TEMPLATE, {"src/app.py": DYNAMODB_HANDLER}, start_time=MIDNIGHT + 10)
    dynamodb = stack.client("dynamodb")
    for number, amount in enumerate((5, 7)):
        dynamodb.put_item(TableName=stack.table("OrdersTable"),
                          Item={"orderId": {"S": f"o-{number}"}, "amount": {"N": str(amount)}})

    stack.run_until_idle()  # runs the open window to its end, as it runs out a batching window

    invocations = stack.invocations("OrderTotalsFunction")
    assert [(invocation.event["state"], invocation.event["isFinalInvokeForWindow"]) for invocation in invocations] == [
        ({}, False), ({"total": 5}, False), ({"total": 12}, True)]
    assert {invocation.event["window"]["end"] for invocation in invocations} == {"2024-06-01T00:05:00Z"}
    assert invocations[-1].started_at >= MIDNIGHT + 300
    assert invocations[0].event["eventSourceARN"] == invocations[0].event["Records"][0]["eventSourceARN"]
