"""Lambda's event source mapping on a stream — Kinesis or DynamoDB Streams: one poller per shard,
in order, with Lambda's error handling. The services say how their streams are read
(`sluice.local.kinesis.poller`, `sluice.local.dynamodb.poller`: a `ShardStream`), which a
`ShardReader` reads shard by shard — for Lambda here, for EventBridge Pipes in
`sluice.local.eventbridge.pipes.streams`. The semantics, the same for both services in "Using
Lambda with Kinesis" and "Using Lambda with DynamoDB", are here:

- batches of up to `BatchSize` records (100 by default) from a shard, in sequence order, gathered
  for up to `MaximumBatchingWindowInSeconds`, from `StartingPosition` (`TRIM_HORIZON`: the oldest
  record; `LATEST`: records written after the mapping was created; `AT_TIMESTAMP` for Kinesis);
- a shard does not move past a failing batch, which is retried (with back-off, on the virtual
  clock) until it succeeds, `MaximumRetryAttempts` is exhausted or the records are older than
  `MaximumRecordAgeInSeconds`; then the batch is skipped and described to the
  `DestinationConfig.OnFailure` destination (`KinesisBatchInfo`/`DDBStreamBatchInfo`; an SQS queue,
  an SNS topic or an S3 bucket, see `sluice.local.lambda_.destinations`). Records already older
  than `MaximumRecordAgeInSeconds` when their turn comes are discarded the same way without an
  invocation ("Before invocation: ... it retries until the records expire or exceed the maximum
  age"). A batch discarded with no destination is reported as a FAILED delivery, never dropped
  quietly;
- `BisectBatchOnFunctionError` halves a failing batch before retrying; with
  `FunctionResponseTypes: [ReportBatchItemFailures]` the shard resumes from the lowest sequence
  number in `batchItemFailures` (an unusable response fails the whole batch);
- `FilterCriteria`: a record no filter matches is not sent to the function, and the shard moves
  past it ("Control which events Lambda sends to your function").

Example:
    >>> class Poller(ShardPoller):  # a service's poller: its stream, and when it was written to
    ...     def observe(self, call): self.written(call.response["ShardId"])
"""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from sluice.local.errors import StackError
from sluice.local.lambda_.destinations import (
    RECORD_AGE_EXCEEDED,
    RETRY_ATTEMPTS_EXHAUSTED,
    STREAM_ON_FAILURE,
    Destination,
    InvocationRecord,
    StreamBatch,
    Use,
    stream_record,
)
from sluice.local.lambda_.invocation import Invocation
from sluice.local.lambda_.mappings import SourceMapping, filter_patterns
from sluice.local.lambda_.runtime import FunctionNotRunnable, Throttled
from sluice.local.sources import EventSource, SourceHost, Wakeup
from sluice.local.trace import FAILED, Activity

FIRST_RETRY_DELAY = 1.0
MAX_RETRY_DELAY = 60.0
DEFAULT_RETENTION = 86_400
_MAX_DOUBLINGS = 16  # FIRST_RETRY_DELAY * 2**16 is far above MAX_RETRY_DELAY


@dataclass(frozen=True)
class ShardRecord:
    """A record of a shard, as the poller needs it."""

    sequence: str
    #: When the record reached the stream (epoch seconds): its age is measured from here.
    arrival: float
    #: The record as the function's event shows it.
    event: dict[str, Any]
    #: What `FilterCriteria` patterns are matched against.
    filterable: dict[str, Any]


class ShardStream(Protocol):
    """How a service's stream is read."""

    #: The stream as trace titles and reports name it ("Kinesis Events", "DynamoDB stream Orders").
    title: str
    #: The field describing a discarded batch in an on-failure record (`KinesisBatchInfo`…).
    info_field: str
    #: The `StartingPosition`s the service accepts.
    positions: tuple[str, ...]

    def shards(self) -> list[str]:
        """The shard ids."""

    def read(self, shard: str, after: str | None, limit: int) -> list[ShardRecord]:
        """Up to `limit` records after sequence number `after` (from the oldest when None)."""

    def last(self, shard: str) -> str | None:
        """The sequence number of the newest record (None when the shard is empty)."""


@dataclass
class Shard:
    """Where a shard's reader is."""

    shard_id: str
    limit: int
    checkpoint: str | None = None
    attempts: int = 0
    #: The activities that wrote the records not yet passed on (the oldest is the batch's parent).
    senders: list[Activity] = field(default_factory=list)
    wakeup: Wakeup | None = None


