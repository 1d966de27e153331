"""What a running `sluice up` holds, as one JSON document (`GET /_sluice/state`, `sluice state`):
objects per bucket, items per table, queue depths (dead-letter queues marked), stream positions
(records per shard and how far each event source mapping has read), the recent executions and the
open WebSocket connections.

The models are the boundary between the two commands: `sluice up` writes them, `sluice state`
reads them back with validation.

Example:
    >>> world = snapshot(stack, endpoint="http://127.0.0.1:4566")   # on the clock's thread
    >>> [queue.name for queue in world.queues if queue.dead_letter_queue]
    ['sluice-ordered-dlq.fifo']
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

if TYPE_CHECKING:
    from sluice.local.stack import LocalStack

#: The path of the snapshot on the endpoint (no bucket name can start with `_`).
STATE_PATH = "/_sluice/state"
MAX_ITEMS = 100
RECENT_EXECUTIONS = 20
_MAX_RECORDS = 10_000


class StoredObject(BaseModel):
    key: str
    size: int


class BucketState(BaseModel):
    logical_id: str
    name: str
    objects: list[StoredObject]


class TableState(BaseModel):
    logical_id: str
    name: str
    item_count: int
    #: The first `MAX_ITEMS` items, as plain values.
    items: list[dict[str, Any]]


class QueueState(BaseModel):
    logical_id: str | None
    name: str
    visible: int
    in_flight: int
    delayed: int
    #: Some queue's redrive policy sends its failed messages here.
    dead_letter_queue: bool
    #: Where this queue's failed messages go (its redrive policy), if anywhere.
    dead_letter_target: str | None


class ShardState(BaseModel):
    shard_id: str
    records: int
    latest_sequence_number: str | None


class ReaderPosition(BaseModel):
    """How far an event source mapping has read a shard: `behind` records are still to be read."""

    function: str
    shard_id: str
    checkpoint: str | None
    behind: int


class StreamState(BaseModel):
    logical_id: str
    name: str
    shards: list[ShardState]
    readers: list[ReaderPosition]


class ExecutionState(BaseModel):
    name: str
    state_machine: str
    status: str
    start: datetime
    stop: datetime | None
    arn: str


class WebSocketConnectionState(BaseModel):
    """An open connection to one of the template's WebSocket APIs."""

    api: str
    connection_id: str
    source_ip: str
    connected_at: datetime


class WorldState(BaseModel):
    endpoint: str
    region: str
    time: datetime
    buckets: list[BucketState]
    tables: list[TableState]
    queues: list[QueueState]
    streams: list[StreamState]
    executions: list[ExecutionState]
    #: Optional: a `sluice up` from before WebSocket APIs were served does not send it.
    websocket_connections: list[WebSocketConnectionState] = []


def snapshot(stack: LocalStack, *, endpoint: str) -> WorldState:
    """The stack's state now; must run on the thread owning the stack's clock."""
    template = stack.template
    return WorldState(
        endpoint=endpoint, region=stack.region, time=stack.clock.now_datetime(),
        buckets=[_bucket(stack, decl.logical_id) for decl in template.of_type("AWS::S3::Bucket")],
        tables=[_table(stack, decl.logical_id)
                for decl in template.of_type("AWS::DynamoDB::Table", "AWS::Serverless::SimpleTable")],
        queues=_queues(stack),
        streams=[_stream(stack, decl.logical_id) for decl in template.of_type("AWS::Kinesis::Stream")],
        executions=[ExecutionState(name=execution.name, arn=execution.arn, status=execution.status,
                                   state_machine=stack.logical_id(execution.state_machine_arn)
                                   or execution.state_machine_arn.rsplit(":", 1)[-1],
                                   start=_moment(execution.start_time),
                                   stop=None if execution.stop_time is None else _moment(execution.stop_time))
                    for execution in stack.executions()[-RECENT_EXECUTIONS:]],
        websocket_connections=_websocket_connections(stack),
    )


def _websocket_connections(stack: LocalStack) -> list[WebSocketConnectionState]:
    gateway = stack.world.websockets
    return [WebSocketConnectionState(api=connection.api.logical_id, connection_id=connection.id,
                                     source_ip=connection.source_ip, connected_at=_moment(connection.connected_at))
            for connection in (gateway.connections if gateway is not None else ())]


def _bucket(stack: LocalStack, logical_id: str) -> BucketState:
    name = stack.bucket(logical_id)
    pages = stack.client("s3").get_paginator("list_objects_v2").paginate(Bucket=name)
    objects = [StoredObject(key=entry["Key"], size=entry["Size"])
               for page in pages for entry in page.get("Contents", [])]
    return BucketState(logical_id=logical_id, name=name, objects=objects)


def _table(stack: LocalStack, logical_id: str) -> TableState:
    items = stack.items(logical_id)
    return TableState(logical_id=logical_id, name=stack.table(logical_id), item_count=len(items),
                      items=items[:MAX_ITEMS])


def _queues(stack: LocalStack) -> list[QueueState]:
    queues = stack.world.queues
    found = []
    for name in sorted(queues.store.names()):
        settings = queues.settings(name)
        counts = queues.counts(name)
        target = settings.dead_letter_arn.rsplit(":", 1)[-1] if settings.dead_letter_arn else None
        found.append(QueueState(logical_id=stack.logical_id(settings.arn), name=name,
                                visible=int(counts["ApproximateNumberOfMessages"]),
                                in_flight=int(counts["ApproximateNumberOfMessagesNotVisible"]),
                                delayed=int(counts["ApproximateNumberOfMessagesDelayed"]),
                                dead_letter_queue=bool(queues.dead_letter_sources(settings.arn)),
                                dead_letter_target=target))
    return found


def _stream(stack: LocalStack, logical_id: str) -> StreamState:
    from sluice.local.lambda_.stream_poller import ShardPoller  # noqa: PLC0415 - the mappings reading streams

    name = stack.template.physical_name(logical_id)
    kinesis = stack.client("kinesis")
    sequences = {shard["ShardId"]: _sequence_numbers(kinesis, name, shard["ShardId"])
                 for shard in kinesis.list_shards(StreamName=name)["Shards"]}
    readers = [ReaderPosition(function=poller.function, shard_id=shard.shard_id, checkpoint=shard.checkpoint,
                              behind=len(poller.stream.read(shard.shard_id, shard.checkpoint, _MAX_RECORDS)))
               for poller in stack.world.sources
               if isinstance(poller, ShardPoller) and poller.stream_arn.rsplit("/", 1)[-1] == name
               for shard in poller.shards.values()]
    return StreamState(logical_id=logical_id, name=name, readers=readers,
                       shards=[ShardState(shard_id=shard, records=len(numbers),
                                          latest_sequence_number=numbers[-1] if numbers else None)
                               for shard, numbers in sequences.items()])


def _sequence_numbers(kinesis: Any, stream: str, shard: str) -> list[str]:
    iterator = kinesis.get_shard_iterator(StreamName=stream, ShardId=shard,
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    numbers: list[str] = []
    while iterator and len(numbers) < _MAX_RECORDS:
        page = kinesis.get_records(ShardIterator=iterator, Limit=1000)
        numbers.extend(record["SequenceNumber"] for record in page["Records"])
        if not page["Records"]:
            break
        iterator = page.get("NextShardIterator")
    return numbers


def _moment(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, tz=UTC)
