"""The message state of the stack's SQS queues, with AWS's rules (SQS Developer Guide):

- visibility: a received message is invisible for the queue's `VisibilityTimeout` (or the
  receive's); only the receipt handle of its latest receive deletes it ("DeleteMessage": an older
  handle succeeds without deleting); `ChangeMessageVisibility` needs a message in flight;
- delays: the queue's `DelaySeconds`, or the message's on standard queues;
- FIFO queues: group order and blocked groups (`sluice.local.sqs.fifo`), deduplication per
  `DeduplicationScope` (`sluice.local.sqs.dedup`), sequence numbers;
- the redrive policy: a message received `maxReceiveCount` times is moved to the dead-letter
  queue on its next receive, keeping its ID, body, attributes and group — in order, for FIFO
  queues — and gains `DeadLetterQueueSourceArn`;
- `PurgeQueue` at most once every 60 seconds.

Everything runs on the stack's clock. A queue's configuration is read from the store (moto) at
each operation, so `SetQueueAttributes` takes effect as on AWS.

Example:
    >>> queues.send("jobs", "hello")
    >>> [message.body for message in queues.receive("jobs", limit=10)]
    ['hello']
"""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from sluice.local.sqs.dedup import Deduplicator, content_id
from sluice.local.sqs.fifo import receivable_groups
from sluice.local.sqs.messages import Message
from sluice.local.trace import FAILED, Activity, Trace

MAX_VISIBILITY = 43200
MAX_DELAY = 900
MAX_ATTRIBUTES = 10
PURGE_INTERVAL = 60.0
# Characters a message may hold ("SendMessage", MessageBody): #x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD
# #x10000-#x10FFFF — so no lone surrogates and no other control characters. Written as the
# complement of that set: the same characters, and a class that compiles in a fifth of the time
# (every stack imports this module, few send SQS messages).
_INVALID_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_DATA_TYPE = re.compile(r"^(String|Number|Binary)(\.[A-Za-z0-9_.-]{1,256})?$")

#: Called when a queue changes: True when a message arrived, False when one may have become
#: receivable (deleted, visibility changed, purged).
Listener = Callable[[bool], None]


