"""One pipe's stages for one batch of source records: filter, enrichment, target.

From the Pipes guide ("Amazon EventBridge Pipes", "batching and concurrency", "filtering",
"input transformation"):

- **filter**: records matching none of `FilterCriteria.Filters` leave the pipe (an SQS message is
  deleted, a stream moves past the record); the body/data is matched as JSON when it is JSON;
- **enrichment** (Lambda, or an Express state machine through `StartSyncExecution`) gets the whole
  batch as one JSON array, each record passed through `EnrichmentParameters.InputTemplate`; what
  it returns is what the target gets — an array for a batch, and `""`, `{}`, `[]` or `null` to
  invoke no target; an error fails the whole batch (partial failures of the enrichment are not
  supported);
- **target** (`sluice.local.eventbridge.pipes.targets`) gets each event through
  `TargetParameters.InputTemplate`.

A batch's `Outcome` names the source records to retry; the source decides what retrying means (an
SQS message becomes visible again, a stream retries from the first failed record).

Example:
    >>> outcome = Pipeline(spec, host).run(records)
    >>> outcome.retry
    frozenset()
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from sluice.asl import EXPRESS
from sluice.local.eventbridge.pipes.records import decoded, item_id
from sluice.local.eventbridge.pipes.spec import PipeSpec
from sluice.local.eventbridge.pipes.targets import PipeFailure, Targets, express_output
from sluice.local.eventbridge.pipes.transform import TransformError, render
from sluice.local.lambda_.runtime import FunctionNotFound, FunctionNotRunnable, Throttled
from sluice.local.sources import SourceHost


@dataclass(frozen=True)
class Outcome:
    """What became of a batch: the ids of the source records to retry (none: done) and why."""

    retry: frozenset[str] = frozenset()
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return not self.retry


def problem(spec: PipeSpec, host: SourceHost) -> str | None:
    """Why AWS would stop this pipe as soon as it runs ("Troubleshooting" of the Pipes guide): a
    Standard workflow as enrichment, or as a target invoked synchronously."""
    engine = host.deliverer.engine
    checks = [(spec.enrichment.arn, "an enrichment") if spec.enrichment and spec.enrichment.service == "states"
              else None,
              (spec.target.arn, "a target invoked with REQUEST_RESPONSE")
              if spec.target.service == "states" and spec.target.invocation_type == "REQUEST_RESPONSE" else None]
    for check in checks:
        if check is None:
            continue
        arn, role = check
        try:
            machine = engine.state_machine(arn)
        except KeyError:
            return f"{arn} is not a state machine of this template"
        if machine.type != EXPRESS:
            return (f"state machine {machine.name} is a Standard workflow; EventBridge Pipes takes only Express "
                    f"workflows as {role} and stops the pipe")
    return None


class Pipeline:
    def __init__(self, spec: PipeSpec, host: SourceHost) -> None:
        self.spec = spec
        self.host = host
        self.targets = Targets(spec, host, reserved=self.reserved)

    def run(self, records: list[dict[str, Any]]) -> Outcome:
        """Pass a batch through the pipe (inside the source's trace activity)."""
        kept = [record for record in records if self._wanted(record)]
        ids = frozenset(identifier for identifier in map(item_id, kept) if identifier is not None)
        if not kept:
            return Outcome()
        try:
            if self.spec.enrichment is None:
                failed = self.targets.deliver(kept, sources=kept, ids=ids)
            else:
                events = self._enrich(kept)
                failed = self.targets.deliver(events, sources=None, ids=ids) if events else frozenset()
        except PipeFailure as failure:
            return Outcome(ids, str(failure))
        return Outcome(failed, "the target reported batchItemFailures" if failed else None)

    def reserved(self, event: Any) -> dict[str, Any]:
        """The reserved variables of an input template, for `event` as the transformer receives it."""
        enrichment = self.spec.enrichment
        now = datetime.fromtimestamp(self.host.clock.now(), tz=UTC)
        return {
            "aws.pipes.pipe-arn": self.spec.arn,
            "aws.pipes.pipe-name": self.spec.name,
            "aws.pipes.source-arn": self.spec.source.arn,
            "aws.pipes.enrichment-arn": enrichment.arn if enrichment else None,
            "aws.pipes.target-arn": self.spec.target.arn,
            "aws.pipes.event.ingestion-time": now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z",
            "aws.pipes.event": event,
            "aws.pipes.event.json": decoded(event),
        }

    def _wanted(self, record: dict[str, Any]) -> bool:
        filters = self.spec.source.filters
        if not filters:
            return True
        candidate = decoded(record)
        return any(pattern.matches(candidate) for pattern in filters)

    def _enrich(self, records: list[dict[str, Any]]) -> list[Any]:
        enrichment = self.spec.enrichment
        assert enrichment is not None
        template = enrichment.input_template
        try:
            batch = [render(template, decoded(record), reserved=self.reserved(record)) if template else record
                     for record in records]
        except TransformError as error:
            raise PipeFailure(f"EnrichmentParameters.InputTemplate: {error}") from None
        if enrichment.service == "lambda":
            result = self._invoke_enrichment(enrichment.arn, batch)
        elif enrichment.service == "states":
            result = self._start_enrichment(enrichment.arn, batch)
        else:
            raise PipeFailure(f"sluice does not run {enrichment.arn} as an enrichment (Lambda and Step Functions "
                              "Express are emulated)")
        if result in (None, "", {}, []):
            return []  # "If you don't want to invoke the target, return an empty response"
        return list(result) if isinstance(result, list) else [result]

    def _invoke_enrichment(self, arn: str, batch: list[Any]) -> Any:
        try:
            invocation = self.host.runtime.call(arn, batch)
        except (FunctionNotFound, FunctionNotRunnable, Throttled) as error:
            raise PipeFailure(f"enrichment: {error}") from None
        if invocation.error is not None:
            raise PipeFailure(f"enrichment {invocation.function} failed: {invocation.error.error_type}: "
                              f"{invocation.error.message}")
        return invocation.result

    def _start_enrichment(self, arn: str, batch: list[Any]) -> Any:
        try:
            response = self.host.client("stepfunctions").start_sync_execution(stateMachineArn=arn,
                                                                              input=json.dumps(batch))
        except (ClientError, BotoCoreError) as error:
            raise PipeFailure(f"enrichment: {error}") from None
        return express_output(response, "enrichment")
