"""`ParallelizationFactor` of stream event source mappings on the local stack
(`sluice.local.lambda_.stream_poller`), from templates written the way public SAM examples are:
a function with `Events: Type: Kinesis` / `Type: DynamoDB` and `ParallelizationFactor`.

AWS behaviour under test ("Using Lambda with Kinesis" and "Using Lambda with DynamoDB", "Polling and
batching streams"): Lambda processes up to `ParallelizationFactor` batches from one shard at once
and keeps records in order per partition key (Kinesis) or per item key (DynamoDB) — so a key whose
batch fails and is retried holds back only its own records.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from sluice.local.errors import TemplateError
from sluice.local.lambda_.stream_poller import ShardPoller, lane_of
from sluice.local.stack import LocalStack

KINESIS_TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Description: Sensor readings from a Kinesis stream, several batches per shard at once

Resources:
  ReadingsStream:
    Type: AWS::Kinesis::Stream
    Properties:
      ShardCount: 1

  ReadingsFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.lambda_handler
      Runtime: python3.13
      Events:
        Readings:
          Type: Kinesis
          Properties:
            Stream: !GetAtt ReadingsStream.Arn
            StartingPosition: TRIM_HORIZON
            BatchSize: 10
            ParallelizationFactor: 3
"""

# Fails the first three batches holding a reading of the cellar (a warm sandbox keeps the count).
KINESIS_HANDLER = """\
import base64
import json

failures = {"cellar": 0}


def lambda_handler(event, context):
    rooms = {record["kinesis"]["partitionKey"] for record in event["Records"]}
    if "cellar" in rooms and failures["cellar"] < 3:
        failures["cellar"] += 1
        raise RuntimeError("the cellar sensor is not calibrated yet")
    return {"readings": [json.loads(base64.b64decode(record["kinesis"]["data"])) for record in event["Records"]]}
"""

#: Three rooms on three different lanes of a factor of 3 (checked by the test).
ROOMS = ("cellar", "kitchen", "garage")


