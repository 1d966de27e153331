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
  past it ("Control which events Lambda sends to your function");
- `ParallelizationFactor` (1 to 10): "Lambda can process up to 10 batches in each shard
  simultaneously ... and still maintains in-order processing at the partition-key level" ("Polling
  and batching streams"). A shard's records are split into that many `Lane`s by the MD5 hash of
  their partition key (the Kinesis partition key; the item's key for DynamoDB), as Kinesis maps
  keys to shards; each lane reads, batches, retries and bisects on its own, in order, so a failing
  key holds back only its lane. The shard's checkpoint (`Shard.checkpoint`) is the position up to
  which every lane is done;
- `TumblingWindowInSeconds` (`sluice.local.lambda_.tumbling`): the function's `state` carried from
  invocation to invocation within a window of the virtual clock, and a final invocation per window.

Example:
    >>> class Poller(ShardPoller):  # a service's poller: its stream, and when it was written to
    ...     def observe(self, call): self.written(call.response["ShardId"])
"""

from __future__ import annotations

import functools
import hashlib
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
from sluice.local.lambda_.tumbling import MAX_WINDOW, Window, window_start
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
    #: What records keep their order by under `ParallelizationFactor` (Kinesis: the partition key;
    #: DynamoDB: the item's key).
    partition_key: str


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
    """A shard being read: its lanes (one per `ParallelizationFactor`), and the activities that
    wrote the records not yet passed on (the oldest is the next batch's parent)."""

    shard_id: str
    lanes: list[Lane] = field(default_factory=list)
    senders: list[Activity] = field(default_factory=list)

    @property
    def checkpoint(self) -> str | None:
        """The position up to which every record of the shard is done (None: nothing is)."""
        positions = [lane.checkpoint for lane in self.lanes]
        if any(position is None for position in positions):
            return None
        return min((position for position in positions if position is not None), key=int)


@dataclass
class Lane:
    """One of a shard's concurrent readers: the records whose partition key hashes to `index`, in order.

    `checkpoint` is the position up to which the lane is done: every record of the lane at or before
    it was passed on (the records of other lanes in between are theirs)."""

    shard: Shard
    index: int
    limit: int
    checkpoint: str | None = None
    attempts: int = 0
    wakeup: Wakeup | None = None

    @property
    def shard_id(self) -> str:
        return self.shard.shard_id


def lane_of(partition_key: str, lanes: int) -> int:
    """The lane of a partition key: its MD5 hash (how Kinesis maps keys to shards), modulo `lanes`."""
    if lanes == 1:
        return 0
    return int.from_bytes(hashlib.md5(partition_key.encode(), usedforsecurity=False).digest()) % lanes


class ShardReader(EventSource, ABC):
    """Reads `stream` shard by shard, in order, for Lambda's mappings (`ShardPoller`) and EventBridge
    Pipes (`sluice.local.eventbridge.pipes.streams`): batches of up to `batch_size` records,
    gathered for `window` seconds after a write, from the oldest record or (`latest`) records
    written from now on, in `parallelization` lanes per shard (`ParallelizationFactor`). A service
    calls `written(shard)` when records arrive; a subclass says what a lane's batch is for
    (`deliver`) and moves on (`_advance`) or retries later (`_retry_later`).

    Example:
        >>> class Printer(ShardReader):
        ...     def deliver(self, lane, records):
        ...         print([record.event for record in records])
        ...         self._advance(lane, records[-1])
    """

    #: Why a discarded batch was reported rather than delivered (`_discard`).
    NO_DESTINATION: ClassVar[str] = "no OnFailure destination"
    DESTINATION_FAILED: ClassVar[str] = "its OnFailure destination failed"

    def __init__(self, host: SourceHost, stream: ShardStream, *, stream_arn: str, batch_size: int, window: float,
                 max_age: int, latest: bool, enabled: bool = True, parallelization: int = 1) -> None:
        if not 1 <= parallelization <= 10:
            raise StackError(f"ParallelizationFactor must be 1 to 10 (got {parallelization})")
        self.host = host
        self.stream = stream
        self.stream_arn = stream_arn
        self.batch_size = batch_size
        self.window = window
        self.max_age = max_age
        self.enabled = enabled
        self.parallelization = parallelization
        self.shards: dict[str, Shard] = {}
        for shard_id in stream.shards():
            shard = Shard(shard_id)
            start = stream.last(shard_id) if latest else None
            for index in range(parallelization):
                lane = Lane(shard, index, limit=batch_size, checkpoint=start)
                lane.wakeup = Wakeup(host.clock.loop, functools.partial(self.poll, lane))
                shard.lanes.append(lane)
            self.shards[shard_id] = shard

    def written(self, shard_id: str) -> None:
        """Records reached the shard: the current activity wrote them; poll once the window closes."""
        shard = self.shards.get(shard_id)
        if not self.enabled or shard is None:
            return
        sender = self.host.trace.current()
        if sender is not None:
            shard.senders.append(sender)
        for lane in shard.lanes:
            self._wake(lane, self.window)

    def close(self) -> None:
        for shard in self.shards.values():
            for lane in shard.lanes:
                if lane.wakeup is not None:
                    lane.wakeup.cancel()

    def poll(self, lane: Lane) -> None:
        records = self._read(lane)
        if records:
            self.deliver(lane, records)
        elif self.parallelization == 1 or not any(self._pending(other) for other in lane.shard.lanes):
            lane.shard.senders.clear()  # every write was passed on

    def _read(self, lane: Lane) -> list[ShardRecord]:
        """Up to `lane.limit` records of the lane after its checkpoint; the lane's checkpoint moves
        past the records of other lanes before them (they are not its to wait for)."""
        if self.parallelization == 1:
            return self.stream.read(lane.shard_id, lane.checkpoint, lane.limit)
        while records := self.stream.read(lane.shard_id, lane.checkpoint, lane.limit * self.parallelization):
            own = [record for record in records
                   if lane_of(record.partition_key, self.parallelization) == lane.index][:lane.limit]
            if own:
                before = records.index(own[0])
                if before:
                    lane.checkpoint = records[before - 1].sequence
                return own
            lane.checkpoint = records[-1].sequence
        return []

    def _pending(self, lane: Lane) -> bool:
        """Whether the lane has records left to pass on (read without moving it)."""
        return any(lane_of(record.partition_key, self.parallelization) == lane.index
                   for record in self.stream.read(lane.shard_id, lane.checkpoint, 10_000))

    @abstractmethod
    def deliver(self, lane: Lane, records: list[ShardRecord]) -> None:
        """Pass on the records of the lane read at its checkpoint (at least one)."""

    def shard_title(self, lane: Lane) -> str:
        """The shard (and lane, with several) as trace titles and reports name it."""
        suffix = f" lane {lane.index}" if self.parallelization > 1 else ""
        return f"{self.stream.title} {lane.shard_id}{suffix}"

    def _batch_activity(self, lane: Lane, target: str, size: int) -> Activity:
        """The activity of passing `size` records to `target`: under the oldest write not yet passed on."""
        senders = lane.shard.senders
        parent = senders[0] if senders else None
        return self.host.trace.record(
            "batch", f"{self.shard_title(lane)} → {target} ({size} record{'s' if size > 1 else ''})",
            parent=parent, root=parent is None)

    def _passed_on(self, lane: Lane, last: ShardRecord) -> None:
        """A batch went through: its oldest write is no longer waiting; read on after `last`."""
        lane.shard.senders = lane.shard.senders[1:]
        self._advance(lane, last)

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

    def _described(self, lane: Lane, records: list[ShardRecord], event_key: str) -> StreamBatch:
        """A discarded batch as its on-failure record describes it (the records under `event_key`)."""
        first, last = records[0], records[-1]
        return StreamBatch(
            stream_arn=self.stream_arn, shard_id=lane.shard_id, start_sequence=first.sequence,
            end_sequence=last.sequence, first_arrival=first.arrival, last_arrival=last.arrival, size=len(records),
            event={event_key: [record.event for record in records]}, info_field=self.stream.info_field)

    def _discard(self, lane: Lane, batch: StreamBatch, record: InvocationRecord, condition: str, *,
                 destination: Destination | None, use: Use) -> None:
        """Send `record`, describing a discarded batch, to `destination`; reported as a FAILED
        delivery when there is none or it fails — never dropped quietly."""
        if destination is not None and self.host.deliverer.destination(destination, record, use):
            return
        why = self.NO_DESTINATION if destination is None else self.DESTINATION_FAILED
        self.host.deliverer.failed(f"{self.shard_title(lane)} records {batch.start_sequence}..{batch.end_sequence} "
                                   f"({batch.size}) discarded ({condition}): {why}")

    def _advance(self, lane: Lane, last: ShardRecord) -> None:
        """Move past a processed or discarded batch and read on."""
        lane.checkpoint, lane.attempts, lane.limit = last.sequence, 0, self.batch_size
        self._wake(lane, 0)

    def _retry_later(self, lane: Lane) -> None:
        """Read the batch again after 1 s, 2 s, 4 s… up to `MAX_RETRY_DELAY`."""
        # The exponent is capped: a batch retried until its records expire (a day of one-minute
        # retries) would otherwise overflow the float.
        doublings = min(max(lane.attempts - 1, 0), _MAX_DOUBLINGS)
        self._wake(lane, min(FIRST_RETRY_DELAY * 2 ** doublings, MAX_RETRY_DELAY))

    def _wake(self, lane: Lane, delay: float) -> None:
        if lane.wakeup is not None:
            lane.wakeup.at(delay)


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
        self.tumbling = int(settings.get("TumblingWindowInSeconds", 0))
        if not 0 <= self.tumbling <= MAX_WINDOW:
            raise StackError(f"TumblingWindowInSeconds must be 0 to {MAX_WINDOW} (got {self.tumbling})")
        #: The last failed invocation of the batch at a lane's checkpoint (described if the batch expires).
        self._last_failed: dict[tuple[str, int], Invocation] = {}
        #: The open tumbling window of each lane.
        self._windows: dict[tuple[str, int], Window] = {}
        position = str(settings.get("StartingPosition", ""))
        if position not in stream.positions:
            raise StackError(f"StartingPosition must be {' or '.join(stream.positions)} for {stream.title} "
                             f"(got {position or 'nothing'})")
        super().__init__(host, stream, stream_arn=mapping.source_arn, batch_size=int(settings.get("BatchSize", 100)),
                         window=float(settings.get("MaximumBatchingWindowInSeconds", 0)),
                         max_age=int(settings.get("MaximumRecordAgeInSeconds", -1)), latest=position == "LATEST",
                         enabled=str(settings.get("Enabled", True)).lower() != "false",
                         parallelization=int(settings.get("ParallelizationFactor", 1)))

    def poll(self, lane: Lane) -> None:
        window = self._windows.get(_key(lane))
        if window is None:
            super().poll(lane)
            return
        records = self._read(lane)
        if records and window.holds(records[0].arrival):
            self.deliver(lane, records)
        elif self.host.clock.now() >= window.end:  # its records are done: the final invocation
            self._finish(lane, window)
        else:
            self._wake(lane, window.end - self.host.clock.now())

    def deliver(self, lane: Lane, records: list[ShardRecord]) -> None:
        window = None
        if self.tumbling:  # a batch holds records of one window
            window = self._windows.setdefault(
                _key(lane), Window(window_start(records[0].arrival, self.tumbling), self.tumbling))
            records = [record for record in records if window.holds(record.arrival)]
        batch = [record for record in records if self._wanted(record)]
        if not batch:  # nothing the function wants: move on
            self._advance(lane, records[-1])
            return
        expired = self._expired(batch)
        if expired:
            self._give_up(lane, expired, RECORD_AGE_EXCEEDED, self._last_failed.get(_key(lane)))
            self._advance(lane, expired[-1])
            return
        events = [record.event for record in batch]
        activity = self._batch_activity(lane, self.function, len(batch))
        with self.host.trace.within(activity):
            invocation = self._call(lane, activity, {"Records": events} if window is None else window.event(
                events, shard_id=lane.shard_id, source_arn=self.stream_arn, final=False))
            if invocation is not None:
                self._handle(lane, records, batch, invocation, activity)

    def _call(self, lane: Lane, activity: Activity, event: dict[str, Any]) -> Invocation | None:
        """Invoke the function with `event`; None when it did not run (throttled: retried later; not
        runnable: the activity says why)."""
        try:
            return self.host.runtime.call(self.reference, event)
        except Throttled:
            self._retry_later(lane)
        except FunctionNotRunnable as error:
            activity.status = FAILED
            activity.title += f": {error}"
        return None

    def _wanted(self, record: ShardRecord) -> bool:
        return not self.filters or any(pattern.matches(record.filterable) for pattern in self.filters)

    def _handle(self, lane: Lane, records: list[ShardRecord], batch: list[ShardRecord], invocation: Invocation,
                activity: Activity) -> None:
        resume_after = self._resume_point(lane, records, batch, invocation)
        if resume_after == records[-1].sequence:
            self._passed_on(lane, records[-1])
            return
        activity.status = FAILED
        lane.attempts += 1
        self._last_failed[_key(lane)] = invocation
        if self.bisect and lane.limit > 1 and not invocation.ok:
            lane.limit = max(1, len(records) // 2)
            self._wake(lane, 0)
            return
        if self.max_retries >= 0 and lane.attempts > self.max_retries:
            self._give_up(lane, batch, RETRY_ATTEMPTS_EXHAUSTED, invocation)
            self._advance(lane, records[-1])
            return
        if resume_after is not None:
            lane.checkpoint = resume_after
        self._retry_later(lane)

    def _resume_point(self, lane: Lane, records: list[ShardRecord], batch: list[ShardRecord],
                      invocation: Invocation) -> str | None:
        """Sequence number processing may continue after (the last record read when all went well)."""
        window = self._windows.get(_key(lane))
        if not invocation.ok or (window is not None and not window.took(invocation.result)):
            return lane.checkpoint
        result = invocation.result
        failures = result.get("batchItemFailures") if self.report_failures and isinstance(result, dict) else None
        if not failures:
            return records[-1].sequence
        sent = {record.sequence for record in batch}
        failed = [failure.get("itemIdentifier") if isinstance(failure, dict) else None for failure in failures]
        if any(identifier not in sent for identifier in failed):
            return lane.checkpoint  # an unusable response fails the whole batch
        sequence = [record.sequence for record in records]
        first = min(sequence.index(str(identifier)) for identifier in failed)
        return sequence[first - 1] if first > 0 else lane.checkpoint

    def _finish(self, lane: Lane, window: Window) -> None:
        """The window's final invocation: retried until it succeeds (or `MaximumRetryAttempts` is
        used up: then the state is reported lost), since the lane waits for it."""
        activity = self.host.trace.record(
            "batch", f"{self.shard_title(lane)} → {self.function} (final invocation of window {window.label})",
            root=True)
        with self.host.trace.within(activity):
            invocation = self._call(lane, activity, window.event([], shard_id=lane.shard_id,
                                                                 source_arn=self.stream_arn, final=True))
        if invocation is None:
            return
        if invocation.ok and window.took(invocation.result):
            self._close_window(lane)
            return
        activity.status = FAILED
        lane.attempts += 1
        if 0 <= self.max_retries < lane.attempts:
            self.host.deliverer.failed(f"{self.shard_title(lane)}: the final invocation of {self.function} for the "
                                       f"window {window.label} failed {lane.attempts} times; its state is dropped")
            self._close_window(lane)
            return
        self._retry_later(lane)

    def _close_window(self, lane: Lane) -> None:
        del self._windows[_key(lane)]
        lane.attempts = 0
        self._wake(lane, 0)

    def _advance(self, lane: Lane, last: ShardRecord) -> None:
        self._last_failed.pop(_key(lane), None)
        super()._advance(lane, last)

    def _give_up(self, lane: Lane, records: list[ShardRecord], condition: str,
                 invocation: Invocation | None) -> None:
        """Discard `records` as Lambda does: described to the on-failure destination, if any."""
        _, target = self.host.runtime.target(self.reference)
        batch = self._described(lane, records, "Records")
        record = stream_record(
            batch, at=self.host.clock.now(), function_arn=target.arn, version=target.version, condition=condition,
            request_id=invocation.request_id if invocation is not None else self.host.runtime.new_request_id(),
            invoke_count=lane.attempts, function_error=invocation is not None and not invocation.ok,
            mapping_uuid=self.mapping.uuid)
        self._discard(lane, batch, record, condition, destination=self.on_failure, use=STREAM_ON_FAILURE)


def _key(lane: Lane) -> tuple[str, int]:
    return lane.shard_id, lane.index
