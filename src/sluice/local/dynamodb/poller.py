"""DynamoDB Streams event source mappings: Lambda's shard poller
(`sluice.local.lambda_.stream_poller`: batching, retries, bisection, partial batch responses,
record age, filters, the on-failure destination with `DDBStreamBatchInfo`) on a table's stream
(`sluice.local.dynamodb.streams`).

A record reaches the function as the stream holds it plus `eventSourceARN` ("Using Lambda with
DynamoDB"); its age is measured from `ApproximateCreationDateTime`. `FilterCriteria` patterns are
matched against the record — `eventName` and the `dynamodb` key (`Keys`, `NewImage`, `OldImage` in
AttributeValue form: `{"dynamodb": {"NewImage": {"status": {"S": ["open"]}}}}`), as "Using event
filtering with a DynamoDB event source" shows. `StartingPosition` is `TRIM_HORIZON` or `LATEST`
(DynamoDB has no `AT_TIMESTAMP`). The poller wakes when a call adds records to the stream.

Example:
    >>> stack.client("dynamodb").put_item(TableName=stack.name("Orders"), Item={"id": {"S": "o-1"}})
    >>> stack.run_until_idle()   # the function gets {"Records": [{"eventName": "INSERT", ...}]}
"""

from __future__ import annotations

import json
from typing import Any

from sluice.local.dynamodb.streams import DynamoDBStreams
from sluice.local.lambda_.mappings import SourceMapping
from sluice.local.lambda_.stream_poller import ShardPoller, ShardRecord
from sluice.local.sources import SourceHost


class DynamoDBStream:
    """A table's stream as Lambda's poller reads it (a `ShardStream`)."""

    info_field: str = "DDBStreamBatchInfo"
    positions: tuple[str, ...] = ("TRIM_HORIZON", "LATEST")

    def __init__(self, streams: DynamoDBStreams, stream_arn: str, title: str) -> None:
        self.streams = streams
        self.stream_arn = stream_arn
        self.title = title

    def shards(self) -> list[str]:
        return [self.streams.shard_id(self.stream_arn)]

    def read(self, shard: str, after: str | None, limit: int) -> list[ShardRecord]:
        return [self._record(record) for record in self.streams.records(self.stream_arn, after=after, limit=limit)]

    def last(self, shard: str) -> str | None:
        return self.streams.last_sequence(self.stream_arn)

    def _record(self, record: dict[str, Any]) -> ShardRecord:
        event = {**record, "eventSourceARN": self.stream_arn}
        body = record["dynamodb"]
        # The item's key orders its changes ("Using Lambda with DynamoDB": with ParallelizationFactor,
        # "Lambda still maintains in-order processing at the item (partition and sort key) level").
        return ShardRecord(str(body["SequenceNumber"]), float(body["ApproximateCreationDateTime"]), event, event,
                           json.dumps(body["Keys"], sort_keys=True))


class DynamoDBStreamPoller(ShardPoller):
    """Lambda's event source mapping on a DynamoDB stream: wakes when the stream grows."""

    def __init__(self, host: SourceHost, mapping: SourceMapping, streams: DynamoDBStreams) -> None:
        table = table_name(mapping.source_arn)
        title = f"DynamoDB stream {host.logical_id(table) or table}"
        super().__init__(host, mapping, DynamoDBStream(streams, mapping.source_arn, title))
        streams.watch(mapping.source_arn, self._grew)

    def _grew(self) -> None:
        for shard in self.shards:
            self.written(shard)


def table_name(stream_arn: str) -> str:
    """`orders` of `arn:aws:dynamodb:<region>:<account>:table/orders/stream/<label>`."""
    resource = stream_arn.split(":", 5)[-1]
    return resource.split("/")[1] if resource.startswith("table/") and "/" in resource[6:] else stream_arn
