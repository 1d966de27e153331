"""The one adapter to moto's internals: what sluice reads of, and changes in, moto's backends.

moto's public surface (`mock_aws`, the boto3 API it answers) is used everywhere; everything below
it is here, so that a moto upgrade that moves an internal breaks this module only. Tested with
moto 5.2 (5.2.5); `pyproject.toml` asks for `>=5.1`:

- `sqs_backends[account][region]`: `queues`, `Queue.attributes`, `get_queue_attributes` — the
  queues' configuration (`MotoQueueStore`); message state never comes from moto;
- `s3_backends[account]["aws"].get_object`: an object version's size (`object_size`);
- `moto.sqs.models.unix_time`/`unix_time_millis`, `moto.kinesis.models.utcnow` and
  `moto.scheduler.models.unix_time`/`utcnow`: the time functions those modules imported,
  replaced by the stack's virtual clock while it is open
  (`virtual_time`);
- `moto.dynamodb.models.table.StreamShard` (`add`, `items`, `starting_sequence_number`) and
  `moto.dynamodb.responses.DynamoHandler.call_action`: a table's stream records are sluice's
  (`dynamodb_stream_writes`), read back by `stream_shard`.

Example:
    >>> with virtual_time(clock.now):
    ...     MotoQueueStore("123456789012", "us-east-1").settings("orders.fifo").fifo
    True
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from typing import Any

from sluice.local.dynamodb.records import ItemChange
from sluice.local.sqs.queues import QueueSettings


class MotoQueueStore:
    """The queues (names, ARNs, attributes) moto's SQS backend keeps for `sluice.local.sqs`."""

    def __init__(self, account: str, region: str) -> None:
        self.account = account
        self.region = region

    def settings(self, name: str) -> QueueSettings | None:
        """The queue's configuration, or None if moto has no such queue."""
        queue = self._queue(name)
        if queue is None:
            return None
        attributes: dict[str, Any] = dict(queue.attributes)
        redrive = attributes.get("RedrivePolicy")
        policy = json.loads(redrive) if isinstance(redrive, str) else redrive or {}
        return QueueSettings(
            name=name,
            arn=str(attributes["QueueArn"]),
            fifo=str(attributes.get("FifoQueue", "false")).lower() == "true",
            content_based_deduplication=str(attributes.get("ContentBasedDeduplication", "false")).lower() == "true",
            per_group_deduplication=attributes.get("DeduplicationScope") == "messageGroup",
            visibility_timeout=float(attributes.get("VisibilityTimeout", 30)),
            delay_seconds=float(attributes.get("DelaySeconds", 0)),
            maximum_message_size=int(attributes.get("MaximumMessageSize", 262144)),
            dead_letter_arn=policy.get("deadLetterTargetArn"),
            max_receive_count=int(policy["maxReceiveCount"]) if "maxReceiveCount" in policy else None,
        )

    def names(self) -> list[str]:
        """Every queue moto has, by name."""
        from moto.sqs.models import sqs_backends  # noqa: PLC0415

        return list(sqs_backends[self.account][self.region].queues)

    def attributes(self, name: str, names: list[str]) -> dict[str, str] | None:
        """`GetQueueAttributes` as moto answers it (its message counts are replaced by the caller),
        or None when moto rejects the request (then moto's own error response is the answer)."""
        from moto.core.exceptions import ServiceException  # noqa: PLC0415 - moto is loaded by the stack already
        from moto.sqs.models import sqs_backends  # noqa: PLC0415

        try:
            found = sqs_backends[self.account][self.region].get_queue_attributes(name, names)
        except ServiceException:
            return None
        return {key: str(value).lower() if isinstance(value, bool) else str(value) for key, value in found.items()
                if value is not None}

    def _queue(self, name: str) -> Any:
        from moto.sqs.models import sqs_backends  # noqa: PLC0415

        return sqs_backends[self.account][self.region].queues.get(name)


def object_size(account: str) -> Callable[[str, str, str | None], int | None]:
    """`size_of(bucket, key, version)`: the size of an object version moto's S3 holds, or None."""

    def size_of(bucket: str, key: str, version: str | None) -> int | None:
        from moto.s3.models import s3_backends  # noqa: PLC0415

        try:
            found = s3_backends[account]["aws"].get_object(bucket, key, version_id=version)
        except Exception:
            return None
        return None if found is None else int(found.size)

    return size_of


@contextmanager
def virtual_time(now: Callable[[], float]) -> Iterator[None]:
    """Put moto's SQS and Kinesis on the stack's virtual clock while the block runs.

    moto's SQS reads wall-clock time for visibility timeouts, delays, retention and timestamps: a
    failed batch must become visible again after `VisibilityTimeout` *virtual* seconds — at once
    when the clock jumps. moto's Kinesis takes `ApproximateArrivalTimestamp` from the wall clock,
    but record ages (`MaximumRecordAgeInSeconds`, retention) are measured on virtual time: a record
    must be as old as the virtual seconds that passed since it was put, however far the clock jumped.
    """
    with ExitStack() as stack:
        stack.enter_context(_virtual_sqs_time(now))
        stack.enter_context(_virtual_kinesis_time(now))
        stack.enter_context(_virtual_scheduler_time(now))
        yield


@contextmanager
def _virtual_sqs_time(now: Callable[[], float]) -> Iterator[None]:
    from moto.sqs import models  # noqa: PLC0415 - moto is loaded by the stack already

    saved = {name: getattr(models, name) for name in ("unix_time", "unix_time_millis") if hasattr(models, name)}

    def unix_time(dt: object = None) -> float:
        return now()

    def unix_time_millis(dt: object = None) -> float:
        return now() * 1000.0

    replacements = {"unix_time": unix_time, "unix_time_millis": unix_time_millis}
    for name in saved:
        setattr(models, name, replacements[name])
    try:
        yield
    finally:
        for name, function in saved.items():
            setattr(models, name, function)


