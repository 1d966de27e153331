"""One Kinesis batch (one shard) -> micro-batches -> one claim and one Express execution each.

1. Each record gets its entry (permanently bad records - poison payload, oversized, and poison data
   raised as a plain Python error such as a lone surrogate's `UnicodeEncodeError`: `errors.as_permanent`
   - are set aside and count as handled: retrying or bisecting them could never succeed); large
   payloads are offloaded to S3 under a name derived from the record, so a redelivery overwrites them.
2. The records are packed, in order, into micro-batches (`batching.pack`: `max_records` and the
   256 KiB input limit).
3. Micro-batches start in order. Each claims **one** idempotency key naming its range,
   `<pipeline>|shard_id=..|first_sequence_number=..|last_sequence_number=..` (`batch_key`): a
   redelivered or retried batch packs to the same ranges and finds them COMPLETED (one failed
   conditional write, nothing starts); a bisected batch's halves claim keys naming their own ranges.
   Exactly-once *effects* do not rest on these claims but on the sink's conditional writes by record
   id (docs/runtime.md, "Kinesis: micro-batches"), so a run that starts twice writes nothing twice.
4. At the first transient failure everything from that record on is reported failed (a claim already
   taken is released): Lambda resumes the shard at the lowest failed sequence number, so records after
   a failure would be redelivered anyway, and the shard's order is kept.

`process_records` is the whole Kinesis flow: decode each record (a record whose payload is not
base64 JSON is a poison record: quarantined), route the batch (one invocation carries one shard of one
stream), then run a `StreamBatch`.

Example:
    >>> outcomes = process_records(event["Records"], dispatcher, clock, quarantine)   # doctest: +SKIP
    >>> [o.status if isinstance(o, Outcome) else "failed" for o in outcomes]           # doctest: +SKIP
    ['started', 'started', 'set_aside', 'duplicate', 'failed']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sluice_runtime.batching import pack
from sluice_runtime.dispatcher import ASYNC_GUARD_MS, Clock, Dispatcher, Outcome, set_aside, summary
from sluice_runtime.errors import Deferred, InvalidEvent, PermanentError, TransientError, as_permanent
from sluice_runtime.execution_names import batch_execution_name
from sluice_runtime.idempotency import ClaimState, IdempotencyKey, key_for, render
from sluice_runtime.models import KinesisEnvelope, StreamRecord, parse
from sluice_runtime.observability import Metric, count, logger
from sluice_runtime.payloads import ENVELOPE_RESERVE, STATE_PAYLOAD_LIMIT, encoded_size
from sluice_runtime.quarantine import Sink
from sluice_runtime.registry import Pipeline
from sluice_runtime.starter import StartResult

Prepared = tuple[int, IdempotencyKey, dict[str, Any]]  # (position in the batch, record key, records[] entry)
BATCH_FIELDS = ("shard_id", "first_sequence_number", "last_sequence_number")


def batch_key(pipeline: Pipeline, first: StreamRecord, last: StreamRecord) -> IdempotencyKey:
    """The claim of the micro-batch running `first`..`last` of one shard (in sequence order).

    Kinesis never changes a record under its sequence number, so the range is the batch's content too.

    Example:
        >>> batch_key(pipeline, records[0], records[99]).value                  # doctest: +SKIP
        'events-stream|shard_id="shardId-000000000000"|first_sequence_number="4959...00"|last_sequence_number="4959...99"'
    """
    view = {
        "shard_id": first.shard_id,
        "first_sequence_number": first.sequence_number,
        "last_sequence_number": last.sequence_number,
    }
    identity = render(BATCH_FIELDS, view)
    return IdempotencyKey(pipeline=pipeline.name, identity=identity, content=identity)


def process_records(
    raw_records: Sequence[Any], dispatcher: Dispatcher, clock: Clock, sink: Sink
) -> list[Outcome | Exception]:
    """Outcome (or failure to report) for each raw Kinesis record, in order."""
    shard = _ShardOutcomes(len(raw_records))
    decoded: list[tuple[int, StreamRecord]] = []
    for index, raw in enumerate(raw_records):
        try:
            decoded.append((index, parse(KinesisEnvelope, raw, "Kinesis record").decode()))
        except InvalidEvent as error:
            named = raw.get("eventID") if isinstance(raw, Mapping) else None
            if not shard.set_aside(sink, error, index, raw, str(named or f"record-{index}")):
                break
    if decoded:
        try:
            pipeline = dispatcher.route(decoded[0][1])
        except PermanentError as error:
            for index, record in decoded:
                if not shard.set_aside(sink, error, index, raw_records[index], record.record_id):
                    break
        else:
            batch = StreamBatch(dispatcher, pipeline, clock, sink)
            results = batch.run([(record, raw_records[index]) for index, record in decoded])
            for (index, _), result in zip(decoded, results, strict=True):
                shard.put(index, result)
    return shard.outcomes()


class _ShardOutcomes:
    """The outcomes of one shard's records by position, before they reach a `StreamBatch`.

    A record that cannot be set aside for now (the quarantine throttled) fails with every record after
    it, as a transient failure does in `StreamBatch`: Lambda resumes the shard at that record.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._by_index: dict[int, Outcome | Exception] = {}
        self._failed_at: int = size
        self._failure: TransientError | None = None

    def set_aside(self, sink: Sink, error: PermanentError, index: int, raw: Any, record_id: str) -> bool:
        """Set record `index` aside; False if that failed for now (stop there: it and the rest fail)."""
        try:
            self._by_index[index] = set_aside(sink, error, raw, record_id=record_id)
        except TransientError as failure:
            self._failed_at, self._failure = index, failure
            count(Metric.RECORDS_FAILED, self._size - index)
            return False
        return True

    def put(self, index: int, result: Outcome | Exception) -> None:
        self._by_index[index] = result

    def outcomes(self) -> list[Outcome | Exception]:
        ahead = [self._by_index[index] for index in range(self._failed_at)]
        return ahead if self._failure is None else [*ahead, *[self._failure] * (self._size - self._failed_at)]


