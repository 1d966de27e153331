"""The DynamoDB streams of the stack's tables: their records, and who waits for them.

Every successful write to a table with a `StreamSpecification` — PutItem, UpdateItem, DeleteItem,
BatchWriteItem, TransactWriteItems and PartiQL statements, by a handler, a Step Functions
integration or a test — adds one record per item it changed, in AWS's shape
(`sluice.local.dynamodb.records`), stamped with the virtual clock. Old images are the items as
they were before the write: moto hands both images to its stream shard, and the adapter
(`sluice.local.adapters.moto_backends.dynamodb_stream_writes`) turns them into sluice's records
there. So the records live in moto's shard, and the DynamoDB Streams API (`ListStreams`,
`DescribeStream`, `GetShardIterator`, `GetRecords`) returns exactly the records the event source
mappings read — one store, one order.

The API for other readers (Lambda's pollers in `sluice.local.dynamodb.poller`, EventBridge Pipes):

- `records(stream_arn, after=sequence, limit=n)`: the records after a position, oldest first
  (`after=None`: from the trim horizon);
- `last_sequence(stream_arn)`: the position of the newest record (where `LATEST` starts);
- `shard_id(stream_arn)`: the stream's one shard (moto keeps one per table);
- `watch(stream_arn, callback)`: `callback()` runs after each API call that added records to the
  stream, inside that call's trace context (so `trace.current()` is the write that caused them).
  It must only schedule work (e.g. `Wakeup.at`), never invoke anything itself.

Example:
    >>> streams = DynamoDBStreams(account="123456789012", region="eu-west-1", now=clock.now)
    >>> with streams.recording():
    ...     dynamodb.put_item(TableName="orders", Item={"id": {"S": "o-1"}})
    ...     [record["eventName"] for record in streams.records(stream_arn)]
    ['INSERT']
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sluice.local.adapters.moto_backends import dynamodb_stream_writes, stream_shard
from sluice.local.dynamodb.records import TTL_IDENTITY, ItemChange, stream_record
from sluice.local.errors import StackError
from sluice.local.hooks import ApiCall
from sluice.local.sources import EventSource

_ENDPOINT_MODE = "AWS_ACCOUNT_ID_ENDPOINT_MODE"


class DynamoDBStreams(EventSource):
    """The stack's DynamoDB stream records (see the module docstring); an `EventSource` only to
    hear about the calls that completed, so that watchers wake up inside the writer's context."""

    def __init__(self, *, account: str, region: str, now: Callable[[], float]) -> None:
        self.account = account
        self.region = region
        self.now = now
        self._watchers: dict[str, list[Callable[[], None]]] = {}
        self._seen: dict[str, int] = {}
        self._service_deletion = False

    @contextmanager
    def recording(self) -> Iterator[None]:
        """Make the records of every write while the block runs (the stack keeps it open)."""
        with dynamodb_stream_writes(self._record), _regional_streams_endpoint():
            yield

    @contextmanager
    def deleted_by_service(self) -> Iterator[None]:
        """The deletions in the block are Time to Live's (their records carry its `userIdentity`)."""
        self._service_deletion = True
        try:
            yield
        finally:
            self._service_deletion = False

    def shard_id(self, stream_arn: str) -> str:
        return self._shard(stream_arn)[0]

    def records(self, stream_arn: str, *, after: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        """The records of the stream after sequence number `after` (all when None), oldest first."""
        records = self._shard(stream_arn)[1]
        if after is not None and records:
            # A shard's sequence numbers are consecutive (moto numbers records by position).
            start = int(records[0]["dynamodb"]["SequenceNumber"])
            records = records[max(int(after) - start + 1, 0):]
        return records if limit is None else records[:limit]

    def last_sequence(self, stream_arn: str) -> str | None:
        """The sequence number of the newest record, None while the stream is empty."""
        records = self._shard(stream_arn)[1]
        return str(records[-1]["dynamodb"]["SequenceNumber"]) if records else None

    def watch(self, stream_arn: str, callback: Callable[[], None]) -> None:
        """Call `callback()` after each API call that added records to the stream."""
        self._seen.setdefault(stream_arn, len(self._shard(stream_arn)[1]))
        self._watchers.setdefault(stream_arn, []).append(callback)

    def observe(self, call: ApiCall) -> None:
        if call.service != "dynamodb":
            return
        for stream_arn, callbacks in self._watchers.items():
            count = len(self._shard(stream_arn)[1])
            if count > self._seen[stream_arn]:
                self._seen[stream_arn] = count
                for callback in callbacks:
                    callback()

    def _record(self, change: ItemChange, sequence: str) -> dict[str, Any]:
        identity = TTL_IDENTITY if self._service_deletion and change.event_name == "REMOVE" else None
        return stream_record(change, sequence=sequence, at=self.now(), user_identity=identity)

    def _shard(self, stream_arn: str) -> tuple[str, list[dict[str, Any]]]:
        parts = stream_arn.split(":", 5)
        table = parts[5].split("/")[1] if len(parts) == 6 and parts[5].count("/") >= 3 else ""
        found = stream_shard(self.account, self.region, table) if table else None
        if found is None:
            raise StackError(f"{stream_arn} is not the stream of a DynamoDB table of this stack (does the table "
                             "have a StreamSpecification?)")
        return found


@contextmanager
def _regional_streams_endpoint() -> Iterator[None]:
    """Clients created in the block call DynamoDB Streams at its regional endpoint.

    botocore >= 1.40 sends a call naming a `StreamArn` to the account-based endpoint
    (`<account>.streams-ddb.<region>.amazonaws.com`), which moto 5.2 does not route (it answers 404
    "Not yet implemented"); `AWS_ACCOUNT_ID_ENDPOINT_MODE=disabled` is botocore's documented switch
    back to `streams.dynamodb.<region>.amazonaws.com`. The endpoint changes nothing else here.
    """
    previous = os.environ.get(_ENDPOINT_MODE)
    os.environ[_ENDPOINT_MODE] = "disabled"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(_ENDPOINT_MODE, None)
        else:
            os.environ[_ENDPOINT_MODE] = previous
