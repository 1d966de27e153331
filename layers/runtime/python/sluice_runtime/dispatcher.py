"""Route -> dedupe -> start, for one trigger (ingest, router, ordered); primitives for stream batches.

For each trigger: find its pipeline in the registry, build the idempotency key and the deterministic
execution name, claim the key (one conditional write), start the execution, record completion (one
update). A duplicate costs the one failed conditional write and starts nothing.

Error handling follows `errors`: a `PermanentError` (or a poison-data error `as_permanent` maps to
one) sets the input aside through the caller's `Sink` and the input counts as handled; anything else
propagates so the event source retries. A failure after the claim releases it (`Exception` only: a
crash leaves the claim to expire, which the deterministic execution name makes safe).
`stream_batches` reuses the same primitives per micro-batch.

A duplicate is skipped only if it is a redelivery of the input that claimed the key, or if the run
that input started has not failed. A *different* input under the same key (a content duplicate: the
same file re-dropped under a corrected path) whose earlier run closed FAILED / TIMED_OUT / ABORTED
runs again, under the key `...|after=<failed execution>` (a new, visible execution name); the outcome
names the run it supersedes. Nothing is skipped behind a failure without a trace.

Example:
    >>> dispatcher = wiring.dispatcher()                                  # doctest: +SKIP
    >>> outcome = dispatcher.launch(s3_object, None, clock_for(context),
    ...                             sink=wiring.quarantine(), payload=event)  # doctest: +SKIP
    >>> outcome.status                                                    # doctest: +SKIP
    'started'
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from sluice_runtime import strict_json
from sluice_runtime.errors import Deferred, OversizedPayload, PermanentError, UnknownRoute, as_permanent
from sluice_runtime.execution_names import execution_name
from sluice_runtime.fields import lookup
from sluice_runtime.idempotency import Claim, ClaimState, IdempotencyKey, Ledger, key_for
from sluice_runtime.models import CustomEvent, QueueMessage, Replay, S3Object, StreamRecord, Trigger
from sluice_runtime.observability import Metric, count, logger
from sluice_runtime.payloads import ENVELOPE_RESERVE, STATE_PAYLOAD_LIMIT, Offloader
from sluice_runtime.quarantine import Sink
from sluice_runtime.registry import Pipeline, Registry
from sluice_runtime.starter import ExecutionType, Starter, StartResult

Clock = Callable[[], int]  # remaining invocation time, in milliseconds
ASYNC_GUARD_MS = 5_000  # time to claim, start and record one execution; sync runs add their timeout
_PAYLOAD_FIELD: dict[type, str] = {CustomEvent: "detail", QueueMessage: "body", StreamRecord: "data"}


class Outcome(BaseModel):
    """What happened to one input."""

    model_config = ConfigDict(defer_build=True)

    status: Literal["started", "duplicate", "set_aside", "ignored"]
    record_id: str
    pipeline: str | None = None
    execution_name: str | None = None
    execution_arn: str | None = None
    reason: str | None = None
    location: str | None = None
    supersedes: str | None = None  # the failed execution a content duplicate re-runs


def clock_for(context: Any) -> Clock:
    """The Lambda context's remaining-time function (60 s when invoked without a context)."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return remaining if callable(remaining) else (lambda: 60_000)


def set_aside(
    sink: Sink,
    error: PermanentError,
    payload: Any,
    *,
    record_id: str,
    pipeline: str | None = None,
    group: str | None = None,
) -> Outcome:
    """Hand a permanently failing input to `sink` and describe the outcome."""
    location = sink.set_aside(error, payload, record_id=record_id, pipeline=pipeline, group=group)
    return Outcome(status="set_aside", record_id=record_id, pipeline=pipeline, reason=error.reason, location=location)


