"""A pipe's DynamoDB Streams source ("Amazon DynamoDB stream as a source" of the Pipes guide): the
stream source of `pipes.streams` on a table's stream (`sluice.local.dynamodb.streams`), read as
Lambda's poller reads it (`sluice.local.dynamodb.poller.DynamoDBStream`) and woken when a write
adds records to it.

A record reaches the pipe as the stream holds it plus `eventSourceARN` — `eventID`, `eventName`
(INSERT/MODIFY/REMOVE), `eventVersion`, `eventSource` `aws:dynamodb`, `awsRegion`, `dynamodb`
(`Keys`, `NewImage`/`OldImage` per the view type, `SequenceNumber`, `SizeBytes`,
`ApproximateCreationDateTime`). The guide's sample shows a table ARN as `eventSourceARN`; records
captured from real pipes carry the stream ARN, which is what the pipe's `Source` names, so sluice
uses that. Filters match the record itself (`{"eventName": ["INSERT"]}`,
`{"dynamodb": {"NewImage": {"status": {"S": ["open"]}}}}`); a discarded batch reaches
`DeadLetterConfig` described by `DDBStreamBatchInfo`. `StartingPosition` is `TRIM_HORIZON` or
`LATEST` (`pipes.spec` refuses `AT_TIMESTAMP`, as CloudFormation does).

Example:
    >>> stack.client("dynamodb").put_item(TableName=stack.name("Orders"), Item={"id": {"S": "o-1"}})
    >>> stack.run_until_idle()   # the pipe's target gets [{"eventName": "INSERT", ...}]
"""

from __future__ import annotations

from sluice.local.dynamodb.poller import DynamoDBStream, table_name
from sluice.local.dynamodb.streams import DynamoDBStreams
from sluice.local.eventbridge.pipes.pipeline import Pipeline
from sluice.local.eventbridge.pipes.resumable import Positions, ResumableStreamSource
from sluice.local.eventbridge.pipes.spec import PipeSpec
from sluice.local.sources import SourceHost


class DynamoDBPipeSource(ResumableStreamSource):
    """A pipe on a table's stream: wakes when a write adds records to it."""

    def __init__(self, host: SourceHost, spec: PipeSpec, pipeline: Pipeline, *, streams: DynamoDBStreams,
                 resume: Positions | None = None) -> None:
        table = table_name(spec.source.arn)
        stream = DynamoDBStream(streams, spec.source.arn, f"DynamoDB stream {host.logical_id(table) or table}")
        super().__init__(host, spec, pipeline, stream, resume=resume)
        streams.watch(spec.source.arn, self.start)  # every shard may have grown
