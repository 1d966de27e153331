"""The SQS API's message operations, answered from `Queues` through the botocore hooks.

`SendMessage(Batch)`, `ReceiveMessage`, `DeleteMessage(Batch)`, `ChangeMessageVisibility(Batch)`,
`PurgeQueue` and the message counts of `GetQueueAttributes`, for every queue the store (moto)
holds; and dead-letter queue redrive, `StartMessageMoveTask`, `ListMessageMoveTasks` and
`CancelMessageMoveTask` (`sluice.local.sqs.moves`), which moto lacks. Answers have the shapes
botocore's JSON parser gives for AWS's responses (moto's differ: it always returns `Messages`,
even empty, and counts its own messages). Errors carry AWS's code and its query-compatible code,
which botocore turns into the modeled exception (`QueueDoesNotExist`, `ReceiptHandleIsInvalid`…).
Other SQS operations (queues, attributes, tags) are left to moto.

`WaitTimeSeconds` returns at once (the local world cannot block a caller while it waits), and
`ReceiveRequestAttemptId` is accepted and ignored.

Example:
    >>> api.intercept(ApiCall("sqs", "PurgeQueue", {"QueueUrl": url}))   # (http response, parsed)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from sluice.local.hooks import Answer, ApiCall, answer
from sluice.local.sqs.messages import Message
from sluice.local.sqs.moves import MessageMoves
from sluice.local.sqs.queues import Queues, SqsError, invalid

BATCH_LIMIT = 10
#: Attributes whose values are counts of messages: sluice's, not moto's.
COUNT_ATTRIBUTES = ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                    "ApproximateNumberOfMessagesDelayed")
_BATCH_ID = re.compile(r"^[A-Za-z0-9_-]{1,80}$")


class SqsApi:
    def __init__(self, queues: Queues, *, account: str, moves: MessageMoves | None = None) -> None:
        self.queues = queues
        self.account = account
        self.moves = moves or MessageMoves(queues, account=account)
        #: Operations on message move tasks, which name queues by ARN (or a task by its handle).
        self._move_operations: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "StartMessageMoveTask": self._start_move, "ListMessageMoveTasks": self._list_moves,
            "CancelMessageMoveTask": self._cancel_move,
        }
        self._operations: dict[str, Callable[[str, dict[str, Any]], dict[str, Any] | None]] = {
            "SendMessage": self._send, "SendMessageBatch": self._send_batch, "ReceiveMessage": self._receive,
            "DeleteMessage": self._delete, "DeleteMessageBatch": self._delete_batch,
            "ChangeMessageVisibility": self._change, "ChangeMessageVisibilityBatch": self._change_batch,
            "PurgeQueue": self._purge, "GetQueueAttributes": self._attributes,
        }

    def intercept(self, call: ApiCall) -> Answer | None:
        """The answer to a message operation on a queue of the store; None for anything else."""
        move = self._move_operations.get(call.operation)
        if move is not None:
            return _answered(lambda: move(call.params))
        operation = self._operations.get(call.operation)
        name = self._queue_name(str(call.params.get("QueueUrl", "")))
        if operation is None or name is None:
            return None
        return _answered(lambda: operation(name, call.params))

    def _queue_name(self, url: str) -> str | None:
        """The queue a URL names, if it is one of ours (same account, known to the store)."""
        parts = url.rstrip("/").split("/")
        if len(parts) < 2 or parts[-2] != self.account or not self.queues.owns(parts[-1]):
            return None
        return parts[-1]

    # -- operations ----------------------------------------------------------------------------

    def _send(self, name: str, params: dict[str, Any]) -> dict[str, Any]:
        return _sent(self._send_one(name, params))

    def _send_batch(self, name: str, params: dict[str, Any]) -> dict[str, Any]:
        entries = _entries(params, "SendMessageBatchRequestEntry")
        size = sum(len(str(entry.get("MessageBody", "")).encode()) for entry in entries)
        limit = self.queues.settings(name).maximum_message_size
        if size > limit:
            raise SqsError("AWS.SimpleQueueService.BatchRequestTooLong", f"Batch requests cannot be longer than "
                           f"{limit} bytes. You have sent {size} bytes.", query_code="BatchRequestTooLong")
        return _batch(entries, lambda entry: {"Id": entry["Id"], **_sent(self._send_one(name, entry))})

    def _send_one(self, name: str, params: Mapping[str, Any]) -> Message:
        system = params.get("MessageSystemAttributes") or {}
        trace_header = (system.get("AWSTraceHeader") or {}).get("StringValue")
        delay = params.get("DelaySeconds")
        return self.queues.send(name, str(params.get("MessageBody") or ""),
                                attributes=params.get("MessageAttributes"), group_id=params.get("MessageGroupId"),
                                deduplication_id=params.get("MessageDeduplicationId"),
                                delay=None if delay is None else int(delay), trace_header=trace_header)

    def _receive(self, name: str, params: dict[str, Any]) -> dict[str, Any]:
        wait = int(params.get("WaitTimeSeconds", 0))
        if not 0 <= wait <= 20:
            raise invalid(f"Value {wait} for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, "
                          "if provided.")
        visibility = params.get("VisibilityTimeout")
        received = self.queues.receive(name, limit=int(params.get("MaxNumberOfMessages", 1)),
                                       visibility=None if visibility is None else int(visibility))
        system_names = [*(params.get("AttributeNames") or []), *(params.get("MessageSystemAttributeNames") or [])]
        user_names = list(params.get("MessageAttributeNames") or [])
        return {"Messages": [_received(message, system_names, user_names) for message in received]} if received \
            else {}

    def _delete(self, name: str, params: dict[str, Any]) -> dict[str, Any]:
        self.queues.delete(name, str(params.get("ReceiptHandle", "")))
        return {}

    def _delete_batch(self, name: str, params: dict[str, Any]) -> dict[str, Any]:
        def delete(entry: dict[str, Any]) -> dict[str, Any]:
            self.queues.delete(name, str(entry.get("ReceiptHandle", "")))
            return {"Id": entry["Id"]}

        return _batch(_entries(params, "DeleteMessageBatchRequestEntry"), delete)

    def _change(self, name: str, params: dict[str, Any]) -> dict[str, Any]:
        self.queues.change_visibility(name, str(params.get("ReceiptHandle", "")), int(params["VisibilityTimeout"]))
        return {}

    def _change_batch(self, name: str, params: dict[str, Any]) -> dict[str, Any]:
        def change(entry: dict[str, Any]) -> dict[str, Any]:
            self.queues.change_visibility(name, str(entry.get("ReceiptHandle", "")),
                                          int(entry.get("VisibilityTimeout", 0)))
            return {"Id": entry["Id"]}

        return _batch(_entries(params, "ChangeMessageVisibilityBatchRequestEntry"), change)

    def _purge(self, name: str, params: dict[str, Any]) -> dict[str, Any]:
        self.queues.purge(name)
        return {}

    def _attributes(self, name: str, params: dict[str, Any]) -> dict[str, Any] | None:
        names = list(params.get("AttributeNames") or [])
        wanted = [count for count in COUNT_ATTRIBUTES if "All" in names or count in names]
        if not wanted:
            return None  # nothing of ours was asked for: moto answers
        attributes = self.queues.store.attributes(name, names)
        if attributes is None:
            return None  # an invalid name: moto's error is the answer
        counts = self.queues.counts(name)
        attributes.update({count: counts[count] for count in wanted})
        return {"Attributes": attributes}

    def _start_move(self, params: dict[str, Any]) -> dict[str, Any]:
        rate = params.get("MaxNumberOfMessagesPerSecond")
        task = self.moves.start(str(params["SourceArn"]), params.get("DestinationArn"),
                                None if rate is None else int(rate))
        return {"TaskHandle": task.handle}

    def _list_moves(self, params: dict[str, Any]) -> dict[str, Any]:
        tasks = self.moves.list(str(params["SourceArn"]), int(params.get("MaxResults", 1)))
        return {"Results": [task.entry() for task in tasks]}

    def _cancel_move(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ApproximateNumberOfMessagesMoved": self.moves.cancel(str(params["TaskHandle"])).moved}


def _sent(message: Message) -> dict[str, Any]:
    sent: dict[str, Any] = {"MD5OfMessageBody": message.md5_of_body, "MessageId": message.message_id}
    if message.md5_of_attributes is not None:
        sent["MD5OfMessageAttributes"] = message.md5_of_attributes
    if message.sequence_number is not None:
        sent["SequenceNumber"] = message.sequence_number
    return sent


def _received(message: Message, system_names: list[str], user_names: list[str]) -> dict[str, Any]:
    found: dict[str, Any] = {"MessageId": message.message_id, "ReceiptHandle": message.receipt,
                             "MD5OfBody": message.md5_of_body, "Body": message.body}
    system = {key: value for key, value in message.system_attributes().items()
              if "All" in system_names or key in system_names}
    if system:
        found["Attributes"] = system
    user = {key: dict(value) for key, value in message.attributes.items() if _wanted(key, user_names)}
    if user:
        found["MD5OfMessageAttributes"] = message.md5_of_attributes
        found["MessageAttributes"] = user
    return found


def _wanted(name: str, patterns: list[str]) -> bool:
    """`MessageAttributeNames`: `All`, `.*`, a name, or a prefix followed by `.*`."""
    return any(pattern in ("All", ".*") or pattern == name
               or (pattern.endswith(".*") and name.startswith(pattern[:-1])) for pattern in patterns)


def _entries(params: Mapping[str, Any], entry_type: str) -> list[dict[str, Any]]:
    entries = list(params.get("Entries") or [])
    if not entries:
        raise SqsError("AWS.SimpleQueueService.EmptyBatchRequest",
                       f"There should be at least one {entry_type} in the request.", query_code="EmptyBatchRequest")
    if len(entries) > BATCH_LIMIT:
        raise SqsError("AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
                       f"Maximum number of entries per request are {BATCH_LIMIT}. You have sent {len(entries)}.",
                       query_code="TooManyEntriesInBatchRequest")
    ids = [str(entry.get("Id", "")) for entry in entries]
    if len(set(ids)) != len(ids):
        raise SqsError("AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "Two or more batch entries in the request "
                       "have the same Id.", query_code="BatchEntryIdsNotDistinct")
    for identifier in ids:
        if not _BATCH_ID.match(identifier):
            raise SqsError("AWS.SimpleQueueService.InvalidBatchEntryId", "A batch entry id can only contain "
                           "alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.",
                           query_code="InvalidBatchEntryId")
    return entries


def _batch(entries: list[dict[str, Any]], action: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
    """Each entry succeeds or fails on its own, as in every SQS batch action."""
    successful, failed = [], []
    for entry in entries:
        try:
            successful.append(action(entry))
        except SqsError as error:
            failed.append({"Id": entry["Id"], "SenderFault": True, "Code": error.query_code, "Message": error.message})
    return {"Successful": successful, "Failed": failed}


def _answered(operation: Callable[[], dict[str, Any] | None]) -> Answer | None:
    """The operation's answer, or its `SqsError` as AWS's error response; None: moto answers."""
    try:
        parsed = operation()
    except SqsError as error:
        return _answer(error.status, {"Error": {"Code": error.code, "Message": error.message,
                                                "QueryErrorCode": error.query_code, "Type": "Sender"}})
    return None if parsed is None else _answer(200, parsed)


def _answer(status: int, parsed: dict[str, Any]) -> Answer:
    return answer("sqs", parsed, status=status)
