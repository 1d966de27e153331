"""The pipes of a template, each as the event source that feeds it.

The plug-in point for a new kind of source is `SOURCES`: the service of the pipe's `Source` ARN
(`sqs`, `kinesis`) → a factory `(host, spec, pipeline) -> EventSource`; `dynamodb` is bound to the
stack's `DynamoDBStreams` store when the stack is built (`pipe_sources`). A source reads batches of
records in the shape the Pipes guide gives for it (with `eventSource` set, and the id
`batchItemFailures` names: `messageId`, or `eventID` for streams, see `records.ITEM_IDS`), calls
`pipeline.run(records)` inside its trace activity, and retries what the returned `Outcome` names its
own way (a stream source reads its `StreamSettings` from `spec.source.stream`: `pipes.streams`, for
Kinesis and DynamoDB Streams).

A pipe with `DesiredState: STOPPED` gets no source (it does not poll); a pipe AWS would stop at
once (a Standard workflow as enrichment or synchronous target) or a source sluice does not emulate
is a warning in `stack.warnings` (an error under `strict`); a source that is not in the stack (the
stream of a table without `StreamSpecification`) is a `TemplateError` naming the pipe.

Example:
    >>> [type(source).__name__ for source in pipe_sources(host, streams)]
    ['SqsPipeSource', 'KinesisPipeSource', 'DynamoDBPipeSource']
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from sluice.local.dynamodb.streams import DynamoDBStreams
from sluice.local.errors import StackError, TemplateError
from sluice.local.eventbridge.pipes.dynamodb import DynamoDBPipeSource
from sluice.local.eventbridge.pipes.kinesis import KinesisPipeSource
from sluice.local.eventbridge.pipes.pipeline import Pipeline, problem
from sluice.local.eventbridge.pipes.spec import PipeSpec, pipe_specs
from sluice.local.eventbridge.pipes.sqs import SqsPipeSource
from sluice.local.sources import EventSource, SourceHost

SourceFactory = Callable[[SourceHost, PipeSpec, Pipeline], EventSource]
SOURCES: dict[str, SourceFactory] = {"sqs": SqsPipeSource, "kinesis": KinesisPipeSource}


def pipe_sources(host: SourceHost, streams: DynamoDBStreams) -> list[EventSource]:
    """A source for each running pipe of the template; `streams` holds the tables' stream records."""
    template = host.template
    factories: dict[str, SourceFactory] = {**SOURCES,
                                           "dynamodb": functools.partial(DynamoDBPipeSource, streams=streams)}
    sources = []
    for spec in pipe_specs(template):
        factory = factories.get(spec.source.service)
        if factory is None:
            template.unsupported(f"the pipe does not run locally: pipes from {spec.source.arn} are not emulated "
                                 f"(sources: {', '.join(sorted(factories))})", resource=spec.logical_id)
            continue
        reason = problem(spec, host)
        if reason is not None:
            template.unsupported(f"the pipe does not run locally: {reason}", resource=spec.logical_id)
        elif spec.running:
            try:
                sources.append(factory(host, spec, Pipeline(spec, host)))
            except StackError as error:
                raise TemplateError(f"Source: {error}", resource=spec.logical_id, property="Source",
                                    origin=template.origin) from None
    return sources
