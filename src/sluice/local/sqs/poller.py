"""SQS event source mappings: the Lambda poller of a standard or FIFO queue.

Semantics, from "Using Lambda with Amazon SQS": batches of up to `BatchSize` messages (10 by
default), gathered for up to `MaximumBatchingWindowInSeconds`; a successful invocation deletes the
batch; a failed one leaves it to reappear after the queue's visibility timeout (and, through the
queue's redrive policy, reach its dead-letter queue after `maxReceiveCount` receives); with
`FunctionResponseTypes: [ReportBatchItemFailures]` only the messages named in
`batchItemFailures` return. `FilterCriteria` patterns apply to each record, with a JSON body
matched as an object, and messages that do not match are deleted, as on AWS.

FIFO queues: the poller receives from sluice's own SQS (`sluice.local.sqs`), which never hands out
a message of a group while another of that group is in flight — so a group has one batch at a
time, and a failed batch's messages come back in order when their visibility lapses. With
`ReportBatchItemFailures`, Lambda deletes what the function did not report; the Lambda guide asks
a FIFO function to "stop processing messages after the first failure and return all failed and
unprocessed messages", so a response that reports a message but not a later one of its group
(which Lambda then deletes: it overtakes the failed one) is recorded as a failure in the trace.

The poller wakes when its queue changes (a message sent by anyone — a client, SNS, a dead-letter
move — deleted, or made visible) and when the next message in flight or delayed becomes visible.

Example:
    >>> stack.send_message("OrderedQueue", {"id": 1}, group_id="customer-7")
    >>> stack.run_until_idle()           # the poller invokes the function with a batch
"""

from __future__ import annotations

import base64
import contextlib
import json
from typing import Any

from sluice import json_text
from sluice.local.hooks import ApiCall
from sluice.local.lambda_.mappings import SourceMapping, filter_patterns
from sluice.local.lambda_.runtime import FunctionNotRunnable, Throttled
from sluice.local.sources import EventSource, SourceHost, Wakeup
from sluice.local.sqs.messages import Message
from sluice.local.sqs.queues import Queues
from sluice.local.trace import FAILED, Activity

RECEIVE_LIMIT = 10  # ReceiveMessage returns at most ten messages per call
THROTTLE_DELAY = 1  # seconds


