"""The source that feeds a pipe, by the service of its `Source` ARN.

The plug-in point for a new kind of source is `SOURCES`: the service of the pipe's `Source` ARN
(`sqs`, `kinesis`) → a factory `(host, spec, pipeline, *, resume) -> PipeSource`; `dynamodb` is bound
to the stack's `DynamoDBStreams` store (`Sources`). A source reads batches of records in the shape
the Pipes guide gives for it (with `eventSource` set, and the id `batchItemFailures` names:
`messageId`, or `eventID` for streams, see `records.ITEM_IDS`), calls `pipeline.run(records)` inside
its trace activity, and retries what the returned `Outcome` names its own way (a stream source reads
its `StreamSettings` from `spec.source.stream`: `pipes.streams`, for Kinesis and DynamoDB Streams).
`start()` reads what the source already holds; `close()` stops it for good (a stopped pipe's
stream source hands its `positions()` to the one that starts again: `pipes.resumable`).

Why a pipe cannot run locally — a source sluice does not emulate, or one AWS would stop at once (a
Standard workflow as enrichment or synchronous target) — is `Sources.problem`; who hears about it is
the caller's business (`pipes.catalog`: a template warning, or the pipe's `StateReason`).

Example:
    >>> sources = Sources(host, streams)
    >>> sources.problem(spec) or sources.make(spec).start()
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Protocol

from sluice.local.dynamodb.streams import DynamoDBStreams
from sluice.local.eventbridge.pipes.dynamodb import DynamoDBPipeSource
from sluice.local.eventbridge.pipes.kinesis import KinesisPipeSource
from sluice.local.eventbridge.pipes.pipeline import Pipeline, problem
from sluice.local.eventbridge.pipes.resumable import Positions
from sluice.local.eventbridge.pipes.spec import PipeSpec
from sluice.local.eventbridge.pipes.sqs import SqsPipeSource
from sluice.local.hooks import ApiCall
from sluice.local.sources import SourceHost


class PipeSource(Protocol):
    """What the catalog needs of a pipe's source (an `EventSource` that can start)."""

    def start(self) -> None: ...

    def observe(self, call: ApiCall) -> None: ...

    def close(self) -> None: ...


class SourceFactory(Protocol):
    def __call__(self, host: SourceHost, spec: PipeSpec, pipeline: Pipeline, *,
                 resume: Positions | None = None) -> PipeSource: ...


SOURCES: dict[str, SourceFactory] = {"sqs": SqsPipeSource, "kinesis": KinesisPipeSource}


class Sources:
    """Makes the source of a pipe; `streams` holds the tables' stream records."""

    def __init__(self, host: SourceHost, streams: DynamoDBStreams) -> None:
        self.host = host
        self.factories: dict[str, SourceFactory | Callable[..., PipeSource]] = {
            **SOURCES, "dynamodb": functools.partial(DynamoDBPipeSource, streams=streams)}

    def problem(self, spec: PipeSpec) -> str | None:
        """Why the pipe does not run locally, if it does not."""
        if spec.source.service not in self.factories:
            return (f"pipes from {spec.source.arn} are not emulated (sources: "
                    f"{', '.join(sorted(self.factories))})")
        return problem(spec, self.host)

    def make(self, spec: PipeSpec, *, resume: Positions | None = None) -> PipeSource:
        """The pipe's source, reading from `resume` when given (`StackError`: its source is not in the stack)."""
        return self.factories[spec.source.service](self.host, spec, Pipeline(spec, self.host), resume=resume)