class ShardReader(EventSource, ABC):
    """Reads `stream` shard by shard, in order, for Lambda's mappings (`ShardPoller`) and EventBridge
    Pipes (`sluice.local.eventbridge.pipes.streams`): batches of up to `batch_size` records,
    gathered for `window` seconds after a write, from the oldest record or (`latest`) records
    written from now on. A service calls `written(shard)` when records arrive; a subclass says
    what a batch is for (`deliver`) and moves on (`_advance`) or retries later (`_retry_later`).

    Example:
        >>> class Printer(ShardReader):
        ...     def deliver(self, shard, records):
        ...         print([record.event for record in records])
        ...         self._advance(shard, records[-1])
    """

    #: Why a discarded batch was reported rather than delivered (`_discard`).
    NO_DESTINATION: ClassVar[str] = "no OnFailure destination"
    DESTINATION_FAILED: ClassVar[str] = "its OnFailure destination failed"

    def __init__(self, host: SourceHost, stream: ShardStream, *, stream_arn: str, batch_size: int, window: float,
                 max_age: int, latest: bool, enabled: bool = True) -> None:
        self.host = host
        self.stream = stream
        self.stream_arn = stream_arn
        self.batch_size = batch_size
        self.window = window
        self.max_age = max_age
        self.enabled = enabled
        self.shards: dict[str, Shard] = {}
        for shard_id in stream.shards():
            shard = Shard(shard_id, limit=batch_size, checkpoint=stream.last(shard_id) if latest else None)
            shard.wakeup = Wakeup(host.clock.loop, functools.partial(self.poll, shard))
            self.shards[shard_id] = shard

    def written(self, shard_id: str) -> None:
        """Records reached the shard: the current activity wrote them; poll once the window closes."""
        shard = self.shards.get(shard_id)
        if not self.enabled or shard is None:
            return
        sender = self.host.trace.current()
        if sender is not None:
            shard.senders.append(sender)
        self._wake(shard, self.window)

    def close(self) -> None:
        for shard in self.shards.values():
            if shard.wakeup is not None:
                shard.wakeup.cancel()

    def poll(self, shard: Shard) -> None:
        records = self.stream.read(shard.shard_id, shard.checkpoint, shard.limit)
        if not records:
            shard.senders.clear()
            return
        self.deliver(shard, records)

    @abstractmethod
    def deliver(self, shard: Shard, records: list[ShardRecord]) -> None:
        """Pass on the records read at the shard's checkpoint (at least one)."""

    def shard_title(self, shard: Shard) -> str:
        """The shard as trace titles and reports name it."""
        return f"{self.stream.title} {shard.shard_id}"

    def _batch_activity(self, shard: Shard, target: str, size: int) -> Activity:
        """The activity of passing `size` records to `target`: under the oldest write not yet passed on."""
        parent = shard.senders[0] if shard.senders else None
        return self.host.trace.record(
            "batch", f"{self.shard_title(shard)} → {target} ({size} record{'s' if size > 1 else ''})",
            parent=parent, root=parent is None)

    def _expired(self, records: list[ShardRecord]) -> list[ShardRecord]:
        """The leading records older than `MaximumRecordAgeInSeconds` (the stream's retention when -1)."""
        limit = self.max_age if self.max_age >= 0 else DEFAULT_RETENTION
        now = self.host.clock.now()
        expired = []
        for record in records:
            if now - record.arrival <= limit:
                break
            expired.append(record)
        return expired

    def _described(self, shard: Shard, records: list[ShardRecord], event_key: str) -> StreamBatch:
        """A discarded batch as its on-failure record describes it (the records under `event_key`)."""
        first, last = records[0], records[-1]
        return StreamBatch(
            stream_arn=self.stream_arn, shard_id=shard.shard_id, start_sequence=first.sequence,
            end_sequence=last.sequence, first_arrival=first.arrival, last_arrival=last.arrival, size=len(records),
            event={event_key: [record.event for record in records]}, info_field=self.stream.info_field)

    def _discard(self, shard: Shard, batch: StreamBatch, record: InvocationRecord, condition: str, *,
                 destination: Destination | None, use: Use) -> None:
        """Send `record`, describing a discarded batch, to `destination`; reported as a FAILED
        delivery when there is none or it fails — never dropped quietly."""
        if destination is not None and self.host.deliverer.destination(destination, record, use):
            return
        why = self.NO_DESTINATION if destination is None else self.DESTINATION_FAILED
        self.host.deliverer.failed(f"{self.shard_title(shard)} records {batch.start_sequence}..{batch.end_sequence} "
                                   f"({batch.size}) discarded ({condition}): {why}")

    def _advance(self, shard: Shard, last: ShardRecord) -> None:
        """Move past a processed or discarded batch and read on."""
        shard.checkpoint, shard.attempts, shard.limit = last.sequence, 0, self.batch_size
        self._wake(shard, 0)

    def _retry_later(self, shard: Shard) -> None:
        """Read the batch again after 1 s, 2 s, 4 s… up to `MAX_RETRY_DELAY`."""
        # The exponent is capped: a batch retried until its records expire (a day of one-minute
        # retries) would otherwise overflow the float.
        doublings = min(max(shard.attempts - 1, 0), _MAX_DOUBLINGS)
        self._wake(shard, min(FIRST_RETRY_DELAY * 2 ** doublings, MAX_RETRY_DELAY))

    def _wake(self, shard: Shard, delay: float) -> None:
        if shard.wakeup is not None:
            shard.wakeup.at(delay)


