"""Kinesis event source mappings: one poller per shard, in order, with Lambda's error handling.

Semantics, from "Using Lambda with Kinesis": batches of up to `BatchSize` records (100 by
default) from a shard, in sequence order; a shard does not move past a failing batch, which is
retried (with back-off, on the virtual clock) until it succeeds, `MaximumRetryAttempts` is
exhausted or the records are older than `MaximumRecordAgeInSeconds`; then the batch is skipped and
described to the `DestinationConfig.OnFailure` destination (`KinesisBatchInfo`).
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
from datetime import UTC, datetime
from typing import Any

from sluice.local.hooks import ApiCall
from sluice.local.lambdas.invocation import Invocation
from sluice.local.lambdas.runtime import FunctionNotRunnable, Throttled
from sluice.local.lambdas.spec import Destination
from sluice.local.sources.base import EventSource, SourceHost, Wakeup
from sluice.local.trace import FAILED, Activity
from sluice.local.wiring import SourceMapping

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
        on_failure = ((settings.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
        self.on_failure = Destination(str(on_failure)) if on_failure else None
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
            shard.checkpoint, shard.attempts, shard.limit = resume_after, 0, self.batch_size
            shard.senders = shard.senders[1:]
            self._wake(shard, 0)
            return
        activity.status = FAILED
        shard.attempts += 1
        if self.bisect and shard.limit > 1 and not invocation.ok:
            shard.limit = max(1, len(records) // 2)
            self._wake(shard, 0)
            return
        if self._exhausted(shard, records):
            self._give_up(shard, records, invocation)
            shard.checkpoint, shard.attempts, shard.limit = records[-1]["SequenceNumber"], 0, self.batch_size
            self._wake(shard, 0)
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

    def _exhausted(self, shard: _Shard, records: list[dict[str, Any]]) -> bool:
        if self.max_retries >= 0 and shard.attempts > self.max_retries:
            return True
        age = self.host.clock.now() - float(records[0]["ApproximateArrivalTimestamp"].timestamp())
        limit = self.max_age if self.max_age >= 0 else DEFAULT_RETENTION
        return age > limit

    def _give_up(self, shard: _Shard, records: list[dict[str, Any]], invocation: Invocation) -> None:
        if self.on_failure is None:
            return
        age_exceeded = not (self.max_retries >= 0 and shard.attempts > self.max_retries)
        first, last = records[0], records[-1]
        record = {
            "requestContext": {"requestId": invocation.request_id,
                               "functionArn": self.host.runtime.function(self.function).spec.arn,
                               "condition": "RecordAgeExceeded" if age_exceeded else "RetryAttemptsExhausted",
                               "approximateInvokeCount": shard.attempts},
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
            "version": "1.0",
            "timestamp": _iso(self.host.clock.now()),
            "KinesisBatchInfo": {
                "shardId": shard.shard_id, "startSequenceNumber": first["SequenceNumber"],
                "endSequenceNumber": last["SequenceNumber"],
                "approximateArrivalOfFirstRecord": _iso(first["ApproximateArrivalTimestamp"].timestamp()),
                "approximateArrivalOfLastRecord": _iso(last["ApproximateArrivalTimestamp"].timestamp()),
                "batchSize": len(records), "streamArn": self.stream_arn,
            },
        }
        self.host.deliverer.destination(self.on_failure, record, success=False,
                                        function_arn=self.host.runtime.function(self.function).spec.arn)

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


def _iso(epoch: float) -> str:
    moment = datetime.fromtimestamp(epoch, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
