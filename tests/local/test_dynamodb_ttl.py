"""DynamoDB Time to Live on the local stack (`sluice.local.dynamodb.ttl`), from a template written
the way public SAM examples are: a table with `TimeToLiveSpecification` and a stream, and a
function with `Events: Type: DynamoDB` reacting to the expiries.

AWS behaviour under test ("Using DynamoDB Time to Live (TTL)", "DynamoDB Streams and Time to
Live"): an item whose TTL attribute (a Number of epoch seconds) is past is deleted by the service —
a `REMOVE` stream record with `userIdentity` {"type": "Service", "principalId":
"dynamodb.amazonaws.com"}; until then reads still return it; items without the attribute, with a
non-Number value or a time over five years past are never expired; `UpdateTimeToLive` turns TTL on
at run time. Locally the deletion is at the first whole second after the expiry, while `advance()`
runs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sluice.local.stack import LocalStack

MIDNIGHT = datetime(2024, 6, 1, tzinfo=UTC).timestamp()

TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Description: Sessions expire through DynamoDB TTL; a function archives the expired ones

Resources:
  SessionsTable:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions:
        - AttributeName: sessionId
          AttributeType: S
      KeySchema:
        - AttributeName: sessionId
          KeyType: HASH
      TimeToLiveSpecification:
        AttributeName: expiresAt
        Enabled: true
      StreamSpecification:
        StreamViewType: OLD_IMAGE

  CartsTable:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions:
        - AttributeName: cartId
          AttributeType: S
      KeySchema:
        - AttributeName: cartId
          KeyType: HASH

  ArchiveExpiredFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.lambda_handler
      Runtime: python3.13
      Events:
        Expired:
          Type: DynamoDB
          Properties:
            Stream: !GetAtt SessionsTable.StreamArn
            StartingPosition: TRIM_HORIZON
            FilterCriteria:
              Filters:
                - Pattern: '{"userIdentity": {"type": ["Service"], "principalId": ["dynamodb.amazonaws.com"]}}'
"""

HANDLER = """\
def lambda_handler(event, context):
    return [record["dynamodb"]["OldImage"]["sessionId"]["S"] for record in event["Records"]]
"""


def _put(stack: LocalStack, table: str, item: dict[str, Any]) -> None:
    stack.client("dynamodb").put_item(TableName=stack.table(table), Item=item)


def _session(session_id: str, expires_at: Any) -> dict[str, Any]:
    return {"sessionId": {"S": session_id}, "expiresAt": expires_at}


def _ids(stack: LocalStack, table: str, key: str) -> set[str]:
    return {item[key] for item in stack.items(table)}


def test_an_expired_item_is_deleted_with_a_service_remove_record(start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(TEMPLATE, {"src/app.py": HANDLER}, start_time=MIDNIGHT)
    _put(stack, "SessionsTable", _session("s-1", {"N": str(int(MIDNIGHT) + 60)}))
    stack.run_until_idle()

    stack.advance(60)  # at its expiry time the item is not expired yet: reads return it
    assert _ids(stack, "SessionsTable", "sessionId") == {"s-1"}
    stack.advance(1)

    assert _ids(stack, "SessionsTable", "sessionId") == set()
    removal = stack.invocations("ArchiveExpiredFunction")[-1]
    [record] = removal.event["Records"]
    assert record["eventName"] == "REMOVE"
    assert record["userIdentity"] == {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
    assert record["dynamodb"]["ApproximateCreationDateTime"] == int(MIDNIGHT) + 61
    assert removal.result == ["s-1"]


def test_an_expired_item_is_still_read_until_time_passes(start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(TEMPLATE, {"src/app.py": HANDLER}, start_time=MIDNIGHT)
    _put(stack, "SessionsTable", _session("s-old", {"N": str(int(MIDNIGHT) - 3600)}))

    stack.run_until_idle()  # no time passes: TTL has not run
    assert _ids(stack, "SessionsTable", "sessionId") == {"s-old"}
    stack.advance(1)
    assert _ids(stack, "SessionsTable", "sessionId") == set()


def test_items_ttl_ignores_are_kept(start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(TEMPLATE, {"src/app.py": HANDLER}, start_time=MIDNIGHT)
    six_years_ago = int(MIDNIGHT) - 6 * 365 * 86_400
    _put(stack, "SessionsTable", {"sessionId": {"S": "no-attribute"}})
    _put(stack, "SessionsTable", _session("a-string", {"S": str(int(MIDNIGHT) - 10)}))
    _put(stack, "SessionsTable", _session("six-years-old", {"N": str(six_years_ago)}))
    _put(stack, "SessionsTable", _session("expired", {"N": str(int(MIDNIGHT) - 10)}))

    stack.advance(3600)

    assert _ids(stack, "SessionsTable", "sessionId") == {"no-attribute", "a-string", "six-years-old"}
    removed = [record for invocation in stack.invocations("ArchiveExpiredFunction")
               for record in invocation.event["Records"]]
    assert [record["dynamodb"]["Keys"]["sessionId"]["S"] for record in removed] == ["expired"]


def test_a_user_delete_is_not_a_service_deletion(start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(TEMPLATE, {"src/app.py": HANDLER}, start_time=MIDNIGHT)
    _put(stack, "SessionsTable", _session("s-1", {"N": str(int(MIDNIGHT) + 600)}))
    stack.client("dynamodb").delete_item(TableName=stack.table("SessionsTable"), Key={"sessionId": {"S": "s-1"}})

    stack.advance(700)

    # The REMOVE record of the user's DeleteItem has no userIdentity: the filter leaves it out.
    assert stack.invocations("ArchiveExpiredFunction") == []
    assert _ids(stack, "SessionsTable", "sessionId") == set()


def test_update_time_to_live_turns_ttl_on_at_run_time(start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(TEMPLATE, {"src/app.py": HANDLER}, start_time=MIDNIGHT)
    _put(stack, "CartsTable", {"cartId": {"S": "c-1"}, "ttl": {"N": str(int(MIDNIGHT) + 30)}})
    stack.advance(60)
    assert _ids(stack, "CartsTable", "cartId") == {"c-1"}  # no TTL on the table: kept

    stack.client("dynamodb").update_time_to_live(
        TableName=stack.table("CartsTable"), TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"})
    stack.advance(1)

    assert _ids(stack, "CartsTable", "cartId") == set()


def test_a_sweep_interrupted_by_a_dynamodb_error_tries_again(start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(TEMPLATE, {"src/app.py": HANDLER}, start_time=MIDNIGHT)
    _put(stack, "SessionsTable", _session("s-1", {"N": str(int(MIDNIGHT) + 10)}))
    # More throttles than botocore's own retries absorb: the sweep itself sees the error.
    stack.faults.throttle("dynamodb:DeleteItem", times=12)

    stack.advance(30)

    assert _ids(stack, "SessionsTable", "sessionId") == set()
    assert stack.faults.summary()["api"] == 12