def test_other_partition_keys_progress_while_one_keys_batch_is_retried(
        start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(KINESIS_TEMPLATE, {"src/app.py": KINESIS_HANDLER})
    assert len({lane_of(room, 3) for room in ROOMS}) == 3
    for reading in range(3):
        for room in ROOMS:
            stack.put_record("ReadingsStream", {"room": room, "n": reading}, partition_key=room)

    stack.run_until_idle()

    invocations = stack.invocations("ReadingsFunction")
    cellar = [invocation for invocation in invocations if _rooms(invocation) == {"cellar"}]
    others = [invocation for invocation in invocations if invocation.ok and _rooms(invocation) != {"cellar"}]
    # Every cellar batch holds only cellar readings: its lane does not mix keys of the other lanes.
    assert all(_rooms(invocation) <= {"cellar"} for invocation in invocations if "cellar" in _rooms(invocation))
    assert [invocation.ok for invocation in cellar] == [False, False, False, True]
    first_success = next(invocation for invocation in cellar if invocation.ok)
    # The kitchen and the garage were done while the cellar's batch was still failing and retried.
    assert {room for invocation in others for room in _rooms(invocation)} == {"kitchen", "garage"}
    assert all(invocation.started_at < first_success.started_at for invocation in others)
    # Per key, the readings arrive in the order they were written, each once.
    for room in ROOMS:
        delivered = [reading["n"] for invocation in invocations if invocation.ok
                     for reading in invocation.result["readings"] if reading["room"] == room]
        assert delivered == [0, 1, 2]


def test_the_shard_checkpoint_is_the_lowest_unfinished_position(start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(KINESIS_TEMPLATE, {"src/app.py": KINESIS_HANDLER})
    sequences = {room: stack.put_record("ReadingsStream", {"room": room, "n": 0}, partition_key=room)["SequenceNumber"]
                 for room in ("kitchen", "cellar", "garage")}

    stack.clock.advance(0.5)  # half a second only: the cellar's batch failed once, its retry waits a second

    [poller] = [source for source in stack.world.sources if isinstance(source, ShardPoller)]
    [shard] = poller.shards.values()
    lanes = {room: shard.lanes[lane_of(room, 3)] for room in ROOMS}
    assert lanes["kitchen"].checkpoint == lanes["garage"].checkpoint == sequences["garage"]  # done
    assert lanes["cellar"].checkpoint == sequences["kitchen"]  # its first record is not
    assert shard.checkpoint == sequences["kitchen"]
    stack.run_until_idle()
    assert shard.checkpoint == sequences["garage"]  # everything is done: the newest record


def test_a_parallelization_factor_over_10_is_refused_by_name(start_stack: Callable[..., LocalStack]) -> None:
    with pytest.raises(TemplateError, match=r"ParallelizationFactor must be 1 to 10 \(got 11\)"):
        start_stack(KINESIS_TEMPLATE.replace("ParallelizationFactor: 3", "ParallelizationFactor: 11"),
                    {"src/app.py": KINESIS_HANDLER})


DYNAMODB_TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Description: Order changes from a DynamoDB stream, several batches per shard at once

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

  OrderChangesFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.lambda_handler
      Runtime: python3.13
      Events:
        OrderChanges:
          Type: DynamoDB
          Properties:
            Stream: !GetAtt OrdersTable.StreamArn
            StartingPosition: TRIM_HORIZON
            BatchSize: 5
            ParallelizationFactor: 10
"""

# Fails the first two batches holding a change of the order "o-poison".
DYNAMODB_HANDLER = """\
failures = {"count": 0}


def lambda_handler(event, context):
    keys = [record["dynamodb"]["Keys"]["orderId"]["S"] for record in event["Records"]]
    if "o-poison" in keys and failures["count"] < 2:
        failures["count"] += 1
        raise RuntimeError("o-poison cannot be shipped yet")
    return {"changes": [[key, record["dynamodb"]["NewImage"]["status"]["S"]]
                        for key, record in zip(keys, event["Records"])]}
"""


def test_dynamodb_changes_keep_their_order_per_item_while_another_item_is_retried(
        start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(DYNAMODB_TEMPLATE, {"src/app.py": DYNAMODB_HANDLER})
    orders = ("o-poison", "o-1", "o-2")
    assert len({lane_of(json.dumps({"orderId": {"S": order}}), 10) for order in orders}) == 3
    dynamodb = stack.client("dynamodb")
    for status in ("placed", "paid", "shipped"):
        for order in orders:
            dynamodb.put_item(TableName=stack.table("OrdersTable"),
                              Item={"orderId": {"S": order}, "status": {"S": status}})

    stack.run_until_idle()

    invocations = stack.invocations("OrderChangesFunction")
    succeeded = [invocation for invocation in invocations if invocation.ok]
    poison_done = next(invocation for invocation in succeeded if _orders(invocation) == {"o-poison"})
    assert [invocation.ok for invocation in invocations if "o-poison" in _orders(invocation)] == [False, False, True]
    assert all(invocation.started_at < poison_done.started_at
               for invocation in succeeded if invocation is not poison_done)
    for order in orders:
        statuses = [status for invocation in succeeded for key, status in invocation.result["changes"] if key == order]
        assert statuses == ["placed", "paid", "shipped"]


def _rooms(invocation: Any) -> set[str]:
    return {record["kinesis"]["partitionKey"] for record in invocation.event["Records"]}


def _orders(invocation: Any) -> set[str]:
    return {record["dynamodb"]["Keys"]["orderId"]["S"] for record in invocation.event["Records"]}


PIPE_TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Description: A pipe from a Kinesis stream to a function, several batches per shard at once

Resources:
  ReadingsStream:
    Type: AWS::Kinesis::Stream
    Properties:
      ShardCount: 1

  ReadingsFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.lambda_handler
      Runtime: python3.13

  PipeRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: {Service: pipes.amazonaws.com}
            Action: sts:AssumeRole

  ReadingsPipe:
    Type: AWS::Pipes::Pipe
    Properties:
      RoleArn: !GetAtt PipeRole.Arn
      Source: !GetAtt ReadingsStream.Arn
      SourceParameters:
        KinesisStreamParameters:
          StartingPosition: TRIM_HORIZON
          BatchSize: 10
          ParallelizationFactor: 3
      Target: !GetAtt ReadingsFunction.Arn
"""

# The pipe's batch reaches the function as a JSON array of flat Kinesis records.
PIPE_HANDLER = """\
import base64
import json

failures = {"cellar": 0}


def lambda_handler(event, context):
    rooms = {record["partitionKey"] for record in event}
    if "cellar" in rooms and failures["cellar"] < 3:
        failures["cellar"] += 1
        raise RuntimeError("the cellar sensor is not calibrated yet")
    return [json.loads(base64.b64decode(record["data"])) for record in event]
"""


def test_a_pipe_reads_a_shard_in_parallel_lanes_too(start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(PIPE_TEMPLATE, {"src/app.py": PIPE_HANDLER})
    for reading in range(2):
        for room in ROOMS:
            stack.put_record("ReadingsStream", {"room": room, "n": reading}, partition_key=room)

    stack.run_until_idle()

    invocations = stack.invocations("ReadingsFunction")
    cellar = [invocation for invocation in invocations if _pipe_rooms(invocation) == {"cellar"}]
    assert [invocation.ok for invocation in cellar] == [False, False, False, True]
    others = [invocation for invocation in invocations if "cellar" not in _pipe_rooms(invocation)]
    assert others and all(invocation.ok and invocation.started_at < cellar[-1].started_at for invocation in others)
    for room in ROOMS:
        delivered = [reading["n"] for invocation in invocations if invocation.ok
                     for reading in invocation.result if reading["room"] == room]
        assert delivered == [0, 1]


def _pipe_rooms(invocation: Any) -> set[str]:
    return {record["partitionKey"] for record in invocation.event}
