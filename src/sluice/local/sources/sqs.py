"""SQS event source mappings: the Lambda poller of a standard or FIFO queue.

Semantics, from "Using Lambda with Amazon SQS": batches of up to `BatchSize` messages (10 by
default), gathered for up to `MaximumBatchingWindowInSeconds`; a successful invocation deletes the
batch; a failed one leaves it to reappear after the queue's visibility timeout (and, through the
queue's redrive policy, reach its dead-letter queue after `maxReceiveCount` receives); with
`FunctionResponseTypes: [ReportBatchItemFailures]` only the messages named in
`batchItemFailures` return. FIFO queues keep order within a message group (moto does not hand out
a group's next message while one is in flight). `FilterCriteria` patterns apply to each record,
with a JSON body matched as an object, and messages that do not match are deleted, as on AWS.

Example:
    >>> stack.send_message("OrderedQueue", {"id": 1}, group_id="customer-7")
    >>> stack.run_until_idle()           # the poller invokes the function with a batch
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from sluice.local.eventbridge.patterns import Pattern, PatternError, compile_pattern
from sluice.local.hooks import ApiCall
from sluice.local.lambdas.runtime import FunctionNotRunnable, Throttled
from sluice.local.sources.base import EventSource, SourceHost, Wakeup
from sluice.local.trace import FAILED, Activity
from sluice.local.wiring import SourceMapping

RECEIVE_LIMIT = 10  # ReceiveMessage returns at most ten messages per call
THROTTLE_DELAY = 1.0


class SqsPoller(EventSource):
    def __init__(self, host: SourceHost, mapping: SourceMapping) -> None:
        self.host = host
        self.mapping = mapping
        settings = mapping.settings
        self.function = host.runtime.function(mapping.function).spec.logical_id
        self.queue_arn = mapping.source_arn
        self.queue_url = host.deliverer.queue_url(self.queue_arn)
        self.queue_name = self.queue_arn.rsplit(":", 1)[-1]
        self.batch_size = int(settings.get("BatchSize", 10))
        self.window = float(settings.get("MaximumBatchingWindowInSeconds", 0))
        self.report_failures = "ReportBatchItemFailures" in (settings.get("FunctionResponseTypes") or [])
        self.enabled = str(settings.get("Enabled", True)).lower() != "false"
        self.filters = _filters(settings, mapping.logical_id)
        attributes = host.client("sqs").get_queue_attributes(QueueUrl=self.queue_url,
                                                             AttributeNames=["VisibilityTimeout"])["Attributes"]
        self.visibility = float(attributes.get("VisibilityTimeout", 30))
        self.wakeup = Wakeup(host.clock.loop, self.poll)
        self._senders: dict[str, Activity] = {}
        #: Loop time when messages returned by a failed batch become visible again.
        self._returning_at: float | None = None

    def observe(self, call: ApiCall) -> None:
        if not self.enabled or call.service != "sqs" or call.operation not in ("SendMessage", "SendMessageBatch"):
            return
        url = str(call.params.get("QueueUrl", ""))
        if url.rsplit("/", 1)[-1] != self.queue_name:
            return
        sender = self.host.trace.current()
        ids = [call.response.get("MessageId")] if call.operation == "SendMessage" else \
            [entry.get("MessageId") for entry in call.response.get("Successful", [])]
        for message_id in ids:
            if message_id and sender is not None:
                self._senders[str(message_id)] = sender
        self.wakeup.at(self.window)

    def close(self) -> None:
        self.wakeup.cancel()

    def poll(self) -> None:
        """Receive one batch and invoke the function with it."""
        messages = self._receive()
        if not messages:
            now = self.host.clock.loop.time()
            if self._returning_at is not None and self._returning_at > now:
                self.wakeup.at(self._returning_at - now)
            else:
                self._returning_at = None
            return
        records = [self._record(message) for message in messages]
        kept = [record for record in records if self._wanted(record)]
        sqs = self.host.client("sqs")
        dropped = [record for record in records if record not in kept]
        if dropped:
            _delete(sqs, self.queue_url, dropped)
        if kept:
            self._invoke(kept)
        self.wakeup.at(0)  # there may be more

    def _invoke(self, records: list[dict[str, Any]]) -> None:
        trace = self.host.trace
        parent = self._senders.get(records[0]["messageId"])
        activity = trace.record("batch", f"SQS {self.host.logical_id(self.queue_url) or self.queue_name} → "
                                         f"{self.function} ({len(records)} message{'s' if len(records) > 1 else ''})",
                                parent=parent, root=parent is None)
        sqs = self.host.client("sqs")
        with trace.within(activity):
            try:
                invocation = self.host.runtime.call(self.function, {"Records": records})
            except Throttled:
                _release(sqs, self.queue_url, records)
                self.wakeup.at(THROTTLE_DELAY)
                return
            except FunctionNotRunnable as error:
                activity.status = FAILED
                activity.title += f": {error}"
                return
        failed = self._failed(records, invocation.result) if invocation.ok else records
        done = [record for record in records if record not in failed]
        if done:
            _delete(sqs, self.queue_url, done)
        for record in done:
            self._senders.pop(record["messageId"], None)
        if failed:
            activity.status = FAILED
            activity.detail["returned"] = [record["messageId"] for record in failed]
            # They become visible again when the visibility timeout ends (moto runs on our clock).
            self._returning_at = self.host.clock.loop.time() + self.visibility + 0.001
            self.wakeup.at(self.visibility + 0.001)

    def _failed(self, records: list[dict[str, Any]], result: Any) -> list[dict[str, Any]]:
        if not self.report_failures or not isinstance(result, dict) or not result.get("batchItemFailures"):
            return []
        by_id = {record["messageId"]: record for record in records}
        failed = []
        for failure in result["batchItemFailures"]:
            identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
            if identifier not in by_id:
                return records  # an unusable response fails the whole batch, as on AWS
            failed.append(by_id[identifier])
        return failed

    def _receive(self) -> list[dict[str, Any]]:
        sqs = self.host.client("sqs")
        messages: list[dict[str, Any]] = []
        while len(messages) < self.batch_size:
            wanted = min(RECEIVE_LIMIT, self.batch_size - len(messages))
            received = sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=wanted,
                                           MessageAttributeNames=["All"], MessageSystemAttributeNames=["All"],
                                           VisibilityTimeout=int(self.visibility)).get("Messages", [])
            messages.extend(received)
            if len(received) < wanted:
                break
        return messages

    def _record(self, message: dict[str, Any]) -> dict[str, Any]:
        """A message as the Lambda SQS event shows it."""
        attributes = {
            name: {"stringValue": value.get("StringValue"), "binaryValue": value.get("BinaryValue"),
                   "stringListValues": [], "binaryListValues": [], "dataType": value.get("DataType")}
            for name, value in (message.get("MessageAttributes") or {}).items()
        }
        for value in attributes.values():
            for key in ("stringValue", "binaryValue"):
                if value[key] is None:
                    del value[key]
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": dict(message.get("Attributes") or {}),
            "messageAttributes": attributes,
            "md5OfBody": message.get("MD5OfBody"),
            "eventSource": "aws:sqs",
            "eventSourceARN": self.queue_arn,
            "awsRegion": self.host.region,
        }

    def _wanted(self, record: dict[str, Any]) -> bool:
        if not self.filters:
            return True
        candidate = dict(record)
        with contextlib.suppress(json.JSONDecodeError, TypeError):
            candidate["body"] = json.loads(record["body"])
        return any(pattern.matches(candidate) for pattern in self.filters)


def _filters(settings: dict[str, Any], owner: str) -> list[Pattern]:
    from sluice.local.errors import TemplateError  # noqa: PLC0415

    patterns = []
    for entry in ((settings.get("FilterCriteria") or {}).get("Filters") or []):
        try:
            source = entry["Pattern"]
            patterns.append(compile_pattern(source if isinstance(source, dict) else json.loads(source)))
        except (KeyError, PatternError, json.JSONDecodeError) as error:
            raise TemplateError(f"FilterCriteria: {error}", resource=owner, property="FilterCriteria") from None
    return patterns


def _delete(sqs: Any, url: str, records: list[dict[str, Any]]) -> None:
    for start in range(0, len(records), RECEIVE_LIMIT):
        chunk = records[start:start + RECEIVE_LIMIT]
        sqs.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": str(index), "ReceiptHandle": record["receiptHandle"]} for index, record in enumerate(chunk)])


def _release(sqs: Any, url: str, records: list[dict[str, Any]]) -> None:
    for record in records:
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=record["receiptHandle"], VisibilityTimeout=0)