class Dispatcher:
    """Owns the registry, ledger, starter and offloader of one Lambda environment."""

    def __init__(
        self, registry: Callable[[], Registry], ledger: Ledger, starter: Starter, offloader: Offloader
    ) -> None:
        self.ledger = ledger
        self._registry, self._starter, self._offloader = registry, starter, offloader

    def route(self, trigger: Trigger) -> Pipeline:
        """The pipeline `trigger` starts, or `UnknownRoute`."""
        registry = self._registry()
        found: Pipeline | None
        match trigger:
            case S3Object():
                found, what = (
                    registry.for_s3(trigger.bucket, trigger.key),
                    f"s3://{trigger.bucket}/{trigger.key}",
                )
            case CustomEvent():
                found = registry.for_event(trigger.source, trigger.detail_type)
                what = f"event {trigger.source} / {trigger.detail_type}"
            case StreamRecord():
                found, what = registry.for_stream(trigger.stream), f"kinesis stream {trigger.stream}"
            case QueueMessage():
                found, what = registry.for_queue(trigger.queue), f"queue {trigger.queue}"
        if found is None:
            raise UnknownRoute(f"no pipeline is triggered by {what}", trigger=what)
        return found

    def launch(
        self,
        trigger: Trigger,
        replay: Replay | None,
        clock: Clock,
        *,
        sink: Sink,
        payload: Any,
        group: str | None = None,
    ) -> Outcome:
        """Start the pipeline of one trigger exactly once; set it aside if it can never start."""
        try:
            pipeline = self.route(trigger)
        except UnknownRoute as error:
            return set_aside(sink, error, payload, record_id=trigger.record_id, group=group)
        try:
            return self._launch(pipeline, trigger, replay, clock)
        except Exception as error:
            permanent = as_permanent(error)
            if permanent is None:
                count(Metric.RECORDS_FAILED)  # and let the event source retry
                raise
            return set_aside(sink, permanent, payload, record_id=trigger.record_id, pipeline=pipeline.name, group=group)

    def _launch(self, pipeline: Pipeline, trigger: Trigger, replay: Replay | None, clock: Clock) -> Outcome:
        guard = ASYNC_GUARD_MS
        if pipeline.execution is ExecutionType.EXPRESS_SYNC:
            guard += pipeline.sync_timeout_seconds * 1000
        if clock() < guard:
            raise Deferred(f"only {clock()} ms left; a {pipeline.execution} start needs {guard} ms")
        entry = self.entry(pipeline, trigger)
        key = key_for(pipeline, trigger.view(), replay.token if replay else None)
        claim = self.ledger.claim(key, clock(), pipeline.ttl_seconds)
        while (failed := self._failed_run_to_supersede(pipeline, trigger, claim)) is not None:
            logger.warning(
                "content duplicate of a failed run: running again",
                extra={"failed_execution": failed, "idempotency_key": key.value},
            )
            key = key.superseding(failed)
            claim = self.ledger.claim(key, clock(), pipeline.ttl_seconds)
        name = execution_name(pipeline.name, key.value, key.replay_token)
        logger.set_correlation_id(name)
        logger.append_keys(pipeline=pipeline.name, idempotency_key=key.value, record_id=trigger.record_id)
        if claim.state is ClaimState.DUPLICATE:
            count(Metric.DUPLICATES_SKIPPED)
            logger.info("duplicate delivery skipped", extra={"previous": claim.result})
            previous = claim.result or {}
            return Outcome(
                status="duplicate",
                record_id=trigger.record_id,
                pipeline=pipeline.name,
                execution_name=previous.get("execution_name"),
                execution_arn=previous.get("execution_arn"),
            )
        try:
            record = self.fit(pipeline, trigger, entry, key.value)
            result = self.start(pipeline, name, [key], [record], replay)
        except Exception as error:
            self.release(pipeline, [key], error)
            raise
        self.ledger.complete(key, summary(result, trigger.record_id), pipeline.ttl_seconds)
        return Outcome(
            status="started",
            record_id=trigger.record_id,
            pipeline=pipeline.name,
            execution_name=result.execution_name,
            execution_arn=result.execution_arn,
            supersedes=key.supersedes,
        )

    def _failed_run_to_supersede(self, pipeline: Pipeline, trigger: Trigger, claim: Claim) -> str | None:
        """The execution name of a failed run that `trigger`, a different input under its key, must redo."""
        previous = claim.result or {}
        claimant, name, arn = previous.get("record_id"), previous.get("execution_name"), previous.get("execution_arn")
        if claim.state is not ClaimState.DUPLICATE or claimant in (None, trigger.record_id) or not (name and arn):
            return None  # a new claim, a redelivery of the same input, or a record from before `record_id`
        return str(name) if self._starter.ended_unsuccessfully(pipeline.execution, str(arn)) else None

    def entry(self, pipeline: Pipeline, trigger: Trigger) -> dict[str, Any]:
        """The trigger's `records[]` entry (with its ordering key); `OversizedPayload` if too large,
        `InvalidJson` / `InvalidUnicode` if it holds what JSON cannot (NaN, Infinity, a lone surrogate)."""
        entry = trigger.entry()
        if pipeline.ordering_key is not None:
            entry["ordering_key"] = lookup(trigger.view(), pipeline.ordering_key)
        # Strict: StartExecution refuses input that is not JSON, so NaN anywhere in the payload is poison.
        size = len(strict_json.dumps(entry).encode())
        if size > pipeline.batching.max_record_bytes:
            raise OversizedPayload(
                f"{trigger.record_id} is {size} bytes; pipeline {pipeline.name} accepts at most "
                f"{pipeline.batching.max_record_bytes}",
                bytes=size,
            )
        return entry

    def fit(self, pipeline: Pipeline, trigger: Trigger, entry: dict[str, Any], identity: str) -> dict[str, Any]:
        """`entry`, with its payload offloaded to S3 when above the pipeline's threshold."""
        field = _PAYLOAD_FIELD.get(type(trigger))
        if field is None:
            return entry
        threshold = min(pipeline.batching.offload_threshold_bytes, STATE_PAYLOAD_LIMIT - ENVELOPE_RESERVE)
        fitted = self._offloader.fit(entry, field, pipeline.name, identity, threshold)
        if fitted is not entry:
            count(Metric.PAYLOADS_OFFLOADED)
        return fitted

    def start(
        self,
        pipeline: Pipeline,
        name: str,
        keys: Sequence[IdempotencyKey],
        records: list[dict[str, Any]],
        replay: Replay | None,
    ) -> StartResult:
        """Start `name` with the execution input contract documented in docs/runtime.md."""
        document = {
            "sluice": {
                "pipeline": pipeline.name,
                "execution_name": name,
                # One key for a single trigger; micro-batch records carry their own `id` instead.
                "idempotency_key": keys[0].value if len(keys) == 1 else None,
                "replay": replay.model_dump() if replay else None,
            },
            "records": records,
        }
        result = self._starter.start(pipeline.state_machine_arn(), pipeline.execution, name, document)
        if result.status == "already_started":
            logger.info("execution already existed", extra={"execution_name": name})
        else:
            count(Metric.PIPELINES_STARTED)
            if replay is not None:
                count(Metric.REPLAYS_STARTED)
        count(Metric.BATCH_SIZE, len(records))
        logger.info(
            "pipeline started",
            extra={"execution_name": name, "status": result.status, "records": len(records)},
        )
        return result

    def release(self, pipeline: Pipeline, keys: Sequence[IdempotencyKey], error: Exception) -> None:
        """Give claims back after a failure so a redelivery can retry at once."""
        for key in keys:
            self.ledger.release(key, error, pipeline.ttl_seconds)


def summary(result: StartResult, record_id: str) -> dict[str, Any]:
    """What a completed claim remembers (returned to later duplicates): the run, and which input made it."""
    return {**result.model_dump(include={"execution_name", "execution_arn", "status"}), "record_id": record_id}
