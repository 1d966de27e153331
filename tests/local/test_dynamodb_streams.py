"""DynamoDB Streams on the local stack (`sluice.local.dynamodb`), from a template written the way
public SAM examples write one: a table with a NEW_AND_OLD_IMAGES stream and a function that keeps
running totals from its changes, a second function on the same stream filtering on INSERTs, a
failing function with bisection and an SQS on-failure destination, a declared
`AWS::Lambda::EventSourceMapping` with partial batch responses, and tables of every view type.

AWS behaviour under test: "Change data capture for DynamoDB Streams" (record shape; "if you perform
a PutItem or UpdateItem operation that does not change any data in an item, DynamoDB Streams does
not write a stream record"), "Using Lambda with DynamoDB" (batching, errors, bisection, on-failure
records with `DDBStreamBatchInfo`, `ReportBatchItemFailures`) and "Using event filtering with a
DynamoDB event source".
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from sluice.local.errors import TemplateError
from sluice.local.stack import LocalStack
from sluice.local.trace import FAILED
from tests.local.templates import sam_template, stream_table

MIDNIGHT = datetime(2024, 6, 1, tzinfo=UTC).timestamp()

TEMPLATE = sam_template("Order changes flow from a DynamoDB stream into running totals",
                        Runtime="python3.13", Handler="app.lambda_handler", Timeout=10) + """\
  OrdersTable:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions:
        - {AttributeName: pk, AttributeType: S}
        - {AttributeName: sk, AttributeType: S}
      KeySchema:
        - {AttributeName: pk, KeyType: HASH}
        - {AttributeName: sk, KeyType: RANGE}
      StreamSpecification:
        StreamViewType: NEW_AND_OLD_IMAGES

  TotalsTable:
    Type: AWS::Serverless::SimpleTable
    Properties:
      PrimaryKey: {Name: customer, Type: String}

  TotalsFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/totals/
      Environment:
        Variables:
          TOTALS_TABLE: !Ref TotalsTable
      Events:
        OrderChanges:
          Type: DynamoDB
          Properties:
            Stream: !GetAtt OrdersTable.StreamArn
            StartingPosition: TRIM_HORIZON
            BatchSize: 10

  NewOrdersFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/echo/
      Events:
        NewOrders:
          Type: DynamoDB
          Properties:
            Stream: !GetAtt OrdersTable.StreamArn
            StartingPosition: LATEST
            FilterCriteria:
              Filters:
                - Pattern: '{"eventName": ["INSERT"], "dynamodb": {"NewImage": {"status": {"S": ["open"]}}}}'

""" + stream_table("LedgerTable", "NEW_IMAGE") + """
  LedgerFailures:
    Type: AWS::SQS::Queue

  LedgerFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/ledger/
      Events:
        Entries:
          Type: DynamoDB
          Properties:
            Stream: !GetAtt LedgerTable.StreamArn
            StartingPosition: TRIM_HORIZON
            BatchSize: 4
            MaximumBatchingWindowInSeconds: 5
            BisectBatchOnFunctionError: true
            MaximumRetryAttempts: 1
            DestinationConfig:
              OnFailure:
                Type: SQS
                Destination: !GetAtt LedgerFailures.Arn

""" + stream_table("PaymentsTable", "NEW_IMAGE") + """
  PaymentsFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/payments/

  PaymentsMapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      FunctionName: !Ref PaymentsFunction
      EventSourceArn: !GetAtt PaymentsTable.StreamArn
      StartingPosition: TRIM_HORIZON
      BatchSize: 10
      MaximumRetryAttempts: 2
      FunctionResponseTypes: [ReportBatchItemFailures]

""" + stream_table("KeysOnlyTable", "KEYS_ONLY") + "\n" + stream_table("OldImageTable", "OLD_IMAGE") + """
Outputs:
  OrdersStreamArn:
    Value: !GetAtt OrdersTable.StreamArn