class ShardPoller(ShardReader):
    """The mapping's pollers, one per shard; a service calls `written(shard)` when records arrive."""

    def __init__(self, host: SourceHost, mapping: SourceMapping, stream: ShardStream) -> None:
        self.mapping = mapping
        settings = mapping.settings
        self.function = host.runtime.function(mapping.function).spec.logical_id
        self.reference = mapping.function  # its version or alias qualifier says what runs
        self.max_retries = int(settings.get("MaximumRetryAttempts", -1))
        self.bisect = str(settings.get("BisectBatchOnFunctionError", False)).lower() == "true"
        self.report_failures = "ReportBatchItemFailures" in (settings.get("FunctionResponseTypes") or [])
        self.filters = filter_patterns(settings, mapping.logical_id)
        self.on_failure = mapping.on_failure
        #: The last failed invocation of the batch at a shard's checkpoint (described if the batch expires).
        self._last_failed: dict[str, Invocation] = {}
        position = str(settings.get("StartingPosition", ""))
        if position not in stream.positions:
            raise StackError(f"StartingPosition must be {' or '.join(stream.positions)} for {stream.title} "
                             f"(got {position or 'nothing'})")
        super().__init__(host, stream, stream_arn=mapping.source_arn, batch_size=int(settings.get("BatchSize", 100)),
                         window=float(settings.get("MaximumBatchingWindowInSeconds", 0)),
                         max_age=int(settings.get("MaximumRecordAgeInSeconds", -1)), latest=position == "LATEST",
                         enabled=str(settings.get("Enabled", True)).lower() != "false")

    def deliver(self, shard: Shard, records: list[ShardRecord]) -> None:
        batch = [record for record in records if self._wanted(record)]
        if not batch:  # nothing the function wants: move on
            self._advance(shard, records[-1])
            return
        expired = self._expired(batch)
        if expired:
            self._give_up(shard, expired, RECORD_AGE_EXCEEDED, self._last_failed.get(shard.shard_id))
            self._advance(shard, expired[-1])
            return
        activity = self._batch_activity(shard, self.function, len(batch))
        with self.host.trace.within(activity):
            try:
                invocation = self.host.runtime.call(self.reference,
                                                    {"Records": [record.event for record in batch]})
            except Throttled:
                self._retry_later(shard)
                return
            except FunctionNotRunnable as error:
                activity.status = FAILED
                activity.title += f": {error}"
                return
            self._handle(shard, records, batch, invocation, activity)

    def _wanted(self, record: ShardRecord) -> bool:
        return not self.filters or any(pattern.matches(record.filterable) for pattern in self.filters)

    def _handle(self, shard: Shard, records: list[ShardRecord], batch: list[ShardRecord], invocation: Invocation,
                activity: Activity) -> None:
        resume_after = self._resume_point(shard, records, batch, invocation)
        if resume_after == records[-1].sequence:
            shard.senders = shard.senders[1:]
            self._advance(shard, records[-1])
            return
        activity.status = FAILED
        shard.attempts += 1
        self._last_failed[shard.shard_id] = invocation
        if self.bisect and shard.limit > 1 and not invocation.ok:
            shard.limit = max(1, len(records) // 2)
            self._wake(shard, 0)
            return
        if self.max_retries >= 0 and shard.attempts > self.max_retries:
            self._give_up(shard, batch, RETRY_ATTEMPTS_EXHAUSTED, invocation)
            self._advance(shard, records[-1])
            return
        if resume_after is not None:
            shard.checkpoint = resume_after
        self._retry_later(shard)

    def _resume_point(self, shard: Shard, records: list[ShardRecord], batch: list[ShardRecord],
                      invocation: Invocation) -> str | None:
        """Sequence number processing may continue after (the last record read when all went well)."""
        if not invocation.ok:
            return shard.checkpoint
        result = invocation.result
        failures = result.get("batchItemFailures") if self.report_failures and isinstance(result, dict) else None
        if not failures:
            return records[-1].sequence
        sent = {record.sequence for record in batch}
        failed = [failure.get("itemIdentifier") if isinstance(failure, dict) else None for failure in failures]
        if any(identifier not in sent for identifier in failed):
            return shard.checkpoint  # an unusable response fails the whole batch
        sequence = [record.sequence for record in records]
        first = min(sequence.index(str(identifier)) for identifier in failed)
        return sequence[first - 1] if first > 0 else shard.checkpoint

    def _advance(self, shard: Shard, last: ShardRecord) -> None:
        self._last_failed.pop(shard.shard_id, None)
        super()._advance(shard, last)

    def _give_up(self, shard: Shard, records: list[ShardRecord], condition: str,
                 invocation: Invocation | None) -> None:
        """Discard `records` as Lambda does: described to the on-failure destination, if any."""
        _, target = self.host.runtime.target(self.reference)
        batch = self._described(shard, records, "Records")
        record = stream_record(
            batch, at=self.host.clock.now(), function_arn=target.arn, version=target.version, condition=condition,
            request_id=invocation.request_id if invocation is not None else self.host.runtime.new_request_id(),
            invoke_count=shard.attempts, function_error=invocation is not None and not invocation.ok,
            mapping_uuid=self.mapping.uuid)
        self._discard(shard, batch, record, condition, destination=self.on_failure, use=STREAM_ON_FAILURE)
