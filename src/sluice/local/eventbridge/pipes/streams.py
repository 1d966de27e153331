"""A pipe's stream source — Kinesis or DynamoDB Streams — per shard, in order ("Amazon Kinesis
stream as a source", "Amazon DynamoDB stream as a source" and "error handling" of the Pipes guide).

The services say how their streams are read (a `ShardStream` of
`sluice.local.lambda_.stream_poller`, whose records' `event` is the record in the pipe's shape:
`pipes.kinesis`, `pipes.dynamodb`) and call `written(shard)` when records arrive; the semantics,
the same for both, are here:

- `StartingPosition` `TRIM_HORIZON` or `LATEST` (records written after the stack started;
  `AT_TIMESTAMP` is Kinesis's, read by its stream); batches of up to `BatchSize` (100 by default)
  after `MaximumBatchingWindowInSeconds`;
- a shard does not move past a failing batch: it is retried (with back-off on the virtual clock)
  until it succeeds, `MaximumRetryAttempts` is used up or its records are older than
  `MaximumRecordAgeInSeconds` (-1, the default for both: until they expire from the stream); then
  the batch is described to `DeadLetterConfig.Arn` (an SQS queue or SNS topic) or, with none,
  reported as a FAILED delivery — never dropped quietly;
- `OnPartialBatchItemFailure: AUTOMATIC_BISECT` halves a failing batch; `batchItemFailures`
  resumes from the first failed record.

Example:
    >>> class Source(StreamPipeSource):  # a service's source: its stream, and when it was written to
    ...     def observe(self, call): self.written(call.response["ShardId"])
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from sluice.local.eventbridge.pipes.pipeline import Outcome, Pipeline
from sluice.local.eventbridge.pipes.records import item_id
from sluice.local.eventbridge.pipes.spec import PipeSpec, StreamSettings
from sluice.local.lambda_.destinations import (
    RECORD_AGE_EXCEEDED,
    RETRY_ATTEMPTS_EXHAUSTED,
    Destination,
    StreamBatch,
    Use,
    stream_record,
)
from sluice.local.lambda_.stream_poller import (
    DEFAULT_RETENTION,
    FIRST_RETRY_DELAY,
    MAX_RETRY_DELAY,
    ShardRecord,
    ShardStream,
)
from sluice.local.sources import EventSource, SourceHost, Wakeup
from sluice.local.trace import FAILED, Activity

#: What a stream source's `DeadLetterConfig` accepts ("DeadLetterConfig" of AWS::Pipes::Pipe).
PIPE_DEAD_LETTER = Use("discarded stream batches of EventBridge Pipes", ("sqs", "sns"))
_MAX_DOUBLINGS = 16  # FIRST_RETRY_DELAY * 2**16 is far above MAX_RETRY_DELAY


@dataclass
class _Shard:
    shard_id: str
    limit: int
    checkpoint: str | None = None
    attempts: int = 0
    #: The activities that wrote the records not yet passed on (the oldest is the batch's parent).
    senders: list[Activity] = field(default_factory=list)
    wakeup: Wakeup | None = None


class StreamPipeSource(EventSource):
    """A pipe's pollers on `stream`, one per shard; a service calls `written(shard)` when records arrive."""

    def __init__(self, host: SourceHost, spec: PipeSpec, pipeline: Pipeline, stream: ShardStream) -> None:
        assert spec.source.stream is not None, "pipe_specs requires the stream parameters of a stream source"
        self.host = host
        self.spec = spec
        self.pipeline = pipeline
        self.stream = stream
        self.settings: StreamSettings = spec.source.stream
        latest = self.settings.starting_position == "LATEST"
        self.shards: dict[str, _Shard] = {}
        for shard_id in stream.shards():
            shard = _Shard(shard_id, limit=self.settings.batch_size,
                           checkpoint=stream.last(shard_id) if latest else None)
            shard.wakeup = Wakeup(host.clock.loop, functools.partial(self.poll, shard))
            self.shards[shard_id] = shard

    def written(self, shard_id: str) -> None:
        """Records reached the shard: the current activity wrote them; poll once the window closes."""
        shard = self.shards.get(shard_id)
        if shard is None:
            return
        sender = self.host.trace.current()
        if sender is not None:
            shard.senders.append(sender)
        self._wake(shard, self.settings.window)

    def close(self) -> None:
        for shard in self.shards.values():
            if shard.wakeup is not None:
                shard.wakeup.cancel()

    def poll(self, shard: _Shard) -> None:
        records = self.stream.read(shard.shard_id, shard.checkpoint, shard.limit)
        if not records:
            shard.senders.clear()
            return
        expired = self._expired(records)
        if expired:
            self._give_up(shard, expired, RECORD_AGE_EXCEEDED)
            return
        parent = shard.senders[0] if shard.senders else None
        target = self.host.logical_id(self.spec.target.arn) or self.spec.target.arn
        activity = self.host.trace.record(
            "batch", f"pipe {self.spec.logical_id}: {self.stream.title} {shard.shard_id} → {target} "
                     f"({len(records)} record{'s' if len(records) > 1 else ''})", parent=parent, root=parent is None)
        with self.host.trace.within(activity):
            outcome = self.pipeline.run([record.event for record in records])
        if outcome.ok:
            shard.senders = shard.senders[1:]
            self._advance(shard, records[-1])
            return
        activity.status = FAILED
        activity.title += f": {outcome.reason}"
        self._failed(shard, records, outcome)

    def _failed(self, shard: _Shard, records: list[ShardRecord], outcome: Outcome) -> None:
        shard.attempts += 1
        failed = [item_id(record.event) in outcome.retry for record in records]
        if self.settings.bisect and all(failed) and shard.limit > 1:
            shard.limit = max(1, len(records) // 2)
            self._wake(shard, 0)
            return
        if 0 <= self.settings.max_retries < shard.attempts:
            self._give_up(shard, records, RETRY_ATTEMPTS_EXHAUSTED)
            return
        first = failed.index(True)
        if first > 0:  # what came before the first failed record is done
            shard.checkpoint = records[first - 1].sequence
        self._wake(shard, _backoff(shard.attempts))

    def _give_up(self, shard: _Shard, records: list[ShardRecord], condition: str) -> None:
        """Discard `records`: described to the pipe's dead-letter queue, or reported."""
        first, last = records[0], records[-1]
        batch = StreamBatch(stream_arn=self.spec.source.arn, shard_id=shard.shard_id, start_sequence=first.sequence,
                            end_sequence=last.sequence, first_arrival=first.arrival, last_arrival=last.arrival,
                            size=len(records), event={"records": [record.event for record in records]},
                            info_field=self.stream.info_field)
        record = stream_record(batch, at=self.host.clock.now(), function_arn=self.spec.arn, condition=condition,
                               request_id=self.host.runtime.new_request_id(), invoke_count=shard.attempts,
                               function_error=condition == RETRY_ATTEMPTS_EXHAUSTED, mapping_uuid=self.spec.name)
        arn = self.settings.dead_letter_arn
        if arn is None or not self.host.deliverer.destination(Destination(arn), record, PIPE_DEAD_LETTER):
            where = "the pipe has no DeadLetterConfig" if arn is None else "its dead-letter queue failed"
            self.host.deliverer.failed(
                f"pipe {self.spec.logical_id}: {self.stream.title} {shard.shard_id} records {batch.start_sequence}.."
                f"{batch.end_sequence} ({batch.size}) discarded ({condition}): {where}")
        self._advance(shard, last)

    def _advance(self, shard: _Shard, last: ShardRecord) -> None:
        shard.checkpoint, shard.attempts, shard.limit = last.sequence, 0, self.settings.batch_size
        self._wake(shard, 0)

    def _expired(self, records: list[ShardRecord]) -> list[ShardRecord]:
        """The leading records older than `MaximumRecordAgeInSeconds` (the stream's retention when -1)."""
        limit = self.settings.max_age if self.settings.max_age >= 0 else DEFAULT_RETENTION
        now = self.host.clock.now()
        expired = []
        for record in records:
            if now - record.arrival <= limit:
                break
            expired.append(record)
        return expired

    def _wake(self, shard: _Shard, delay: float) -> None:
        if shard.wakeup is not None:
            shard.wakeup.at(delay)


def _backoff(attempts: int) -> float:
    """1 s, 2 s, 4 s… up to `MAX_RETRY_DELAY`. The exponent is capped: a batch retried until its
    records expire (a day of one-minute retries) would otherwise overflow the float."""
    return min(FIRST_RETRY_DELAY * 2.0 ** min(attempts - 1, _MAX_DOUBLINGS), MAX_RETRY_DELAY)