class SqsError(Exception):
    """An SQS error response: `code` is what botocore shows as `Error.Code`, `query_code` the
    error's shape name (the JSON protocol's query-compatible code), as AWS sends both."""

    def __init__(self, code: str, message: str, *, query_code: str | None = None, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.query_code = query_code or code.rsplit(".", 1)[-1]
        self.status = status


def invalid(message: str) -> SqsError:
    return SqsError("InvalidParameterValue", message)


def missing(parameter: str) -> SqsError:
    return SqsError("MissingParameter", f"The request must contain the parameter {parameter}.",
                    query_code="MissingRequiredParameterException")


def no_such_queue() -> SqsError:
    return SqsError("AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist.",
                    query_code="QueueDoesNotExist")


@dataclass(frozen=True)
class QueueSettings:
    """A queue's configuration (its attributes, as the store holds them)."""

    name: str
    arn: str
    fifo: bool = False
    content_based_deduplication: bool = False
    per_group_deduplication: bool = False
    visibility_timeout: float = 30.0
    delay_seconds: float = 0.0
    maximum_message_size: int = 262144
    dead_letter_arn: str | None = None
    max_receive_count: int | None = None


class QueueStore(Protocol):
    def settings(self, name: str) -> QueueSettings | None:
        """The queue's configuration, or None if there is no such queue."""

    def attributes(self, name: str, names: list[str]) -> dict[str, str] | None:
        """The queue's attributes, as GetQueueAttributes lists them (None: an invalid request)."""

    def names(self) -> list[str]:
        """Every queue's name."""


@dataclass
class _State:
    dedup: Deduplicator
    messages: list[Message] = field(default_factory=list)
    listeners: list[Listener] = field(default_factory=list)
    purged_at: float | None = None


class Queues:
    """The messages of every queue in the store, keyed by queue name."""

    def __init__(self, store: QueueStore, *, trace: Trace, now: Callable[[], float], seed: int | str = 0) -> None:
        self.store = store
        self.trace = trace
        self.now = now
        self._random = random.Random(f"{seed}:sqs")
        self._states: dict[str, _State] = {}
        self._receipts: dict[str, tuple[str, Message]] = {}
        self._sequence = 10**19

    # -- looking -------------------------------------------------------------------------------

    def settings(self, name: str) -> QueueSettings:
        settings = self.store.settings(name)
        if settings is None:
            raise no_such_queue()
        return settings

    def owns(self, name: str) -> bool:
        return self.store.settings(name) is not None

    def dead_letter_sources(self, arn: str) -> list[str]:
        """The queues whose redrive policy names the queue `arn` as their dead-letter queue."""
        found = (self.store.settings(name) for name in self.store.names())
        return [settings.name for settings in found if settings is not None and settings.dead_letter_arn == arn]

    def peek(self, name: str) -> list[Message]:
        """Every message in the queue (visible, in flight or delayed), in send order."""
        self.settings(name)
        return list(self._state(name).messages)

    def counts(self, name: str) -> dict[str, str]:
        """The `ApproximateNumberOf…` attributes (exact here)."""
        now = self.now()
        messages = self.peek(name)
        in_flight = sum(1 for message in messages if message.in_flight(now))
        delayed = sum(1 for message in messages if message.delayed(now))
        return {"ApproximateNumberOfMessages": str(len(messages) - in_flight - delayed),
                "ApproximateNumberOfMessagesNotVisible": str(in_flight),
                "ApproximateNumberOfMessagesDelayed": str(delayed)}

    def next_visible_at(self, name: str) -> float | None:
        """When the next message in flight or delayed becomes visible (epoch seconds)."""
        now = self.now()
        pending = [message.visible_at for message in self._state(name).messages if not message.available(now)]
        return min(pending, default=None)

    def sent_by(self, name: str, message_ids: set[str], activity: Activity | None) -> None:
        """Record the trace activity of the call that sent these messages (their batches go under it)."""
        for message in self._state(name).messages:
            if message.message_id in message_ids and activity is not None:
                message.sender = activity

    def listen(self, name: str, listener: Listener) -> None:
        """Call `listener` whenever the queue changes (how its Lambda poller wakes up)."""
        self.settings(name)
        self._state(name).listeners.append(listener)

    # -- sending -------------------------------------------------------------------------------

    def send(self, name: str, body: str, *, attributes: Mapping[str, Mapping[str, Any]] | None = None,
             group_id: str | None = None, deduplication_id: str | None = None, delay: int | None = None,
             trace_header: str | None = None) -> Message:
        """Add a message ("SendMessage"); a FIFO duplicate returns the message it duplicates."""
        settings = self.settings(name)
        checked = _attributes(attributes or {})
        _check_body(body, checked, settings.maximum_message_size)
        if settings.fifo:
            if not group_id:
                raise missing("MessageGroupId")
            if delay:
                raise invalid(f"Value {delay} for parameter DelaySeconds is invalid. Reason: The request include "
                              "parameter that is not valid for this queue type.")
            if deduplication_id is None:
                if not settings.content_based_deduplication:
                    raise invalid("The queue should either have ContentBasedDeduplication enabled or "
                                  "MessageDeduplicationId provided explicitly")
                deduplication_id = content_id(body)
        elif deduplication_id is not None:
            raise invalid("The request include parameter MessageDeduplicationId that is not valid for this queue type")
        if delay is not None and not 0 <= delay <= MAX_DELAY:
            raise invalid(f"Value {delay} for parameter DelaySeconds is invalid. Reason: must be between 0 and "
                          f"{MAX_DELAY}, if provided.")
        state = self._state(name)
        scope = group_id if settings.per_group_deduplication else None
        if deduplication_id is not None:
            original = state.dedup.original(deduplication_id, scope)
            if original is not None:
                return original
        now = self.now()
        message = Message(self._id(), body, checked, sent_at=now,
                          visible_at=now + (settings.delay_seconds if delay is None else delay),
                          group_id=group_id, deduplication_id=deduplication_id, trace_header=trace_header,
                          sender=self.trace.current())
        if settings.fifo:
            message.sequence_number = self._next_sequence()
            state.dedup.remember(message, scope)
        self._arrive(name, message)
        return message

    # -- receiving -----------------------------------------------------------------------------

    def receive(self, name: str, *, limit: int = 1, visibility: int | None = None) -> list[Message]:
        """Receive up to `limit` messages ("ReceiveMessage"): each gets a new receipt handle and
        stays invisible for the visibility timeout. A message already received `maxReceiveCount`
        times goes to the dead-letter queue instead."""
        settings = self.settings(name)
        if not 1 <= limit <= 10:
            raise invalid(f"Value {limit} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 "
                          "and 10, if provided.")
        if visibility is not None and not 0 <= visibility <= MAX_VISIBILITY:
            raise invalid(f"Value {visibility} for parameter VisibilityTimeout is invalid. Reason: Must be between 0 "
                          f"and {MAX_VISIBILITY}, if provided.")
        now = self.now()
        state = self._state(name)
        groups = receivable_groups(state.messages, now) if settings.fifo else \
            [[message for message in state.messages if message.available(now)]]
        taken: list[Message] = []
        for group in groups:
            for message in group:
                if len(taken) == limit:
                    return taken
                if settings.max_receive_count is not None and message.receive_count >= settings.max_receive_count \
                        and self._dead_letter(settings, message):
                    continue
                message.receive_count += 1
                message.first_received_at = message.first_received_at or now
                message.visible_at = now + (settings.visibility_timeout if visibility is None else visibility)
                message.receipt = self._receipt(name, message)
                taken.append(message)
        return taken

    def delete(self, name: str, receipt: str) -> None:
        """Delete a received message ("DeleteMessage"). An older receipt handle of a message
        received again succeeds but deletes nothing, as AWS documents."""
        self.settings(name)
        message = self._received(name, receipt)
        if message.receipt != receipt:
            return
        state = self._state(name)
        if message in state.messages:
            state.messages.remove(message)
            self._notify(name, arrived=False)

    def change_visibility(self, name: str, receipt: str, seconds: int) -> None:
        """Change the visibility timeout of a message in flight ("ChangeMessageVisibility")."""
        self.settings(name)
        if not 0 <= seconds <= MAX_VISIBILITY:
            raise invalid(f"Value {seconds} for parameter VisibilityTimeout is invalid. Reason: Must be between 0 "
                          f"and {MAX_VISIBILITY}, if provided.")
        message = self._received(name, receipt)
        now = self.now()
        if message.receipt != receipt:
            raise invalid(f"Value {receipt} for parameter ReceiptHandle is invalid. Reason: The receipt handle has "
                          "expired.")
        if message not in self._state(name).messages or not message.in_flight(now):
            raise SqsError("AWS.SimpleQueueService.MessageNotInflight", "Message does not exist or is not available "
                           "for visibility timeout change.", query_code="MessageNotInflight")
        message.visible_at = now + seconds
        self._notify(name, arrived=False)

    def redrive(self, name: str, message: Message, target: str, *, activity: Activity | None) -> None:
        """Move a message of a dead-letter queue to `target` ("StartMessageMoveTask"): it keeps its
        ID, body, attributes and group, and arrives as unreceived (its receive count starts again,
        or the source's redrive policy would dead-letter it at once) and without
        `DeadLetterQueueSourceArn`."""
        self._move(name, message, target, dead_letter_source=None, receive_count=0, sender=activity)

    def purge(self, name: str) -> None:
        """Delete every message ("PurgeQueue"), at most once every 60 seconds."""
        settings = self.settings(name)
        state = self._state(name)
        now = self.now()
        if state.purged_at is not None and now - state.purged_at < PURGE_INTERVAL:
            raise SqsError("AWS.SimpleQueueService.PurgeQueueInProgress",
                           f"Only one PurgeQueue operation on {settings.name} is allowed every 60 seconds.",
                           query_code="PurgeQueueInProgress", status=403)
        state.purged_at = now
        state.messages.clear()
        self._notify(name, arrived=False)

    # -- internals -----------------------------------------------------------------------------

    def _dead_letter(self, settings: QueueSettings, message: Message) -> bool:
        """Move a message past `maxReceiveCount` to the dead-letter queue (False if there is none:
        then it stays, and the trace says why)."""
        target = (settings.dead_letter_arn or "").rsplit(":", 1)[-1]
        activity = self.trace.record("delivery", f"SQS {settings.name} → dead-letter queue {target or '?'}: message "
                                                 f"{message.message_id} after {message.receive_count} receives",
                                     parent=message.sender, status=FAILED)
        if not target or self.store.settings(target) is None:
            activity.title += " failed: the redrive policy's dead-letter queue does not exist; the message stays"
            return False
        self._move(settings.name, message, target, dead_letter_source=settings.arn,
                   receive_count=message.receive_count, sender=activity)
        return True

    def _move(self, name: str, message: Message, target: str, *, dead_letter_source: str | None,
              receive_count: int, sender: Activity | None) -> None:
        self._state(name).messages.remove(message)
        moved = Message(message.message_id, message.body, message.attributes, sent_at=message.sent_at,
                        visible_at=self.now(), group_id=message.group_id, deduplication_id=message.deduplication_id,
                        trace_header=message.trace_header, dead_letter_source=dead_letter_source,
                        receive_count=receive_count,
                        first_received_at=message.first_received_at if receive_count else None, sender=sender)
        if message.sequence_number is not None:
            moved.sequence_number = self._next_sequence()
        self._arrive(target, moved)

    def _arrive(self, name: str, message: Message) -> None:
        self._state(name).messages.append(message)
        self._notify(name, arrived=True)

    def _notify(self, name: str, *, arrived: bool) -> None:
        for listener in self._state(name).listeners:
            listener(arrived)

    def _received(self, name: str, receipt: str) -> Message:
        found = self._receipts.get(receipt)
        if found is None or found[0] != name:
            raise SqsError("ReceiptHandleIsInvalid", f'The input receipt handle "{receipt}" is not a valid receipt '
                                                     "handle.")
        return found[1]

    def _receipt(self, name: str, message: Message) -> str:
        handle = f"{message.message_id}#{self._random.getrandbits(256):064x}"
        self._receipts[handle] = (name, message)
        return handle

    def _id(self) -> str:
        return str(uuid.UUID(int=self._random.getrandbits(128), version=4))

    def _next_sequence(self) -> str:
        self._sequence += 1
        return str(self._sequence)

    def _state(self, name: str) -> _State:
        if name not in self._states:
            self._states[name] = _State(dedup=Deduplicator(now=self.now))
        return self._states[name]


def _attributes(attributes: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Message attributes as SendMessage accepts them (up to ten; String, Number or Binary)."""
    if len(attributes) > MAX_ATTRIBUTES:
        raise invalid(f"Number of message attributes [{len(attributes)}] exceeds the allowed maximum "
                      f"[{MAX_ATTRIBUTES}].")
    checked = {}
    for name, attribute in attributes.items():
        data_type = str(attribute.get("DataType") or "")
        if not _DATA_TYPE.match(data_type):
            raise invalid(f"The type of message (user) attribute '{name}' is invalid. You must use only the following "
                          "supported type prefixes: Binary, Number, String.")
        key = "BinaryValue" if data_type.startswith("Binary") else "StringValue"
        value = attribute.get(key)
        if value is None or value in ("", b""):
            raise invalid(f"Message (user) attribute '{name}' must contain a non-empty value of type '{data_type}'.")
        checked[name] = {"DataType": data_type, key: bytes(value) if key == "BinaryValue" else str(value)}
    return checked


def _check_body(body: str, attributes: Mapping[str, Mapping[str, Any]], limit: int) -> None:
    if not body:
        raise missing("MessageBody")
    bad = _INVALID_CHARACTER.search(body)
    if bad is not None:
        raise SqsError("InvalidMessageContents", f"Invalid binary character '#x{ord(bad.group()):X}' was found in the "
                       "message body, the set of allowed characters is #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to "
                       "#xFFFD | #x10000 to #x10FFFF")
    size = len(body.encode()) + sum(len(name.encode()) + len(str(attribute["DataType"]).encode())
                                    + len(attribute.get("BinaryValue") or str(attribute.get("StringValue")).encode())
                                    for name, attribute in attributes.items())
    if size > limit:
        raise invalid(f"One or more parameters are invalid. Reason: Message must be shorter than {limit} bytes.")
