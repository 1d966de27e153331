"""DynamoDB Time to Live: items whose TTL attribute is past are deleted by the service, and each
deletion is a `REMOVE` record on the table's stream ("Using DynamoDB Time to Live (TTL)",
"DynamoDB Streams and Time to Live").

What AWS documents, and this module encodes:

- the tables are those with TTL enabled — `TimeToLiveSpecification` of `AWS::DynamoDB::Table`, or
  `UpdateTimeToLive` at run time (moto stores both; `DescribeTimeToLive` says which attribute);
- an item is eligible only if it has the attribute, as a top-level Number, holding epoch seconds
  no more than five years in the past ("the TTL processes ignore the item" otherwise); it expires
  once the clock is past that time;
- the deletion is a service's: on the stream it is a `REMOVE` record with
  `userIdentity: {"type": "Service", "principalId": "dynamodb.amazonaws.com"}`;
- "TTL typically deletes expired items within a few days", and until then reads still return the
  expired item.

The local choice for "within a few days": an item is deleted at the first whole second of the
virtual clock after its expiry time (right away when it was written already expired), and only
while `LocalStack.advance()` lets time pass — like schedules, `run_until_idle()` deletes nothing,
so a test decides when TTL runs. Reads before that still return the expired item, as on AWS.

Example:
    >>> stack.client("dynamodb").put_item(TableName=stack.table("Sessions"),
    ...                                   Item={"id": {"S": "s-1"}, "expiresAt": {"N": str(int(now) + 60)}})
    >>> stack.advance(61)   # the item is gone; the stream has its REMOVE record
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from sluice.local.dynamodb.streams import DynamoDBStreams
from sluice.local.hooks import ApiCall
from sluice.local.sources import EventSource, SourceHost, Wakeup

#: "no more than five years in the past" (five years of 365 days).
MAX_PAST = 5 * 365 * 86_400
#: How long a sweep that a DynamoDB error interrupted waits before it tries again.
RETRY_DELAY = 1.0
#: The calls that may add an item with a TTL (to a table with TTL on), and those that may turn it on.
_WRITES = frozenset({"PutItem", "UpdateItem", "BatchWriteItem", "TransactWriteItems", "ExecuteStatement",
                     "BatchExecuteStatement", "ExecuteTransaction"})
_TTL_CHANGES = frozenset({"UpdateTimeToLive", "CreateTable"})


@dataclass(frozen=True)
class TtlTable:
    """A table with TTL enabled: its name, key attributes and TTL attribute."""

    name: str
    key_names: tuple[str, ...]
    attribute: str


def expiry(item: dict[str, Any], attribute: str) -> float | None:
    """When the item expires: its TTL attribute as epoch seconds, None when TTL ignores the item
    (no such attribute, or not a Number)."""
    value = item.get(attribute)
    if not isinstance(value, dict) or set(value) != {"N"}:
        return None
    try:
        seconds = float(value["N"])
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) else None


def eligible(expires: float, now: float) -> bool:
    """Whether TTL deletes an item expiring at `expires` now or later (not over five years past)."""
    return now - expires <= MAX_PAST


class TimeToLive(EventSource):
    """Deletes the expired items of the stack's TTL tables while `advance()` runs (see the module
    docstring); woken at the next expiry and after every write to a TTL table."""

    def __init__(self, host: SourceHost, streams: DynamoDBStreams) -> None:
        self.host = host
        self.streams = streams
        self.wakeup = Wakeup(host.clock.loop, self.sweep)
        self._armed = False
        self._any_table = False  # whether a table had TTL on at the last sweep

    def arm(self, seconds: float) -> None:
        self._armed = True
        self.wakeup.at(0)  # items that expired since the last advance go first

    def disarm(self) -> None:
        self._armed = False
        self.wakeup.cancel()

    def close(self) -> None:
        self.wakeup.cancel()

    def observe(self, call: ApiCall) -> None:
        if not self._armed or call.service != "dynamodb":
            return
        if call.operation in _TTL_CHANGES or (self._any_table and call.operation in _WRITES):
            self.wakeup.at(0)

    def sweep(self) -> None:
        """Delete what has expired, and wake up at the next expiry."""
        now = self.host.clock.now()
        try:
            upcoming = self._sweep(now)
        except ClientError:  # a fault injected into DynamoDB: TTL is a background process, it tries again
            self.wakeup.at(RETRY_DELAY)
            return
        if upcoming:
            self.wakeup.at(math.floor(min(upcoming)) + 1 - now)

    def _sweep(self, now: float) -> list[float]:
        """Delete the items expired at `now`; the expiry times still to come."""
        upcoming = []
        tables = self.tables()
        self._any_table = bool(tables)
        for table in tables:
            for item in self._items(table):
                expires = expiry(item, table.attribute)
                if expires is None or not eligible(expires, now):
                    continue
                if expires < now:
                    self._delete(table, item, expires)
                else:
                    upcoming.append(expires)
        return upcoming

    def tables(self) -> list[TtlTable]:
        """The tables with TTL enabled, as DynamoDB describes them now."""
        dynamodb = self.host.client("dynamodb")
        found = []
        for page in dynamodb.get_paginator("list_tables").paginate():
            for name in page["TableNames"]:
                ttl = dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
                if ttl.get("TimeToLiveStatus") == "ENABLED" and ttl.get("AttributeName"):
                    schema = dynamodb.describe_table(TableName=name)["Table"]["KeySchema"]
                    found.append(TtlTable(name, tuple(key["AttributeName"] for key in schema),
                                          str(ttl["AttributeName"])))
        return found

    def _items(self, table: TtlTable) -> Iterator[dict[str, Any]]:
        for page in self.host.client("dynamodb").get_paginator("scan").paginate(TableName=table.name):
            yield from page["Items"]

    def _delete(self, table: TtlTable, item: dict[str, Any], expires: float) -> None:
        key = {name: item[name] for name in table.key_names}
        label = ", ".join(str(next(iter(value.values()))) for value in key.values())
        activity = self.host.trace.record(
            "ttl", f"TTL deletes {self.host.logical_id(table.name) or table.name} item {label} "
                   f"(expired at {expires:.0f})", root=True)
        with self.host.trace.within(activity), self.streams.deleted_by_service():
            self.host.client("dynamodb").delete_item(TableName=table.name, Key=key)