class StreamBatch:
    """Processes the records of one invocation; `run` returns an outcome or the error, per record."""

    def __init__(self, dispatcher: Dispatcher, pipeline: Pipeline, clock: Clock, sink: Sink) -> None:
        self._dispatcher, self._pipeline, self._clock, self._sink = dispatcher, pipeline, clock, sink
        self._records: Sequence[tuple[StreamRecord, Any]] = ()
        self._outcomes: dict[int, Outcome | Exception] = {}
        self._failed_at: int | None = None  # position of the first transient failure
        self._failure: Exception | None = None

    def run(self, records: Sequence[tuple[StreamRecord, Any]]) -> list[Outcome | Exception]:
        """`records` pairs each decoded record with the raw record (what a quarantine stores)."""
        self._records, self._outcomes = records, {}
        self._failed_at = self._failure = None
        prepared = [self._prepare(index) for index in range(len(records))]
        ready = [item for item in prepared if item is not None]
        budget = STATE_PAYLOAD_LIMIT - ENVELOPE_RESERVE
        sizes = [encoded_size(entry) for _, _, entry in ready]
        for batch in pack(ready, sizes, self._pipeline.batching.max_records, budget):
            self._start(batch)
        return [self._outcomes[index] for index in range(len(records))]

    def _stopped_by(self, index: int) -> Exception | None:
        """The earlier failure holding back record `index`: Lambda will redeliver from that failure."""
        if self._failed_at is not None and index > self._failed_at:
            return self._failure
        return None

    def _prepare(self, index: int) -> Prepared | None:
        """The record's key and its `records[]` entry, offloaded if large; None once set aside or failed."""
        record = self._records[index][0]
        try:
            earlier = self._stopped_by(index)
            if earlier is not None:
                raise earlier
            entry = self._dispatcher.entry(self._pipeline, record)
            # Not claimed: it names the offloaded payload and, with its neighbours, the execution.
            key = key_for(self._pipeline, record.view())
            return index, key, self._dispatcher.fit(self._pipeline, record, entry, key.value)
        except Exception as error:
            self._set_aside_or_fail(index, error)
            return None

    def _start(self, batch: list[Prepared]) -> None:
        indexes = [index for index, _, _ in batch]
        error = self._stopped_by(indexes[0])
        if error is None and self._clock() < ASYNC_GUARD_MS:
            error = Deferred(f"only {self._clock()} ms left before the invocation times out")
        if error is not None:
            self._fail_all(indexes, error)
            return
        first, last = self._records[indexes[0]][0], self._records[indexes[-1]][0]
        key = batch_key(self._pipeline, first, last)
        try:
            claim = self._dispatcher.ledger.claim(key, self._clock(), self._pipeline.ttl_seconds)
        except Exception as failure:  # ClaimInProgress (a live invocation runs it), throttling: transient
            self._fail_all(indexes, failure)
            return
        if claim.state is ClaimState.DUPLICATE:
            count(Metric.DUPLICATES_SKIPPED, len(indexes))
            previous = claim.result or {}
            for index in indexes:
                self._outcomes[index] = Outcome(
                    status="duplicate",
                    record_id=self._records[index][0].record_id,
                    pipeline=self._pipeline.name,
                    execution_name=previous.get("execution_name"),
                    execution_arn=previous.get("execution_arn"),
                )
            return
        # Deterministic although Express names are no guard: "StartExecution isn't idempotent for EXPRESS
        # workflows" and the same name twice gives concurrent runs (StartExecution API reference; Step
        # Functions "Execution guarantees"). A re-run of the same records thus carries the same name,
        # which the sink's conditional writes take as the same execution: written once, not twice.
        name = batch_execution_name(self._pipeline.name, [record_key.value for _, record_key, _ in batch])
        keys = [record_key for _, record_key, _ in batch]
        try:
            result = self._dispatcher.start(self._pipeline, name, keys, [entry for _, _, entry in batch], None)
        except Exception as failure:
            self._dispatcher.release(self._pipeline, [key], failure)
            self._fail_all(indexes, failure)  # permanent: e.g. a Standard name reused with other input
            return
        self._complete(key, result, f"{first.record_id}..{last.sequence_number}")
        for index in indexes:
            self._outcomes[index] = Outcome(
                status="started",
                record_id=self._records[index][0].record_id,
                pipeline=self._pipeline.name,
                execution_name=result.execution_name,
                execution_arn=result.execution_arn,
            )

    def _complete(self, key: IdempotencyKey, result: StartResult, span: str) -> None:
        """Mark the claim COMPLETED. If DynamoDB refuses for now, the run has started all the same: its
        records are acknowledged, and the INPROGRESS claim lapses with this invocation's time (a whole
        -batch retry after that starts the run again, and the sink writes nothing twice)."""
        try:
            self._dispatcher.ledger.complete(key, summary(result, span), self._pipeline.ttl_seconds)
        except TransientError as error:
            logger.warning(
                "micro-batch started but its claim was not completed",
                extra={"idempotency_key": key.value, "execution_name": result.execution_name, "error": str(error)},
            )

    def _fail_all(self, indexes: Sequence[int], error: Exception) -> None:
        for index in indexes:
            self._set_aside_or_fail(index, error)

    def _set_aside(self, index: int, error: PermanentError) -> None:
        record, payload = self._records[index]
        try:
            self._outcomes[index] = set_aside(
                self._sink, error, payload, record_id=record.record_id, pipeline=self._pipeline.name
            )
        except TransientError as failure:  # the quarantine is throttled: redelivered from this record on
            self._fail(index, failure)

    def _set_aside_or_fail(self, index: int, error: Exception) -> None:
        """Set a poison record aside; anything that may be transient fails it (Lambda resumes from it)."""
        permanent = as_permanent(error)
        if permanent is None:
            self._fail(index, error)
        else:
            self._set_aside(index, permanent)

    def _fail(self, index: int, error: Exception) -> None:
        if self._failed_at is None or index < self._failed_at:
            self._failed_at, self._failure = index, error
        count(Metric.RECORDS_FAILED)
        self._outcomes[index] = error
