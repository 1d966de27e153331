"""pydantic models for every event sluice accepts, and the normalized triggers they become.

Accepted shapes:

* S3 "Object Created" delivered by EventBridge (`source: aws.s3`),
* classic S3 notifications (`Records[].s3`, `eventName: ObjectCreated:*`) and their `s3:TestEvent`,
* custom EventBridge events (e.g. an upstream `dataset.ready`),
* Kinesis Data Streams records (JSON payloads),
* SQS FIFO messages (JSON bodies),
* a replay request wrapping any of the first three: `{"replay": {"token": ..., "reason": ...}, "event": ...}`.

S3 object keys are URL-encoded "form style" in classic notifications ("red flower.jpg" arrives as
`red+flower.jpg`, a literal `+` as `%2B`, non-ASCII as UTF-8 `%XX`; S3 notification docs): they
decode with `unquote_plus`, strictly (an invalid UTF-8 sequence is a schema error, never a silent
U+FFFD). Events delivered through EventBridge carry the key verbatim (captured events show `:`, `+`,
spaces and literal `%2B` / `%20` as stored; ADR 0005), so that key is used as is: decoding it would
turn a key holding a literal `%2E` or `%25` into another, non-existent key. (Powertools'
`S3EventBridgeNotificationObject.key` applies `unquote_plus`, which turns a literal `+` into a space.)

Where another reading of the key is possible (the verbatim key of a classic notification, the
percent-decoded key of an EventBridge event), it is kept in `S3Object.alternative_keys`, so that
`object_keys.ObjectLocator` can confirm which one exists before a run starts.

Every trigger exposes `view()` (the fields registry paths address) and `entry()` (what the state machine
receives in `records[]`). Entries exclude delivery metadata (event ids, timestamps), so a redelivery
produces byte-identical execution input.

Example:
    >>> decode_s3_key("incoming/Q1+report+%28final%29+%E2%9C%93.csv")
    'incoming/Q1 report (final) ✓.csv'
"""

# No `from __future__ import annotations` here: pydantic would evaluate every field annotation
# string with eval() as each model class is made, a third of this module's import on a cold start.

import base64
import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any, Literal, TypeVar
from urllib.parse import unquote, unquote_plus

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sluice_runtime import strict_json
from sluice_runtime.errors import InvalidEvent, InvalidJson
from sluice_runtime.execution_names import REPLAY_TOKEN_PATTERN

M = TypeVar("M", bound=BaseModel)


class _Event(BaseModel):
    # AWS adds fields over time: accept and ignore what we do not use.
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True, defer_build=True)


class Replay(_Event):
    """An explicit, visible re-run: the token becomes part of the idempotency key and execution name."""

    token: str = Field(pattern=REPLAY_TOKEN_PATTERN)
    reason: str = ""


class ReplayRequest(_Event):
    replay: Replay
    event: dict[str, Any]


def decode_s3_key(raw: str) -> str:
    """Decode a classic notification's object key (form-style URL encoding, UTF-8)."""
    return _decode(unquote_plus, raw)


def eventbridge_key_readings(raw: str) -> tuple[str, ...]:
    """An EventBridge S3 event's key as AWS sends it (verbatim), then its percent-decoded reading if any."""
    try:
        decoded = _decode(unquote, raw)
    except InvalidEvent:  # not an escape sequence of UTF-8: the verbatim key is the only reading
        return (raw,)
    return (raw,) if decoded == raw else (raw, decoded)


