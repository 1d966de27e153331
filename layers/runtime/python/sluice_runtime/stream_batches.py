"""One Kinesis batch (one shard) -> claimed records -> micro-batches -> one Express execution each.

1. Each record gets its entry and idempotency key and is claimed (record-level dedupe: a replay after
   a partial failure skips every record whose micro-batch already started). Permanently bad records
   (poison payload, oversized, conflict, and poison data raised as a plain Python error such as a
   lone surrogate's `UnicodeEncodeError`: `errors.as_permanent`) are set aside and count as handled:
   retrying or bisecting them could never succeed.
2. New records' large payloads are offloaded to S3; the rest are packed, in order, into micro-batches
   (`batching.pack`: `max_records` and the 256 KiB input limit).
3. Micro-batches start in order. At the first transient failure everything from that record on is
   released and reported failed: Lambda resumes the shard at the lowest failed sequence number, so
   records after a failure would be redelivered anyway, and the shard's order is kept.

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
from sluice_runtime.errors import Deferred, InvalidEvent, PermanentError, as_permanent
from sluice_runtime.execution_names import batch_execution_name
from sluice_runtime.idempotency import ClaimState, IdempotencyKey, key_for
from sluice_runtime.models import KinesisEnvelope, StreamRecord, parse
from sluice_runtime.observability import Metric, count
from sluice_runtime.payloads import ENVELOPE_RESERVE, STATE_PAYLOAD_LIMIT, encoded_size
from sluice_runtime.quarantine import Sink
from sluice_runtime.registry import Pipeline

Claimed = tuple[int, IdempotencyKey, dict[str, Any]]  # (position in the batch, key, records[] entry)


def process_records(
    raw_records: Sequence[Mapping[str, Any]], dispatcher: Dispatcher, clock: Clock, sink: Sink
) -> list[Outcome | Exception]:
    """Outcome (or failure to report) for each raw Kinesis record, in order."""
    outcomes: dict[int, Outcome | Exception] = {}
    decoded: list[tuple[int, StreamRecord]] = []
    for index, raw in enumerate(raw_records):
        try:
            decoded.append((index, parse(KinesisEnvelope, raw, "Kinesis record").decode()))
        except InvalidEvent as error:
            record_id = str(raw.get("eventID") or f"record-{index}")
            outcomes[index] = set_aside(sink, error, raw, record_id=record_id)
    if decoded:
        try:
            pipeline = dispatcher.route(decoded[0][1])
        except PermanentError as error:
            for index, record in decoded:
                outcomes[index] = set_aside(sink, error, raw_records[index], record_id=record.record_id)
        else:
            batch = StreamBatch(dispatcher, pipeline, clock, sink)
            results = batch.run([(record, raw_records[index]) for index, record in decoded])
            for (index, _), result in zip(decoded, results, strict=True):
                outcomes[index] = result
    return [outcomes[index] for index in range(len(raw_records))]


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
        fitted = [self._fit(item) for item in self._claim_all()]
        ready = [item for item in fitted if item is not None]
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

    def _claim_all(self) -> list[Claimed]:
        claimed: list[Claimed] = []
        for index, (record, _) in enumerate(self._records):
            earlier = self._stopped_by(index)
            if earlier is not None:
                self._fail(index, earlier)
                continue
            try:
                entry = self._dispatcher.entry(self._pipeline, record)
                key = key_for(self._pipeline, record.view())
                claim = self._dispatcher.ledger.claim(key, self._clock(), self._pipeline.ttl_seconds)
            except Exception as error:
                self._set_aside_or_fail(index, error)
            else:
                if claim.state is ClaimState.DUPLICATE:
                    count(Metric.DUPLICATES_SKIPPED)
                    self._outcomes[index] = Outcome(
                        status="duplicate", record_id=record.record_id, pipeline=self._pipeline.name
                    )
                else:
                    claimed.append((index, key, entry))
        return claimed

    def _fit(self, item: Claimed) -> Claimed | None:
        index, key, entry = item
        try:
            earlier = self._stopped_by(index)
            if earlier is not None:
                raise earlier
            return index, key, self._dispatcher.fit(self._pipeline, self._records[index][0], entry, key.value)
        except Exception as error:
            self._dispatcher.release(self._pipeline, [key], error)
            self._set_aside_or_fail(index, error)
            return None

    def _start(self, batch: list[Claimed]) -> None:
        indexes, keys = [index for index, _, _ in batch], [key for _, key, _ in batch]
        error = self._stopped_by(indexes[0])
        if error is None and self._clock() < ASYNC_GUARD_MS:
            error = Deferred(f"only {self._clock()} ms left before the invocation times out")
        if error is None:
            name = batch_execution_name(self._pipeline.name, [key.value for key in keys])
            try:
                result = self._dispatcher.start(self._pipeline, name, keys, [entry for _, _, entry in batch], None)
            except Exception as failure:
                error = failure
        if error is not None:
            self._dispatcher.release(self._pipeline, keys, error)
            for index in indexes:  # permanent: e.g. a Standard name reused with other input
                self._set_aside_or_fail(index, error)
            return
        for index, key in zip(indexes, keys, strict=True):
            record_id = self._records[index][0].record_id
            self._dispatcher.ledger.complete(key, summary(result, record_id), self._pipeline.ttl_seconds)
            self._outcomes[index] = Outcome(
                status="started",
                record_id=self._records[index][0].record_id,
                pipeline=self._pipeline.name,
                execution_name=result.execution_name,
                execution_arn=result.execution_arn,
            )

    def _set_aside(self, index: int, error: PermanentError) -> None:
        record, payload = self._records[index]
        self._outcomes[index] = set_aside(
            self._sink, error, payload, record_id=record.record_id, pipeline=self._pipeline.name
        )

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