class SqsPoller(EventSource):
    def __init__(self, host: SourceHost, mapping: SourceMapping) -> None:
        self.host = host
        self.mapping = mapping
        settings = mapping.settings
        self.function = host.runtime.function(mapping.function).spec.logical_id
        self.reference = mapping.function  # its version or alias qualifier says what runs
        self.queue_arn = mapping.source_arn
        self.queue_url = host.deliverer.queue_url(self.queue_arn)
        self.queue_name = self.queue_arn.rsplit(":", 1)[-1]
        self.queues = host.queues
        self.fifo = self.queues.settings(self.queue_name).fifo
        self.batch_size = int(settings.get("BatchSize", 10))
        self.window = float(settings.get("MaximumBatchingWindowInSeconds", 0))
        self.report_failures = "ReportBatchItemFailures" in (settings.get("FunctionResponseTypes") or [])
        self.enabled = str(settings.get("Enabled", True)).lower() != "false"
        self.filters = filter_patterns(settings, mapping.logical_id)
        self.wakeup = Wakeup(host.clock.loop, self.poll)
        if self.enabled:
            self.queues.listen(self.queue_name, self._changed)

    def observe(self, call: ApiCall) -> None:
        """A client's `SendMessage`: its batch is recorded under that call in the trace."""
        if call.service != "sqs" or call.operation not in ("SendMessage", "SendMessageBatch") or \
                str(call.params.get("QueueUrl", "")).rsplit("/", 1)[-1] != self.queue_name:
            return
        ids = [call.response.get("MessageId")] if call.operation == "SendMessage" else \
            [entry.get("MessageId") for entry in call.response.get("Successful", [])]
        self.queues.sent_by(self.queue_name, {str(found) for found in ids if found}, self.host.trace.current())

    def close(self) -> None:
        self.wakeup.cancel()

    def poll(self) -> None:
        """Receive one batch and invoke the function with it."""
        messages = self._receive()
        if not messages:
            self._sleep()
            return
        records = [(message, self._record(message)) for message in messages]
        kept = [(message, record) for message, record in records if self._wanted(record)]
        self._delete([message for message, record in records if (message, record) not in kept])
        if kept:
            self._invoke(kept)
        self.wakeup.at(0)  # there may be more

    def _changed(self, arrived: bool) -> None:
        self.wakeup.at(self.window if arrived else 0)

    def _sleep(self) -> None:
        """Nothing to receive now: wake when the next message in flight or delayed becomes visible."""
        due = self.queues.next_visible_at(self.queue_name)
        if due is not None:
            self.wakeup.at(due - self.host.clock.now())

    def _invoke(self, batch: list[tuple[Message, dict[str, Any]]]) -> None:
        trace = self.host.trace
        parent = batch[0][0].sender
        activity = trace.record("batch", f"SQS {self.host.logical_id(self.queue_url) or self.queue_name} → "
                                         f"{self.function} ({len(batch)} message{'s' if len(batch) > 1 else ''})",
                                parent=parent, root=parent is None)
        with trace.within(activity):
            try:
                invocation = self.host.runtime.call(self.reference, {"Records": [record for _, record in batch]})
            except Throttled:
                # Back off: the batch becomes receivable again in a second (and wakes the poller).
                for _, record in batch:
                    self.queues.change_visibility(self.queue_name, record["receiptHandle"], THROTTLE_DELAY)
                return
            except FunctionNotRunnable as error:
                activity.status = FAILED
                activity.title += f": {error}"
                return
        failed = self._failed(batch, invocation.result, activity) if invocation.ok else [m for m, _ in batch]
        self._delete([message for message, _ in batch if message not in failed])
        if failed:
            # They come back when their visibility timeout ends (the poller sleeps until then).
            activity.status = FAILED
            activity.detail["returned"] = [message.message_id for message in failed]

    def _failed(self, batch: list[tuple[Message, dict[str, Any]]], result: Any, activity: Activity) -> list[Message]:
        if not self.report_failures or not isinstance(result, dict) or not result.get("batchItemFailures"):
            return []
        by_id = {message.message_id: message for message, _ in batch}
        failed = []
        for failure in result["batchItemFailures"]:
            identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
            if identifier not in by_id:
                return [message for message, _ in batch]  # an unusable response fails the whole batch, as on AWS
            failed.append(by_id[identifier])
        if self.fifo:
            self._check_group_order(batch, failed, activity)
        return failed

    def _check_group_order(self, batch: list[tuple[Message, dict[str, Any]]], failed: list[Message],
                           activity: Activity) -> None:
        """Name any message Lambda deletes although an earlier one of its group failed."""
        failed_groups: set[str | None] = set()
        for message, _ in batch:
            if message in failed:
                failed_groups.add(message.group_id)
            elif message.group_id in failed_groups:
                self.host.trace.record(
                    "batch", f"FIFO group {message.group_id}: message {message.message_id} succeeded after a failed "
                             "one and is deleted, so it overtakes it (a FIFO function must report every message "
                             "after its first failure)", parent=activity, status=FAILED)

    def _receive(self) -> list[Message]:
        return receive_batch(self.queues, self.queue_name, self.batch_size)

    def _delete(self, messages: list[Message]) -> None:
        for message in messages:
            if message.receipt is not None:
                self.queues.delete(self.queue_name, message.receipt)

    def _record(self, message: Message) -> dict[str, Any]:
        return sqs_record(message, queue_arn=self.queue_arn, region=self.host.region)

    def _wanted(self, record: dict[str, Any]) -> bool:
        if not self.filters:
            return True
        candidate = dict(record)
        with contextlib.suppress(json.JSONDecodeError, TypeError):
            candidate["body"] = json_text.loads(record["body"])
        return any(pattern.matches(candidate) for pattern in self.filters)


def receive_batch(queues: Queues, queue: str, size: int) -> list[Message]:
    """Up to `size` messages, in as many receives of ten as it takes (what a poller hands over at once)."""
    messages: list[Message] = []
    while len(messages) < size:
        wanted = min(RECEIVE_LIMIT, size - len(messages))
        received = queues.receive(queue, limit=wanted)
        messages.extend(received)
        if len(received) < wanted:
            break
    return messages


def sqs_record(message: Message, *, queue_arn: str, region: str) -> dict[str, Any]:
    """A received message as Lambda's SQS event and EventBridge Pipes' SQS source show it (the same
    record: "Using Lambda with Amazon SQS", "Amazon SQS as a source" of the Pipes guide)."""
    attributes = {}
    for name, value in message.attributes.items():
        shown: dict[str, Any] = {"stringListValues": [], "binaryListValues": [], "dataType": value["DataType"]}
        if "BinaryValue" in value:
            shown["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
        else:
            shown["stringValue"] = value["StringValue"]
        attributes[name] = shown
    record = {
        "messageId": message.message_id,
        "receiptHandle": message.receipt,
        "body": message.body,
        "attributes": message.system_attributes(),
        "messageAttributes": attributes,
        "md5OfBody": message.md5_of_body,
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if message.md5_of_attributes is not None:
        record["md5OfMessageAttributes"] = message.md5_of_attributes
    return record