"""

HANDLERS = {
    "src/totals/app.py": '''\
import os

import boto3


def amount(image):
    return int(image["amount"]["N"]) if image and "amount" in image else 0


def lambda_handler(event, context):
    dynamodb = boto3.client("dynamodb")
    for record in event["Records"]:
        change = record["dynamodb"]
        image = change.get("NewImage") or change["OldImage"]
        delta = amount(change.get("NewImage")) - amount(change.get("OldImage"))
        dynamodb.update_item(TableName=os.environ["TOTALS_TABLE"], Key={"customer": image["pk"]},
                             UpdateExpression="ADD spent :delta",
                             ExpressionAttributeValues={":delta": {"N": str(delta)}})
    return {"changes": len(event["Records"])}
''',
    "src/echo/app.py": '''\
def lambda_handler(event, context):
    return {"changes": len(event["Records"])}
''',
    "src/ledger/app.py": '''\
def lambda_handler(event, context):
    for record in event["Records"]:
        if "poison" in record["dynamodb"]["NewImage"]:
            raise ValueError("poison entry " + record["dynamodb"]["Keys"]["id"]["S"])
    return {"entries": len(event["Records"])}
''',
    "src/payments/app.py": '''\
def lambda_handler(event, context):
    failed = [record["dynamodb"]["SequenceNumber"] for record in event["Records"]
              if record["dynamodb"]["NewImage"].get("declined", {}).get("BOOL")]
    return {"batchItemFailures": [{"itemIdentifier": sequence} for sequence in failed]}
''',
}


@pytest.fixture
def stack(start_stack: Callable[..., LocalStack]) -> LocalStack:
    return start_stack(TEMPLATE, HANDLERS, start_time=MIDNIGHT)


def stream_arn(stack: LocalStack, table: str) -> str:
    return str(stack.client("dynamodb").describe_table(TableName=stack.name(table))["Table"]["LatestStreamArn"])


def shard_records(stack: LocalStack, table: str) -> list[dict[str, Any]]:
    """The records of the table's one stream shard, read through the DynamoDB Streams API."""
    streams, arn = stack.client("dynamodbstreams"), stream_arn(stack, table)
    [shard] = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    return list(streams.get_records(ShardIterator=iterator)["Records"])


def received(stack: LocalStack, function: str) -> list[dict[str, Any]]:
    return [record for invocation in stack.invocations(function) for record in invocation.event["Records"]]


def order(customer: str, number: str, amount: int, **more: dict[str, Any]) -> dict[str, Any]:
    return {"pk": {"S": customer}, "sk": {"S": number}, "amount": {"N": str(amount)}, **more}


def put(stack: LocalStack, table: str, item: dict[str, Any], **options: Any) -> None:
    stack.client("dynamodb").put_item(TableName=stack.name(table), Item=item, **options)