@contextmanager
def _virtual_kinesis_time(now: Callable[[], float]) -> Iterator[None]:
    from moto.kinesis import models  # noqa: PLC0415 - moto is loaded by the stack already

    namespace = vars(models)  # `utcnow` is moto's import, not part of the module's typed interface
    saved = namespace["utcnow"]
    namespace["utcnow"] = lambda: datetime.fromtimestamp(now(), tz=UTC).replace(tzinfo=None)
    try:
        yield
    finally:
        namespace["utcnow"] = saved


@contextmanager
def _virtual_scheduler_time(now: Callable[[], float]) -> Iterator[None]:
    """moto's scheduler stamps `CreationDate` and refuses a cron schedule's `StartDate` more than 5
    minutes before *its* now: both must be virtual time."""
    from moto.scheduler import models  # noqa: PLC0415 - moto is loaded by the stack already

    namespace = vars(models)
    saved = {name: namespace[name] for name in ("unix_time", "utcnow")}
    namespace["unix_time"] = lambda dt=None: now()
    namespace["utcnow"] = lambda: datetime.fromtimestamp(now(), tz=UTC).replace(tzinfo=None)
    try:
        yield
    finally:
        namespace.update(saved)


#: Makes the stream record of a change at a sequence number (`sluice.local.dynamodb.streams`).
RecordMaker = Callable[[ItemChange, str], dict[str, Any]]


class _StoredRecord:
    """A record in moto's `StreamShard.items` (moto's DynamoDB Streams API calls `to_json`)."""

    def __init__(self, record: dict[str, Any]) -> None:
        self.record = record

    def to_json(self) -> dict[str, Any]:
        return self.record


@contextmanager
def dynamodb_stream_writes(make: RecordMaker) -> Iterator[None]:
    """Have moto's DynamoDB streams hold sluice's records while the block runs.

    moto appends a record to a table's `StreamShard` for every item write it performs — also for a
    write that changed nothing, twice for an UpdateItem that creates its item, with a fixed region
    and the wall-clock time. Here a request's writes (`StreamShard.add(old, new)`) are collected
    instead and, once `DynamoHandler.call_action` answered with success, coalesced per item (first
    old image, last new image) and appended in order as the records `make` returns; a write that
    changed nothing gets none, and so does a failed request (a cancelled transaction, which moto
    rolls back). moto's DynamoDB Streams API (`GetRecords`…) then serves sluice's records.
    """
    from moto.dynamodb.models.table import StreamShard  # noqa: PLC0415 - moto is loaded by the stack already
    from moto.dynamodb.responses import DynamoHandler  # noqa: PLC0415

    requests: list[list[tuple[Any, Any, Any]]] = []  # the writes of each request being answered
    original = DynamoHandler.call_action

    def add(shard: Any, old: Any, new: Any) -> None:
        writes = (shard, _image(old), _image(new))
        if requests:
            requests[-1].append(writes)
        else:  # a write made straight on the backend, outside any request
            _append_records([writes], make)

    def call_action(handler: Any) -> Any:
        requests.append([])
        try:
            answer = original(handler)
        finally:
            writes = requests.pop()
        if int(answer[0]) < 300:
            _append_records(writes, make)
        return answer

    saved_add = vars(StreamShard)["add"]
    StreamShard.add = add  # type: ignore[method-assign, assignment]
    DynamoHandler.call_action = call_action  # type: ignore[method-assign]
    try:
        yield
    finally:
        StreamShard.add = saved_add  # type: ignore[method-assign]
        DynamoHandler.call_action = original  # type: ignore[method-assign]


def stream_shard(account: str, region: str, table_name: str) -> tuple[str, list[dict[str, Any]]] | None:
    """`(shard id, records)` of the table's stream (its one shard in moto), or None without a stream."""
    from moto.dynamodb.models import dynamodb_backends  # noqa: PLC0415

    table = dynamodb_backends[account][region].tables.get(table_name)
    shard = None if table is None else table.stream_shard
    if shard is None:
        return None
    return str(shard.id), [item.to_json() for item in shard.items]


def _image(item: Any) -> dict[str, Any] | None:
    """A moto `Item` as the API shows it (a copy: moto changes items in place)."""
    from moto.dynamodb.models.utilities import dynamo_json_dump  # noqa: PLC0415

    return None if item is None else dict(json.loads(dynamo_json_dump(item.to_json()["Attributes"])))


def _append_records(writes: list[tuple[Any, Any, Any]], make: RecordMaker) -> None:
    changes: dict[tuple[int, str], list[Any]] = {}  # (shard, item key) -> [shard, first old, last new]
    for shard, old, new in writes:
        image = old if old is not None else new
        key = (id(shard), json.dumps([image.get(name) for name in _key_names(shard.table)], sort_keys=True))
        if key in changes:
            changes[key][2] = new
        else:
            changes[key] = [shard, old, new]
    for shard, old, new in changes.values():
        table = shard.table
        change = ItemChange(
            stream_arn=f"{table.table_arn}/stream/{table.latest_stream_label}", region=table.region_name,
            view_type=str(table.stream_specification["StreamViewType"]), key_names=_key_names(table), old=old,
            new=new)
        if change.event_name is not None:
            sequence = str(shard.starting_sequence_number + len(shard.items))
            shard.items.append(_StoredRecord(make(change, sequence)))


def _key_names(table: Any) -> tuple[str, ...]:
    return tuple(str(name) for name in (table.hash_key_attr, table.range_key_attr) if name)
