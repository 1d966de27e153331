"""A pipe's stream source — Kinesis or DynamoDB Streams — per shard, in order ("Amazon Kinesis
stream as a source", "Amazon DynamoDB stream as a source" and "error handling" of the Pipes guide).

The services say how their streams are read (a `ShardStream` of
`sluice.local.lambda_.stream_poller`, whose records' `event` is the record in the pipe's shape:
`pipes.kinesis`, `pipes.dynamodb`) and call `written(shard)` when records arrive; reading shard by
shard is the `ShardReader` Lambda's mappings use too; the semantics, the same for both, are here:

- `StartingPosition` `TRIM_HORIZON` or `LATEST` (records written after the stack started;
  `AT_TIMESTAMP` is Kinesis's, read by its stream); batches of up to `BatchSize` (100 by default)
  after `MaximumBatchingWindowInSeconds`;
- a shard does not move past a failing batch: it is retried (with back-off on the virtual clock)
  until it succeeds, `MaximumRetryAttempts` is used up or its records are older than
  `MaximumRecordAgeInSeconds` (-1, the default for both: until they expire from the stream); then
  the batch is described to `DeadLetterConfig.Arn` (an SQS queue or SNS topic) or, with none,
  reported as a FAILED delivery — never dropped quietly;
- `OnPartialBatchItemFailure: AUTOMATIC_BISECT` halves a failing batch; `batchItemFailures`
  resumes from the first failed record;
- `ParallelizationFactor` (1 to 10): concurrent batches per shard, in order per partition key —
  the lanes of the `ShardReader`, as for Lambda's mappings.

Example:
    >>> source = KinesisPipeSource(host, spec, pipeline)  # `pipes.kinesis`: a pipe reading a stream
    >>> source.written("shardId-000000000000")  # a PutRecords call wrote to it: the batch runs after the window
"""

from __future__ import annotations

from typing import ClassVar

from sluice.local.eventbridge.pipes.pipeline import Outcome, Pipeline
from sluice.local.eventbridge.pipes.records import item_id
from sluice.local.eventbridge.pipes.spec import PipeSpec, StreamSettings
from sluice.local.lambda_.destinations import (
    RECORD_AGE_EXCEEDED,
    RETRY_ATTEMPTS_EXHAUSTED,
    Destination,
    Use,
    stream_record,
)
from sluice.local.lambda_.stream_poller import Lane, ShardReader, ShardRecord, ShardStream
from sluice.local.sources import SourceHost
from sluice.local.trace import FAILED

#: What a stream source's `DeadLetterConfig` accepts ("DeadLetterConfig" of AWS::Pipes::Pipe).
PIPE_DEAD_LETTER = Use("discarded stream batches of EventBridge Pipes", ("sqs", "sns"))


class StreamPipeSource(ShardReader):
    """A pipe's pollers on `stream`, per shard (and lane); a service calls `written(shard)` when records arrive."""

    NO_DESTINATION: ClassVar[str] = "the pipe has no DeadLetterConfig"
    DESTINATION_FAILED: ClassVar[str] = "its dead-letter queue failed"

    def __init__(self, host: SourceHost, spec: PipeSpec, pipeline: Pipeline, stream: ShardStream) -> None:
        assert spec.source.stream is not None, "pipe_specs requires the stream parameters of a stream source"
        self.spec = spec
        self.pipeline = pipeline
        self.settings: StreamSettings = spec.source.stream
        super().__init__(host, stream, stream_arn=spec.source.arn, batch_size=self.settings.batch_size,
                         window=self.settings.window, max_age=self.settings.max_age,
                         latest=self.settings.starting_position == "LATEST",
                         parallelization=self.settings.parallelization)

    def shard_title(self, lane: Lane) -> str:
        return f"pipe {self.spec.logical_id}: {super().shard_title(lane)}"

    def deliver(self, lane: Lane, records: list[ShardRecord]) -> None:
        expired = self._expired(records)
        if expired:
            self._give_up(lane, expired, RECORD_AGE_EXCEEDED)
            return
        target = self.host.logical_id(self.spec.target.arn) or self.spec.target.arn
        activity = self._batch_activity(lane, target, len(records))
        with self.host.trace.within(activity):
            outcome = self.pipeline.run([record.event for record in records])
        if outcome.ok:
            self._passed_on(lane, records[-1])
            return
        activity.status = FAILED
        activity.title += f": {outcome.reason}"
        self._failed(lane, records, outcome)

    def _failed(self, lane: Lane, records: list[ShardRecord], outcome: Outcome) -> None:
        lane.attempts += 1
        failed = [item_id(record.event) in outcome.retry for record in records]
        if self.settings.bisect and all(failed) and lane.limit > 1:
            lane.limit = max(1, len(records) // 2)
            self._wake(lane, 0)
            return
        if 0 <= self.settings.max_retries < lane.attempts:
            self._give_up(lane, records, RETRY_ATTEMPTS_EXHAUSTED)
            return
        first = failed.index(True)
        if first > 0:  # what came before the first failed record is done
            lane.checkpoint = records[first - 1].sequence
        self._retry_later(lane)

    def _give_up(self, lane: Lane, records: list[ShardRecord], condition: str) -> None:
        """Discard `records`: described to the pipe's dead-letter queue, or reported."""
        batch = self._described(lane, records, "records")
        record = stream_record(batch, at=self.host.clock.now(), function_arn=self.spec.arn, condition=condition,
                               request_id=self.host.runtime.new_request_id(), invoke_count=lane.attempts,
                               function_error=condition == RETRY_ATTEMPTS_EXHAUSTED, mapping_uuid=self.spec.name)
        arn = self.settings.dead_letter_arn
        self._discard(lane, batch, record, condition, destination=Destination(arn) if arn is not None else None,
                      use=PIPE_DEAD_LETTER)
        self._advance(lane, records[-1])