def _decode(decoder: Callable[..., str], raw: str) -> str:
    try:
        return decoder(raw, encoding="utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        raise InvalidEvent(f"S3 object key {raw!r} is not valid URL-encoded UTF-8", key=raw) from exc


def parse(model: type[M], data: Any, what: str) -> M:
    """Validate `data`, turning pydantic's error into `InvalidEvent` with a readable summary."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}" for err in exc.errors()
        )
        raise InvalidEvent(f"malformed {what}: {problems}") from exc


# --- normalized triggers -----------------------------------------------------------------------


class S3Object(_Event):
    """An object whose creation may start a pipeline (key already decoded)."""

    bucket: str
    key: str
    # Other readings of the event's key, tried in order when `key` does not exist (never in the input).
    alternative_keys: tuple[str, ...] = Field(default=(), exclude=True)
    version_id: str = "null"  # S3's own name for the version of an object in an unversioned bucket
    etag: str | None = None
    size: int | None = None
    sequencer: str | None = None

    @property
    def record_id(self) -> str:
        return f"s3://{self.bucket}/{self.key}#{self.version_id}"

    def view(self) -> dict[str, Any]:
        return self.model_dump()

    def entry(self) -> dict[str, Any]:
        # The sequencer orders the versions of one key (the file pipeline publishes by it); it belongs to
        # the object's event, not to its delivery, so a redelivery still gives byte-identical input.
        return {"type": "s3", **self.model_dump(exclude=set() if self.sequencer else {"sequencer"})}


class CustomEvent(_Event):
    """A custom EventBridge event routed by `source` + `detail-type`."""

    id: str = Field(min_length=1)
    source: str = Field(min_length=1)
    detail_type: str = Field(alias="detail-type", min_length=1)
    time: str | None = None
    detail: dict[str, Any]

    @property
    def record_id(self) -> str:
        return self.id

    def view(self) -> dict[str, Any]:
        return self.model_dump()

    def entry(self) -> dict[str, Any]:
        return {
            "type": "eventbridge",
            "source": self.source,
            "detail_type": self.detail_type,
            "detail": self.detail,
        }


class StreamRecord(_Event):
    """A Kinesis record with its JSON payload decoded."""

    stream: str
    shard_id: str
    sequence_number: str
    partition_key: str
    data: Any
    size: int  # bytes of the decoded payload

    @property
    def record_id(self) -> str:
        return f"{self.shard_id}:{self.sequence_number}"

    def view(self) -> dict[str, Any]:
        return self.model_dump(exclude={"size"})

    def entry(self) -> dict[str, Any]:
        return {
            "id": self.record_id,
            "partition_key": self.partition_key,
            "sequence_number": self.sequence_number,
            "data": self.data,
        }


class QueueMessage(_Event):
    """An SQS FIFO message with its JSON body decoded."""

    queue: str
    message_id: str
    message_group_id: str
    deduplication_id: str | None
    sequence_number: str | None
    body: Any

    @property
    def record_id(self) -> str:
        return self.message_id

    def view(self) -> dict[str, Any]:
        return self.model_dump()

    def entry(self) -> dict[str, Any]:
        return {
            "type": "sqs_fifo",
            "queue": self.queue,
            "message_group_id": self.message_group_id,
            "deduplication_id": self.deduplication_id,
            "body": self.body,
        }


Trigger = S3Object | CustomEvent | StreamRecord | QueueMessage

# --- S3 shapes ------------------------------------------------------------------------------------


class _Bucket(_Event):
    name: str = Field(min_length=1)


class _BridgeObject(_Event):
    key: str = Field(min_length=1)
    size: int | None = None
    etag: str | None = None
    version_id: str | None = Field(default=None, alias="version-id")
    sequencer: str | None = None


class _BridgeDetail(_Event):
    bucket: _Bucket
    object: _BridgeObject


class S3ObjectCreated(_Event):
    """S3 "Object Created" as delivered by EventBridge."""

    source: Literal["aws.s3"]
    detail_type: Literal["Object Created"] = Field(alias="detail-type")
    detail: _BridgeDetail

    def object(self) -> S3Object:
        obj = self.detail.object
        key, *alternatives = eventbridge_key_readings(obj.key)
        return S3Object(
            bucket=self.detail.bucket.name,
            key=key,
            alternative_keys=tuple(alternatives),
            version_id=obj.version_id or "null",
            etag=obj.etag,
            size=obj.size,
            sequencer=obj.sequencer,
        )


class _ClassicObject(_Event):
    key: str = Field(min_length=1)
    size: int | None = None
    etag: str | None = Field(default=None, alias="eTag")
    version_id: str | None = Field(default=None, alias="versionId")
    sequencer: str | None = None


class _ClassicEntity(_Event):
    bucket: _Bucket
    object: _ClassicObject


class _ClassicRecord(_Event):
    event_source: Literal["aws:s3"] = Field(alias="eventSource")
    event_name: str = Field(alias="eventName", pattern=r"^ObjectCreated:")
    s3: _ClassicEntity


class S3Notification(_Event):
    """A classic S3 event notification (one or more records)."""

    records: list[_ClassicRecord] = Field(alias="Records", min_length=1)

    def objects(self) -> list[S3Object]:
        return [
            S3Object(
                bucket=r.s3.bucket.name,
                key=decode_s3_key(r.s3.object.key),
                # Only a producer that does not encode (not S3 itself) makes the verbatim key the right one.
                alternative_keys=tuple({r.s3.object.key} - {decode_s3_key(r.s3.object.key)}),
                version_id=r.s3.object.version_id or "null",
                etag=r.s3.object.etag,
                size=r.s3.object.size,
                sequencer=r.s3.object.sequencer,
            )
            for r in self.records
        ]


class S3Delivery(_Event):
    """What one ingest invocation carries: objects, an optional replay, or an S3 test event to ignore."""

    objects: tuple[S3Object, ...] = ()
    replay: Replay | None = None
    ignored: str | None = None


def event_id(event: Any) -> str:
    """The id to file a malformed event under: its EventBridge `id`, else a digest of its content."""
    if isinstance(event, Mapping) and isinstance(event.get("id"), str) and event["id"]:
        return str(event["id"])
    return "sha256-" + hashlib.sha256(json.dumps(event, sort_keys=True, default=str).encode()).hexdigest()[:32]


def unwrap_replay(event: Any) -> tuple[Mapping[str, Any], Replay | None]:
    """Split a replay request into (original event, replay); other events pass through."""
    if not isinstance(event, Mapping):
        raise InvalidEvent(f"an event must be a JSON object, not {type(event).__name__}")
    if "replay" in event and "event" in event:
        request = parse(ReplayRequest, event, "replay request")
        # The replay goes into the execution input as it is: text JSON cannot carry (a lone surrogate in
        # `reason`) must set the request aside here, with its reason, not fail StartExecution later.
        strict_json.dumps(request.replay.model_dump())
        return request.event, request.replay
    return event, None


def parse_s3_delivery(event: Any) -> S3Delivery:
    """Parse an ingest event in any accepted S3 shape."""
    inner, replay = unwrap_replay(event)
    if inner.get("Event") == "s3:TestEvent":
        return S3Delivery(ignored="s3:TestEvent")
    if "Records" in inner:
        objects = parse(S3Notification, inner, "S3 notification").objects()
    elif "detail-type" in inner:
        objects = [parse(S3ObjectCreated, inner, "S3 Object Created event").object()]
    else:
        raise InvalidEvent("not an S3 event: expected EventBridge 'Object Created' or classic 'Records'")
    if replay is not None:
        # A replay re-runs a pinned version: its input must equal the backfill's child for that version,
        # which cannot know the sequencer (HeadObject does not return one).
        objects = [obj.model_copy(update={"sequencer": None}) for obj in objects]
    return S3Delivery(objects=tuple(objects), replay=replay)


def parse_custom_delivery(event: Any) -> tuple[CustomEvent, Replay | None]:
    """Parse a router event (custom EventBridge event, possibly wrapped in a replay request)."""
    inner, replay = unwrap_replay(event)
    return parse(CustomEvent, inner, "EventBridge event"), replay


# --- Kinesis and SQS shapes ------------------------------------------------------------------------


class _KinesisPayload(_Event):
    partition_key: str = Field(alias="partitionKey")
    sequence_number: str = Field(alias="sequenceNumber", min_length=1)
    data: str


class KinesisBatch(_Event):
    """A Kinesis event as Lambda's event source mapping delivers it: its records, each checked on its own
    (`KinesisEnvelope`), so that one malformed record is set aside and not the whole batch."""

    records: list[Any] = Field(alias="Records")


class KinesisEnvelope(_Event):
    """One record of a Kinesis event, before its payload is decoded."""

    event_id: str = Field(alias="eventID", min_length=1)
    event_source_arn: str = Field(alias="eventSourceARN", min_length=1)
    kinesis: _KinesisPayload

    def decode(self) -> StreamRecord:
        # Lambda's Kinesis events name each record `<shard id>:<sequence number>` ("Using Lambda with
        # Kinesis", sample event). The record's id, its batch's claim and its sink item all rest on that
        # pair, so an envelope whose two halves disagree is not a Kinesis record: set aside, never guessed.
        shard_id, _, sequence_number = self.event_id.partition(":")
        if not shard_id or sequence_number != self.kinesis.sequence_number:
            raise InvalidEvent(f"record {self.event_id}: eventID does not name its shard and sequence number "
                               f"{self.kinesis.sequence_number!r} as Lambda's Kinesis events do")
        try:
            raw = base64.b64decode(self.kinesis.data, validate=True)
        except ValueError as exc:  # binascii.Error, or a plain ValueError for text that is not ASCII
            raise InvalidEvent(f"record {self.event_id}: payload is not base64 ({exc})") from exc
        try:
            data = strict_json.loads(raw)
        except InvalidJson as exc:
            raise InvalidJson(f"record {self.event_id}: payload is not JSON: {exc}") from exc
        return StreamRecord(
            stream=self.event_source_arn.rsplit("/", 1)[-1],
            shard_id=shard_id,
            sequence_number=self.kinesis.sequence_number,
            partition_key=self.kinesis.partition_key,
            data=data,
            size=len(raw),
        )


class _SqsAttributes(_Event):
    message_group_id: str = Field(alias="MessageGroupId", min_length=1)
    deduplication_id: str | None = Field(default=None, alias="MessageDeduplicationId")
    sequence_number: str | None = Field(default=None, alias="SequenceNumber")


class _SqsRecordId(_Event):
    message_id: str = Field(alias="messageId", min_length=1)


class SqsBatch(_Event):
    """An SQS event as Lambda's event source mapping delivers it. Each record needs at least its
    `messageId`: without one a failure could not be reported in `batchItemFailures` (the rest of a record
    is checked on its own, `SqsEnvelope`, and a malformed one is dead-lettered)."""

    records: list[_SqsRecordId] = Field(alias="Records")


class SqsEnvelope(_Event):
    """One SQS FIFO message, before its body is decoded."""

    message_id: str = Field(alias="messageId", min_length=1)
    body: str
    attributes: _SqsAttributes
    event_source_arn: str = Field(alias="eventSourceARN", min_length=1)

    def decode(self) -> QueueMessage:
        try:
            body = strict_json.loads(self.body)
        except InvalidJson as exc:
            raise InvalidJson(f"message {self.message_id}: body is not JSON: {exc}") from exc
        return QueueMessage(
            queue=self.event_source_arn.rsplit(":", 1)[-1],
            message_id=self.message_id,
            message_group_id=self.attributes.message_group_id,
            deduplication_id=self.attributes.deduplication_id,
            sequence_number=self.attributes.sequence_number,
            body=body,
        )
