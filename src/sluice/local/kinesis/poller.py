"""Kinesis event source mappings: one poller per shard, in order, with Lambda's error handling.

Semantics, from "Using Lambda with Kinesis": batches of up to `BatchSize` records (100 by
default) from a shard, in sequence order; a shard does not move past a failing batch, which is
retried (with back-off, on the virtual clock) until it succeeds, `MaximumRetryAttempts` is
exhausted or the records are older than `MaximumRecordAgeInSeconds`; then the batch is skipped and
described to the `DestinationConfig.OnFailure` destination (`KinesisBatchInfo`; an SQS queue, an SNS
topic or an S3 bucket, see `sluice.local.lambda_.destinations`). Records already older than
`MaximumRecordAgeInSeconds` when their turn comes are discarded the same way without an
invocation ("Before invocation: ... it retries until the records expire or exceed the maximum
age"). A batch discarded with no destination is reported as a FAILED delivery, never dropped
quietly.
`BisectBatchOnFunctionError` halves a failing batch before retrying. With
`FunctionResponseTypes: [ReportBatchItemFailures]` the shard resumes from the lowest sequence
number in `batchItemFailures`.

Example:
    >>> stack.put_record("EventStream", {"id": 1}, partition_key="customer-7")
    >>> stack.run_until_idle()
"""

from __future__ import annotations

import base64
import functools
from dataclasses import dataclass, field
from typing import Any

from sluice.local.hooks import ApiCall
from sluice.local.lambda_.destinations import (
    RECORD_AGE_EXCEEDED,
    RETRY_ATTEMPTS_EXHAUSTED,
    STREAM_ON_FAILURE,
    StreamBatch,
    stream_record,
)
from sluice.local.lambda_.invocation import Invocation
from sluice.local.lambda_.mappings import SourceMapping
from sluice.local.lambda_.runtime import FunctionNotRunnable, Throttled
from sluice.local.sources import EventSource, SourceHost, Wakeup
from sluice.local.trace import FAILED, Activity

FIRST_RETRY_DELAY = 1.0
MAX_RETRY_DELAY = 60.0
DEFAULT_RETENTION = 86_400


@dataclass
class _Shard:
    shard_id: str
    checkpoint: str | None = None
    attempts: int = 0
    limit: int = 100
    senders: list[Activity] = field(default_factory=list)
    wakeup: Wakeup | None = None
    #: The last failed invocation of the batch at the checkpoint (described if the batch expires).
    last: Invocation | None = None


