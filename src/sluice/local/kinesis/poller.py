"""Kinesis event source mappings: Lambda's shard poller (`sluice.local.lambda_.stream_poller`, which
holds the semantics — batching, retries, bisection, partial batch responses, record age, filters,
the on-failure destination) on a Kinesis stream read through moto.

A Kinesis record reaches the function as "Using Lambda with Kinesis" shows it (`kinesis.data`
base64-encoded); `FilterCriteria` patterns see only its `data`, decoded, when it is JSON ("Using
event filtering with a Kinesis event source": only the `data` key can be filtered on). The poller
wakes when a `PutRecord`/`PutRecords` reaches one of its shards.

Example:
    >>> stack.put_record("EventStream", {"id": 1}, partition_key="customer-7")
    >>> stack.run_until_idle()
"""

from __future__ import annotations

import base64
import contextlib
from typing import Any

from sluice import json_text
from sluice.local.hooks import ApiCall
from sluice.local.kinesis.resources import stream_of
from sluice.local.lambda_.mappings import SourceMapping
from sluice.local.lambda_.stream_poller import (
    DEFAULT_RETENTION,
    FIRST_RETRY_DELAY,
    MAX_RETRY_DELAY,
    ShardPoller,
    ShardRecord,
)
from sluice.local.sources import SourceHost

# The retry timings are the shard poller's; EventBridge Pipes' Kinesis source uses the same ones.
__all__ = ["DEFAULT_RETENTION", "FIRST_RETRY_DELAY", "MAX_RETRY_DELAY", "KinesisPoller", "KinesisStream"]


class KinesisStream:
    """A Kinesis stream as Lambda's poller reads it (a `ShardStream`)."""

    info_field: str = "KinesisBatchInfo"
    positions: tuple[str, ...] = ("TRIM_HORIZON", "LATEST", "AT_TIMESTAMP")

    def __init__(self, host: SourceHost, stream_arn: str, role_arn: str) -> None:
        self.host = host
        self.stream_arn = stream_of(stream_arn)  # a fan-out consumer reads its stream's records
        self.name = self.stream_arn.rsplit("/", 1)[-1]
        self.role_arn = role_arn
        self.title = f"Kinesis {host.logical_id(self.name) or self.name}"

    def shards(self) -> list[str]:
        return [shard["ShardId"] for shard in self.host.client("kinesis").list_shards(StreamName=self.name)["Shards"]]

    def read(self, shard: str, after: str | None, limit: int) -> list[ShardRecord]:
        kinesis = self.host.client("kinesis")
        position: dict[str, Any] = {"ShardIteratorType": "TRIM_HORIZON"} if after is None else \
            {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "StartingSequenceNumber": after}
        iterator = kinesis.get_shard_iterator(StreamName=self.name, ShardId=shard, **position)
        records = kinesis.get_records(ShardIterator=iterator["ShardIterator"], Limit=limit)["Records"]
        return [self._record(shard, record) for record in records]

    def last(self, shard: str) -> str | None:
        last = None
        while batch := self.read(shard, last, 10_000):
            last = batch[-1].sequence
        return last

    def _record(self, shard: str, record: dict[str, Any]) -> ShardRecord:
        """A record as the Lambda Kinesis event shows it."""
        arrival = record["ApproximateArrivalTimestamp"].timestamp()
        event = {
            "kinesis": {
                "kinesisSchemaVersion": "1.0",
                "partitionKey": record["PartitionKey"],
                "sequenceNumber": record["SequenceNumber"],
                "data": base64.b64encode(record["Data"]).decode(),
                "approximateArrivalTimestamp": arrival,
            },
            "eventSource": "aws:kinesis",
            "eventVersion": "1.0",
            "eventID": f"{shard}:{record['SequenceNumber']}",
            "eventName": "aws:kinesis:record",
            "invokeIdentityArn": self.role_arn,
            "awsRegion": self.host.region,
            "eventSourceARN": self.stream_arn,
        }
        filterable: dict[str, Any] = {}  # "Kinesis event source mappings only support filtering on the data key"
        with contextlib.suppress(ValueError):  # not JSON (or not UTF-8): no `data` pattern matches
            filterable["data"] = json_text.loads(record["Data"])
        return ShardRecord(str(record["SequenceNumber"]), arrival, event, filterable, str(record["PartitionKey"]))


class KinesisPoller(ShardPoller):
    """Lambda's event source mapping on a Kinesis stream: wakes on `PutRecord`/`PutRecords`."""

    def __init__(self, host: SourceHost, mapping: SourceMapping) -> None:
        function = host.runtime.function(mapping.function).spec
        super().__init__(host, mapping, KinesisStream(host, mapping.source_arn,
                                                      f"arn:aws:iam::{host.account}:role/{function.name}-role"))
        self.stream_name = stream_of(mapping.source_arn).rsplit("/", 1)[-1]

    def observe(self, call: ApiCall) -> None:
        if call.service != "kinesis" or call.operation not in ("PutRecord", "PutRecords"):
            return
        name = call.params.get("StreamName") or str(call.params.get("StreamARN", "")).rsplit("/", 1)[-1]
        if name != self.stream_name:
            return
        results = [call.response] if call.operation == "PutRecord" else call.response.get("Records", [])
        for result in results:
            self.written(str(result.get("ShardId")))