def test_changes_reach_the_function_in_order_in_aws_record_shape(stack: LocalStack) -> None:
    dynamodb = stack.client("dynamodb")
    key = {"pk": {"S": "c-1"}, "sk": {"S": "o-1"}}
    put(stack, "OrdersTable", order("c-1", "o-1", 5))
    stack.advance(90)
    dynamodb.update_item(TableName=stack.name("OrdersTable"), Key=key, UpdateExpression="SET amount = :a",
                         ExpressionAttributeValues={":a": {"N": "8"}})
    dynamodb.delete_item(TableName=stack.name("OrdersTable"), Key=key)
    stack.run_until_idle()

    insert, modify, remove = received(stack, "TotalsFunction")
    assert [insert["eventName"], modify["eventName"], remove["eventName"]] == ["INSERT", "MODIFY", "REMOVE"]
    assert {key: insert[key] for key in ("eventSource", "eventVersion", "awsRegion", "eventSourceARN")} == {
        "eventSource": "aws:dynamodb", "eventVersion": "1.1", "awsRegion": stack.template.region,
        "eventSourceARN": stream_arn(stack, "OrdersTable")}
    assert insert["dynamodb"]["Keys"] == key and insert["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert insert["dynamodb"]["NewImage"] == order("c-1", "o-1", 5) and "OldImage" not in insert["dynamodb"]
    assert (modify["dynamodb"]["OldImage"], modify["dynamodb"]["NewImage"]) == (order("c-1", "o-1", 5),
                                                                                order("c-1", "o-1", 8))
    assert remove["dynamodb"]["OldImage"] == order("c-1", "o-1", 8) and "NewImage" not in remove["dynamodb"]
    # Epoch seconds of the virtual clock, rounded down; sequence numbers grow.
    assert insert["dynamodb"]["ApproximateCreationDateTime"] == int(MIDNIGHT)
    assert modify["dynamodb"]["ApproximateCreationDateTime"] == int(MIDNIGHT) + 90
    sequences = [int(record["dynamodb"]["SequenceNumber"]) for record in (insert, modify, remove)]
    assert sequences == sorted(sequences) and len(set(sequences)) == 3
    assert all(record["dynamodb"]["SizeBytes"] > 0 for record in (insert, modify, remove))
    assert len({record["eventID"] for record in (insert, modify, remove)}) == 3
    assert stack.items("TotalsTable") == [{"customer": "c-1", "spent": 0}]  # +5, +3, -8


def test_a_write_that_changes_nothing_and_a_failed_conditional_write_add_no_record(stack: LocalStack) -> None:
    dynamodb = stack.client("dynamodb")
    put(stack, "OrdersTable", order("c-1", "o-1", 5))
    put(stack, "OrdersTable", order("c-1", "o-1", 5))  # the same item again
    dynamodb.update_item(TableName=stack.name("OrdersTable"), Key={"pk": {"S": "c-1"}, "sk": {"S": "o-1"}},
                         UpdateExpression="SET amount = :a", ExpressionAttributeValues={":a": {"N": "5"}})
    with pytest.raises(ClientError, match="ConditionalCheckFailed"):
        put(stack, "OrdersTable", order("c-1", "o-1", 7), ConditionExpression="attribute_not_exists(pk)")
    dynamodb.delete_item(TableName=stack.name("OrdersTable"), Key={"pk": {"S": "c-9"}, "sk": {"S": "none"}})
    stack.run_until_idle()
    assert [record["eventName"] for record in received(stack, "TotalsFunction")] == ["INSERT"]


def test_batches_transactions_and_an_update_that_creates_its_item(stack: LocalStack) -> None:
    dynamodb = stack.client("dynamodb")
    table = stack.name("OrdersTable")
    dynamodb.batch_write_item(RequestItems={table: [{"PutRequest": {"Item": order("c-1", f"o-{n}", n)}}
                                                    for n in (1, 2, 3)]})
    dynamodb.transact_write_items(TransactItems=[
        {"Put": {"TableName": table, "Item": order("c-2", "o-9", 9)}},
        {"Delete": {"TableName": table, "Key": {"pk": {"S": "c-1"}, "sk": {"S": "o-1"}}}},
    ])
    with pytest.raises(ClientError, match="TransactionCanceled"):  # all or nothing: no record at all
        dynamodb.transact_write_items(TransactItems=[
            {"Put": {"TableName": table, "Item": order("c-3", "o-1", 1)}},
            {"Put": {"TableName": table, "Item": order("c-2", "o-9", 1),
                     "ConditionExpression": "attribute_not_exists(pk)"}},
        ])
    # moto writes two records here (the bare key, then the update); AWS writes one INSERT.
    dynamodb.update_item(TableName=table, Key={"pk": {"S": "c-4"}, "sk": {"S": "o-1"}},
                         UpdateExpression="SET amount = :a", ExpressionAttributeValues={":a": {"N": "4"}})
    stack.run_until_idle()

    changes = [(record["eventName"], record["dynamodb"]["Keys"]["pk"]["S"], record["dynamodb"]["Keys"]["sk"]["S"])
               for record in received(stack, "TotalsFunction")]
    assert changes == [("INSERT", "c-1", "o-1"), ("INSERT", "c-1", "o-2"), ("INSERT", "c-1", "o-3"),
                       ("INSERT", "c-2", "o-9"), ("REMOVE", "c-1", "o-1"), ("INSERT", "c-4", "o-1")]
    assert received(stack, "TotalsFunction")[-1]["dynamodb"]["NewImage"] == order("c-4", "o-1", 4)
    assert {item["customer"]: item["spent"] for item in stack.items("TotalsTable")} == {"c-1": 5, "c-2": 9, "c-4": 4}


def test_a_filter_on_inserts_sends_only_matching_records(stack: LocalStack) -> None:
    dynamodb = stack.client("dynamodb")
    put(stack, "OrdersTable", order("c-1", "o-1", 50, status={"S": "open"}))
    put(stack, "OrdersTable", order("c-1", "o-2", 3, status={"S": "draft"}))  # an INSERT, but not open
    dynamodb.update_item(TableName=stack.name("OrdersTable"), Key={"pk": {"S": "c-1"}, "sk": {"S": "o-1"}},
                         UpdateExpression="SET amount = :a", ExpressionAttributeValues={":a": {"N": "60"}})
    put(stack, "OrdersTable", order("c-2", "o-3", 20, status={"S": "open"}))
    stack.run_until_idle()
    assert [record["dynamodb"]["Keys"]["sk"]["S"] for record in received(stack, "NewOrdersFunction")] == ["o-1", "o-3"]
    assert len(received(stack, "TotalsFunction")) == 4  # the other mapping on the stream sees everything


def test_a_failing_batch_is_bisected_and_the_poison_record_goes_to_the_on_failure_queue(stack: LocalStack) -> None:
    for number in range(4):
        entry = {"id": {"S": f"e{number}"}} | ({"poison": {"BOOL": True}} if number == 2 else {})
        put(stack, "LedgerTable", entry)
    stack.run_until_idle()

    batches = [[record["dynamodb"]["Keys"]["id"]["S"] for record in invocation.event["Records"]]
               for invocation in stack.invocations("LedgerFunction")]
    assert batches[0] == ["e0", "e1", "e2", "e3"]  # one batch: the window gathered all four
    assert ["e0", "e1"] in batches and batches[-1] == ["e3"]  # halves retried; e3 after e2 was skipped
    [failure] = stack.messages("LedgerFailures")
    record = failure.json()
    info = record["DDBStreamBatchInfo"]
    poison = next(entry for entry in received(stack, "LedgerFunction") if entry["dynamodb"]["Keys"]["id"]["S"] == "e2")
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert info["batchSize"] == 1 and info["streamArn"] == stream_arn(stack, "LedgerTable")
    assert info["startSequenceNumber"] == info["endSequenceNumber"] == poison["dynamodb"]["SequenceNumber"]
    assert "KinesisBatchInfo" not in record


def test_the_batch_waits_for_the_batching_window(stack: LocalStack) -> None:
    put(stack, "LedgerTable", {"id": {"S": "e0"}})
    stack.run_until_idle()
    [invocation] = stack.invocations("LedgerFunction")
    assert invocation.started_at == pytest.approx(MIDNIGHT + 5)


def test_a_partial_batch_response_resumes_from_the_first_failed_record(stack: LocalStack) -> None:
    put(stack, "PaymentsTable", {"id": {"S": "p1"}})
    put(stack, "PaymentsTable", {"id": {"S": "p2"}, "declined": {"BOOL": True}})
    put(stack, "PaymentsTable", {"id": {"S": "p3"}})
    stack.run_until_idle()
    put(stack, "PaymentsTable", {"id": {"S": "p4"}})
    stack.run_until_idle()

    batches = [[record["dynamodb"]["Keys"]["id"]["S"] for record in invocation.event["Records"]]
               for invocation in stack.invocations("PaymentsFunction")]
    # p1 is never sent again; p2 is retried (with p3) twice, then the batch is discarded — with no
    # destination, reported — and the shard moves on.
    assert batches == [["p1", "p2", "p3"], ["p2", "p3"], ["p2", "p3"], ["p4"]]
    failures = [activity.title for activity in stack.trace.find("delivery") if activity.status == FAILED]
    assert len(failures) == 1 and "DynamoDB stream PaymentsTable" in failures[0]
    assert "(2) discarded (RetryAttemptsExhausted): no OnFailure destination" in failures[0]


def test_the_streams_api_returns_the_records_of_each_view_type(stack: LocalStack) -> None:
    dynamodb, streams = stack.client("dynamodb"), stack.client("dynamodbstreams")
    for table in ("KeysOnlyTable", "OldImageTable"):
        put(stack, table, {"id": {"S": "a"}, "n": {"N": "1"}})
        put(stack, table, {"id": {"S": "a"}, "n": {"N": "2"}})
        dynamodb.delete_item(TableName=stack.name(table), Key={"id": {"S": "a"}})

    keys_only, old_image = shard_records(stack, "KeysOnlyTable"), shard_records(stack, "OldImageTable")
    assert [record["eventName"] for record in keys_only] == ["INSERT", "MODIFY", "REMOVE"]
    assert all(set(record["dynamodb"]) == {"ApproximateCreationDateTime", "Keys", "SequenceNumber", "SizeBytes",
                                           "StreamViewType"} for record in keys_only)
    assert [record["dynamodb"].get("OldImage") for record in old_image] == [
        None, {"id": {"S": "a"}, "n": {"N": "1"}}, {"id": {"S": "a"}, "n": {"N": "2"}}]
    assert all("NewImage" not in record["dynamodb"] for record in old_image)
    assert old_image[0]["awsRegion"] == stack.template.region
    assert [table["TableName"] for table in streams.list_streams()["Streams"]].count(stack.name("OldImageTable")) == 1


def test_the_streams_api_and_the_function_see_the_same_records(stack: LocalStack) -> None:
    put(stack, "OrdersTable", order("c-1", "o-1", 5))
    put(stack, "OrdersTable", order("c-1", "o-1", 6))
    stack.run_until_idle()
    api = shard_records(stack, "OrdersTable")
    function = received(stack, "TotalsFunction")
    assert [record["eventID"] for record in api] == [record["eventID"] for record in function]
    assert [record["dynamodb"]["NewImage"] for record in api] == [record["dynamodb"]["NewImage"] for record in function]


def test_the_batch_is_traced_under_the_write_that_caused_it(stack: LocalStack) -> None:
    put(stack, "OrdersTable", order("c-1", "o-1", 5))
    stack.run_until_idle()
    batches = [activity for activity in stack.trace.find("batch") if "TotalsFunction" in activity.title]
    assert [batch.title for batch in batches] == ["DynamoDB stream OrdersTable shardId-00000001541626099285-f35f62ef "
                                                  "→ TotalsFunction (1 record)"]
    assert batches[0].parent is not None and "PutItem" in batches[0].parent.title


def ledger_poison_condition(stack: LocalStack) -> str:
    """Write a poison ledger entry, let the world run: why its one on-failure record says it was dropped."""
    put(stack, "LedgerTable", {"id": {"S": "e0"}, "poison": {"BOOL": True}})
    stack.run_until_idle()
    [failure] = stack.messages("LedgerFailures")
    return str(failure.json()["requestContext"]["condition"])


def test_records_older_than_the_maximum_age_go_to_the_destination(start_stack: Callable[..., LocalStack]) -> None:
    template = TEMPLATE.replace("            MaximumRetryAttempts: 1\n", "            MaximumRecordAgeInSeconds: 60\n")
    stack = start_stack(template, HANDLERS, start_time=MIDNIGHT)
    assert ledger_poison_condition(stack) == "RecordAgeExceeded"
    assert stack.clock.now() - MIDNIGHT > 60


@pytest.mark.slow
def test_a_record_retried_without_limit_expires_with_the_stream_retention(
        start_stack: Callable[..., LocalStack]) -> None:
    # MaximumRetryAttempts and MaximumRecordAgeInSeconds -1 (the defaults): Lambda retries until
    # the record leaves the stream (24 hours), a retry a minute — over a thousand retries.
    stack = start_stack(TEMPLATE.replace("            MaximumRetryAttempts: 1\n", ""), HANDLERS, start_time=MIDNIGHT)
    assert ledger_poison_condition(stack) == "RecordAgeExceeded"
    assert 1400 < len(stack.invocations("LedgerFunction")) < 1500
    assert 86_400 < stack.clock.now() - MIDNIGHT < 86_400 + 120


def test_a_starting_position_dynamodb_does_not_have_is_refused(start_stack: Callable[..., LocalStack]) -> None:
    template = TEMPLATE.replace("StartingPosition: LATEST", "StartingPosition: AT_TIMESTAMP")
    with pytest.raises(TemplateError, match=r"NewOrdersFunctionNewOrders.*StartingPosition must be TRIM_HORIZON or "
                                            "LATEST for DynamoDB stream OrdersTable"):
        start_stack(template, HANDLERS)


def test_a_mapping_on_a_table_without_a_stream_is_refused(start_stack: Callable[..., LocalStack]) -> None:
    template = TEMPLATE.replace("Stream: !GetAtt OrdersTable.StreamArn", "Stream: !GetAtt TotalsTable.Arn")
    with pytest.raises(TemplateError, match=r"TotalsFunctionOrderChanges.*is not the stream of a DynamoDB table"):
        start_stack(template, HANDLERS)


def test_get_att_stream_arn_is_the_stream_moto_created(stack: LocalStack) -> None:
    assert stack.template.get_att("OrdersTable", "StreamArn") == stream_arn(stack, "OrdersTable")
