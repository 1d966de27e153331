"""A pipe's Kinesis source ("Amazon Kinesis stream as a source" of the Pipes guide): the stream
source of `pipes.streams` on a Kinesis stream read through moto, woken by `PutRecord`/`PutRecords`.

Records are flat, in the Pipes shape (`records.kinesis_record`); `StartingPosition` may also be
`AT_TIMESTAMP` (`StartingPositionTimestamp`): the shard is first read from the first record that
arrived at or after it.

Example:
    >>> stack.put_record("Stream", {"id": 1}, partition_key="a")
    >>> stack.run_until_idle()
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from sluice.local.errors import StackError
from sluice.local.eventbridge.pipes.pipeline import Pipeline
from sluice.local.eventbridge.pipes.records import kinesis_record
from sluice.local.eventbridge.pipes.resumable import Positions, ResumableStreamSource
from sluice.local.eventbridge.pipes.spec import PipeSpec
from sluice.local.hooks import ApiCall
from sluice.local.lambda_.stream_poller import ShardRecord
from sluice.local.sources import SourceHost


class KinesisPipeStream:
    """A Kinesis stream as a pipe reads it (a `ShardStream` of Pipes-shaped records)."""

    info_field: str = "KinesisBatchInfo"
    positions: tuple[str, ...] = ("TRIM_HORIZON", "LATEST", "AT_TIMESTAMP")

    def __init__(self, host: SourceHost, spec: PipeSpec) -> None:
        self.host = host
        self.spec = spec
        self.stream_arn = spec.source.arn
        self.name = self.stream_arn.rsplit("/", 1)[-1]
        self.title = f"Kinesis {host.logical_id(self.name) or self.name}"
        settings = spec.source.stream
        self.start = (settings.starting_timestamp
                      if settings is not None and settings.starting_position == "AT_TIMESTAMP" else None)

    def shards(self) -> list[str]:
        try:
            shards = self.host.client("kinesis").list_shards(StreamName=self.name)["Shards"]
        except ClientError as error:  # a stream that is not in the stack
            raise StackError(f"stream {self.stream_arn}: {error.response['Error'].get('Message', error)}") from None
        return [shard["ShardId"] for shard in shards]

    def read(self, shard: str, after: str | None, limit: int) -> list[ShardRecord]:
        kinesis = self.host.client("kinesis")
        iterator = kinesis.get_shard_iterator(StreamName=self.name, ShardId=shard,
                                              **self._position(after))["ShardIterator"]
        return [self._record(shard, record)
                for record in kinesis.get_records(ShardIterator=iterator, Limit=limit)["Records"]]

    def last(self, shard: str) -> str | None:
        """Where `LATEST` starts: after whatever the shard holds when the pipe starts."""
        last = None
        while records := self.read(shard, last, 10_000):
            last = records[-1].sequence
        return last

    def _position(self, after: str | None) -> dict[str, Any]:
        if after is not None:
            return {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "StartingSequenceNumber": after}
        if self.start is not None:
            return {"ShardIteratorType": "AT_TIMESTAMP", "Timestamp": self.start}
        return {"ShardIteratorType": "TRIM_HORIZON"}

    def _record(self, shard: str, record: dict[str, Any]) -> ShardRecord:
        event = kinesis_record(record, shard_id=shard, stream_arn=self.stream_arn, role_arn=self.spec.role_arn,
                               region=self.host.region)
        # The pipeline filters the record itself (`records.decoded`), so `filterable` is the event.
        return ShardRecord(str(record["SequenceNumber"]), float(event["approximateArrivalTimestamp"]), event, event,
                           str(record["PartitionKey"]))


class KinesisPipeSource(ResumableStreamSource):
    """A pipe on a Kinesis stream: wakes on `PutRecord`/`PutRecords` to one of its shards."""

    def __init__(self, host: SourceHost, spec: PipeSpec, pipeline: Pipeline, *,
                 resume: Positions | None = None) -> None:
        self.kinesis = KinesisPipeStream(host, spec)
        super().__init__(host, spec, pipeline, self.kinesis, resume=resume)

    def observe(self, call: ApiCall) -> None:
        if call.service != "kinesis" or call.operation not in ("PutRecord", "PutRecords"):
            return
        name = call.params.get("StreamName") or str(call.params.get("StreamARN", "")).rsplit("/", 1)[-1]
        if name != self.kinesis.name:
            return
        results = [call.response] if call.operation == "PutRecord" else call.response.get("Records", [])
        for result in results:
            self.written(str(result.get("ShardId")))