class KinesisPoller(EventSource):
    def __init__(self, host: SourceHost, mapping: SourceMapping) -> None:
        self.host = host
        self.mapping = mapping
        settings = mapping.settings
        self.function = host.runtime.function(mapping.function).spec.logical_id
        self.stream_arn = mapping.source_arn
        self.stream = self.stream_arn.rsplit("/", 1)[-1]
        self.batch_size = int(settings.get("BatchSize", 100))
        self.window = float(settings.get("MaximumBatchingWindowInSeconds", 0))
        self.max_retries = int(settings.get("MaximumRetryAttempts", -1))
        self.max_age = int(settings.get("MaximumRecordAgeInSeconds", -1))
        self.bisect = str(settings.get("BisectBatchOnFunctionError", False)).lower() == "true"
        self.report_failures = "ReportBatchItemFailures" in (settings.get("FunctionResponseTypes") or [])
        self.enabled = str(settings.get("Enabled", True)).lower() != "false"
        self.on_failure = mapping.on_failure
        kinesis = host.client("kinesis")
        shards = kinesis.list_shards(StreamName=self.stream)["Shards"]
        self.shards = {shard["ShardId"]: _Shard(shard["ShardId"], limit=self.batch_size) for shard in shards}
        for shard in self.shards.values():
            shard.wakeup = Wakeup(host.clock.loop, functools.partial(self.poll, shard))

    def observe(self, call: ApiCall) -> None:
        if not self.enabled or call.service != "kinesis" or call.operation not in ("PutRecord", "PutRecords"):
            return
        name = call.params.get("StreamName") or str(call.params.get("StreamARN", "")).rsplit("/", 1)[-1]
        if name != self.stream:
            return
        results = [call.response] if call.operation == "PutRecord" else call.response.get("Records", [])
        sender = self.host.trace.current()
        for result in results:
            shard = self.shards.get(str(result.get("ShardId")))
            if shard is not None and shard.wakeup is not None:
                if sender is not None:
                    shard.senders.append(sender)
                shard.wakeup.at(self.window)

    def close(self) -> None:
        for shard in self.shards.values():
            if shard.wakeup is not None:
                shard.wakeup.cancel()

    def poll(self, shard: _Shard) -> None:
        records = self._read(shard)
        if not records:
            shard.senders.clear()
            return
        expired = self._expired(records)
        if expired:
            self._give_up(shard, expired, RECORD_AGE_EXCEEDED, shard.last)
            self._advance(shard, expired[-1])
            return
        parent = shard.senders[0] if shard.senders else None
        activity = self.host.trace.record(
            "batch", f"Kinesis {self.host.logical_id(self.stream) or self.stream} {shard.shard_id} → {self.function} "
                     f"({len(records)} record{'s' if len(records) > 1 else ''})",
            parent=parent, root=parent is None)
        with self.host.trace.within(activity):
            try:
                invocation = self.host.runtime.call(self.function, {"Records": [self._record(shard, record)
                                                                                for record in records]})
            except Throttled:
                self._retry_later(shard)
                return
            except FunctionNotRunnable as error:
                activity.status = FAILED
                activity.title += f": {error}"
                return
            self._handle(shard, records, invocation, activity)

    def _handle(self, shard: _Shard, records: list[dict[str, Any]], invocation: Invocation,
                activity: Activity) -> None:
        resume_after = self._resume_point(shard, records, invocation)
        if resume_after == records[-1]["SequenceNumber"]:
            shard.senders = shard.senders[1:]
            self._advance(shard, records[-1])
            return
        activity.status = FAILED
        shard.attempts += 1
        shard.last = invocation
        if self.bisect and shard.limit > 1 and not invocation.ok:
            shard.limit = max(1, len(records) // 2)
            self._wake(shard, 0)
            return
        if self.max_retries >= 0 and shard.attempts > self.max_retries:
            self._give_up(shard, records, RETRY_ATTEMPTS_EXHAUSTED, invocation)
            self._advance(shard, records[-1])
            return
        if resume_after is not None:
            shard.checkpoint = resume_after
        self._retry_later(shard)

    def _resume_point(self, shard: _Shard, records: list[dict[str, Any]], invocation: Invocation) -> str | None:
        """Sequence number processing may continue after (the last record when all went well)."""
        if not invocation.ok:
            return shard.checkpoint
        result = invocation.result
        failures = result.get("batchItemFailures") if self.report_failures and isinstance(result, dict) else None
        if not failures:
            return str(records[-1]["SequenceNumber"])
        sequence = [str(record["SequenceNumber"]) for record in records]
        failed = [failure.get("itemIdentifier") if isinstance(failure, dict) else None for failure in failures]
        if any(identifier not in sequence for identifier in failed):
            return shard.checkpoint  # an unusable response fails the whole batch
        first = min(sequence.index(str(identifier)) for identifier in failed)
        return sequence[first - 1] if first > 0 else shard.checkpoint

    def _expired(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The leading records older than `MaximumRecordAgeInSeconds` (the stream's retention when -1)."""
        limit = self.max_age if self.max_age >= 0 else DEFAULT_RETENTION
        now = self.host.clock.now()
        expired = []
        for record in records:
            if now - float(record["ApproximateArrivalTimestamp"].timestamp()) <= limit:
                break
            expired.append(record)
        return expired

    def _advance(self, shard: _Shard, last: dict[str, Any]) -> None:
        """Move past a discarded batch and read on."""
        shard.checkpoint, shard.attempts, shard.limit = str(last["SequenceNumber"]), 0, self.batch_size
        shard.last = None
        self._wake(shard, 0)

    def _give_up(self, shard: _Shard, records: list[dict[str, Any]], condition: str,
                 invocation: Invocation | None) -> None:
        """Discard `records` as Lambda does: described to the on-failure destination, if any."""
        function = self.host.runtime.function(self.function).spec
        first, last = records[0], records[-1]
        batch = StreamBatch(
            stream_arn=self.stream_arn, shard_id=shard.shard_id, start_sequence=str(first["SequenceNumber"]),
            end_sequence=str(last["SequenceNumber"]), first_arrival=first["ApproximateArrivalTimestamp"].timestamp(),
            last_arrival=last["ApproximateArrivalTimestamp"].timestamp(), size=len(records),
            event={"Records": [self._record(shard, record) for record in records]})
        record = stream_record(
            batch, at=self.host.clock.now(), function_arn=function.arn, condition=condition,
            request_id=invocation.request_id if invocation is not None else self.host.runtime.new_request_id(),
            invoke_count=shard.attempts, function_error=invocation is not None and not invocation.ok,
            mapping_uuid=self.mapping.uuid)
        if self.on_failure is None or not self.host.deliverer.destination(self.on_failure, record, STREAM_ON_FAILURE):
            where = "no OnFailure destination" if self.on_failure is None else "its OnFailure destination failed"
            self.host.deliverer.failed(
                f"Kinesis {shard.shard_id} records {batch.start_sequence}..{batch.end_sequence} ({batch.size}) "
                f"discarded ({condition}): {where}")

    def _retry_later(self, shard: _Shard) -> None:
        self._wake(shard, min(FIRST_RETRY_DELAY * 2 ** max(shard.attempts - 1, 0), MAX_RETRY_DELAY))

    def _wake(self, shard: _Shard, delay: float) -> None:
        if shard.wakeup is not None:
            shard.wakeup.at(delay)

    def _read(self, shard: _Shard) -> list[dict[str, Any]]:
        kinesis = self.host.client("kinesis")
        position: dict[str, Any] = {"ShardIteratorType": "TRIM_HORIZON"} if shard.checkpoint is None else \
            {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "StartingSequenceNumber": shard.checkpoint}
        iterator = kinesis.get_shard_iterator(StreamName=self.stream, ShardId=shard.shard_id, **position)
        records: list[dict[str, Any]] = kinesis.get_records(ShardIterator=iterator["ShardIterator"],
                                                            Limit=shard.limit)["Records"]
        return records

    def _record(self, shard: _Shard, record: dict[str, Any]) -> dict[str, Any]:
        """A record as the Lambda Kinesis event shows it."""
        function = self.host.runtime.function(self.function).spec
        return {
            "kinesis": {
                "kinesisSchemaVersion": "1.0",
                "partitionKey": record["PartitionKey"],
                "sequenceNumber": record["SequenceNumber"],
                "data": base64.b64encode(record["Data"]).decode(),
                "approximateArrivalTimestamp": record["ApproximateArrivalTimestamp"].timestamp(),
            },
            "eventSource": "aws:kinesis",
            "eventVersion": "1.0",
            "eventID": f"{shard.shard_id}:{record['SequenceNumber']}",
            "eventName": "aws:kinesis:record",
            "invokeIdentityArn": f"arn:aws:iam::{self.host.account}:role/{function.name}-role",
            "awsRegion": self.host.region,
            "eventSourceARN": self.stream_arn,
        }

