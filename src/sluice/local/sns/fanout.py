"""Deliver what is published to a topic to its subscriptions: Lambda functions and SQS queues.

- Lambda: the `{"Records": [{"EventSource": "aws:sns", "Sns": {…}}]}` event of "Using Lambda
  with Amazon SNS", invoked asynchronously.
- SQS ("Fanout to Amazon SQS queues"): with `RawMessageDelivery` off, the message body is the
  SNS notification JSON (`Type`, `MessageId`, `TopicArn`, `Subject`, `Message`, `Timestamp`,
  `SignatureVersion`, `Signature`, `SigningCertURL`, `UnsubscribeURL`, `MessageAttributes`); on,
  it is the message itself, and its attributes become SQS message attributes ("Amazon SNS raw
  message delivery"). A FIFO topic passes each message's group ID and deduplication ID (its own,
  or the SHA-256 of the message under `ContentBasedDeduplication`) to FIFO queues, in order.
  The message enters the queue through sluice's SQS (`sluice.local.sqs`), so the queue's Lambda
  poller wakes up as for any other message.
- Each subscription's filter policy decides whether it receives the message at all.
- `MessageStructure: json` gives each protocol its own message (`default` otherwise).

A delivery that fails (a queue that does not exist, attributes SQS rejects) is recorded as a
failed delivery in the trace, never dropped silently.

Example:
    >>> sns.publish(TopicArn=topic, Message="disk full")   # observed: fanout.observe(call)
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sluice import json_text
from sluice.asl.clock import iso_timestamp
from sluice.local.delivery import Deliverer, DeliveryError
from sluice.local.hooks import ApiCall
from sluice.local.sns.attributes import DEFAULT_SCOPE, filter_of
from sluice.local.sns.filter_policy import FilterPolicy
from sluice.local.sns.subscriptions import Subscription
from sluice.local.sqs.queues import Queues, SqsError
from sluice.local.trace import Activity, Trace


@dataclass(frozen=True)
class Published:
    """One message as published (`Publish`, or one entry of `PublishBatch`)."""

    message_id: str
    topic_arn: str
    message: str
    subject: str | None
    attributes: Mapping[str, Mapping[str, Any]]
    structure: str | None = None
    group_id: str | None = None
    deduplication_id: str | None = None
    sequence_number: str | None = None

    def text(self, protocol: str) -> str:
        """The message a protocol receives (`MessageStructure: json` holds one per protocol)."""
        if self.structure != "json":
            return self.message
        messages = json_text.loads(self.message)
        return str(messages.get(protocol, messages.get("default", "")))


class TopicFanout:
    def __init__(self, subscriptions: Sequence[Subscription], *, queues: Queues, deliverer: Deliverer, trace: Trace,
                 loop: asyncio.AbstractEventLoop, now: Callable[[], float], names: Callable[[str], str | None],
                 content_deduplicated: set[str], region: str) -> None:
        self.subscriptions = list(subscriptions)
        self.queues = queues
        self.deliverer = deliverer
        self.trace = trace
        self.loop = loop
        self.now = now
        self.names = names
        self.content_deduplicated = content_deduplicated
        self.region = region

    def observe(self, call: ApiCall) -> None:
        """A successful SNS call: `Publish`/`PublishBatch` deliver; `Subscribe`/`Unsubscribe` of an
        SQS queue at run time change whom (moto's own delivery would miss sluice's queues)."""
        if call.operation == "Subscribe" and call.params.get("Protocol") == "sqs":
            self.subscriptions.append(_subscribed(call))
        elif call.operation == "SetSubscriptionAttributes":
            self.subscriptions = [_changed(subscription, call.params) for subscription in self.subscriptions]
        elif call.operation == "Unsubscribe":
            arn = call.params.get("SubscriptionArn")
            self.subscriptions = [subscription for subscription in self.subscriptions if subscription.arn != arn]
        elif call.operation in ("Publish", "PublishBatch"):
            self._deliver_all(call)

    def _deliver_all(self, call: ApiCall) -> None:
        for published in _messages(call):
            for subscription in self.subscriptions:
                if subscription.topic_arn != published.topic_arn:
                    continue
                policy = subscription.filter_policy
                if policy is not None and not policy.matches(published.text(subscription.protocol),
                                                             published.attributes):
                    continue
                if subscription.protocol == "lambda":
                    self._to_function(subscription, published)
                else:
                    self._to_queue(subscription, published)

    def _to_function(self, subscription: Subscription, published: Published) -> None:
        record = {
            "EventSource": "aws:sns", "EventVersion": "1.0", "EventSubscriptionArn": subscription.arn,
            "Sns": {
                "Type": "Notification", "MessageId": published.message_id, "TopicArn": published.topic_arn,
                "Subject": published.subject, "Message": published.text("lambda"),
                "Timestamp": iso_timestamp(self.now()), "SignatureVersion": "1", "Signature": "sluice-local",
                "SigningCertUrl": self._certificate(), "UnsubscribeUrl": self._unsubscribe(subscription),
                "MessageAttributes": {name: {"Type": value["DataType"], "Value": _value(value)}
                                      for name, value in published.attributes.items()},
            },
        }
        self.loop.call_soon(self._invoke, subscription.endpoint, {"Records": [record]}, self.trace.current())

    def _invoke(self, arn: str, event: dict[str, Any], parent: Activity | None) -> None:
        try:
            self.deliverer.send(arn, event)
        except DeliveryError as error:
            self.deliverer.failed(f"SNS delivery to {arn} failed: {error}", parent=parent)

    def _to_queue(self, subscription: Subscription, published: Published) -> None:
        name = subscription.endpoint.rsplit(":", 1)[-1]
        topic = self.names(published.topic_arn) or published.topic_arn.rsplit(":", 1)[-1]
        activity = self.trace.record("delivery", f"SNS {topic} → SQS {self.names(subscription.endpoint) or name}"
                                                 f"{' (raw)' if subscription.raw else ''}")
        deduplication_id = published.deduplication_id
        if published.group_id is not None and deduplication_id is None \
                and published.topic_arn in self.content_deduplicated:
            deduplication_id = hashlib.sha256(published.message.encode()).hexdigest()
        body = published.text("sqs") if subscription.raw else json.dumps(self._notification(subscription, published))
        with self.trace.within(activity):
            try:
                self.queues.send(name, body, attributes=published.attributes if subscription.raw else None,
                                 group_id=published.group_id, deduplication_id=deduplication_id)
            except SqsError as error:
                self.deliverer.failed(f"SNS delivery to queue {name} failed: {error.code}: {error.message}",
                                      parent=activity)

    def _notification(self, subscription: Subscription, published: Published) -> dict[str, Any]:
        """The JSON body an SQS subscriber receives when raw message delivery is off."""
        notification: dict[str, Any] = {"Type": "Notification", "MessageId": published.message_id}
        if published.sequence_number is not None:
            notification["SequenceNumber"] = published.sequence_number
        notification["TopicArn"] = published.topic_arn
        if published.subject is not None:
            notification["Subject"] = published.subject
        notification.update({
            "Message": published.text("sqs"), "Timestamp": iso_timestamp(self.now()), "SignatureVersion": "1",
            "Signature": "sluice-local", "SigningCertURL": self._certificate(),
            "UnsubscribeURL": self._unsubscribe(subscription),
        })
        if published.attributes:
            notification["MessageAttributes"] = {name: {"Type": value["DataType"], "Value": _value(value)}
                                                 for name, value in published.attributes.items()}
        return notification

    def _certificate(self) -> str:
        return f"https://sns.{self.region}.amazonaws.com/SimpleNotificationService-sluice-local.pem"

    def _unsubscribe(self, subscription: Subscription) -> str:
        return f"https://sns.{self.region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={subscription.arn}"


def _subscribed(call: ApiCall) -> Subscription:
    attributes = call.params.get("Attributes") or {}
    return Subscription(
        "Subscribe", str(call.params.get("TopicArn")), "sqs", str(call.params.get("Endpoint")),
        str(call.response.get("SubscriptionArn", "")), raw=str(attributes.get("RawMessageDelivery")).lower() == "true",
        filter_policy=filter_of(attributes.get("FilterPolicy"), attributes.get("FilterPolicyScope")),
        filter_scope=str(attributes.get("FilterPolicyScope") or DEFAULT_SCOPE))


def _changed(subscription: Subscription, params: Mapping[str, Any]) -> Subscription:
    """`subscription` after a `SetSubscriptionAttributes` (checked by `sns.attributes`), if it names it."""
    if params.get("SubscriptionArn") != subscription.arn:
        return subscription
    name, value = params.get("AttributeName"), params.get("AttributeValue")
    if name == "RawMessageDelivery":
        return replace(subscription, raw=str(value).lower() == "true")
    if name == "FilterPolicy":
        return replace(subscription, filter_policy=filter_of(value, subscription.filter_scope))
    if name == "FilterPolicyScope":
        policy = subscription.filter_policy
        return replace(subscription, filter_scope=str(value),
                       filter_policy=None if policy is None else FilterPolicy(policy.source, str(value)))
    return subscription


def _messages(call: ApiCall) -> Iterator[Published]:
    params, response = call.params, call.response
    if call.operation == "Publish":
        yield _published(str(params.get("TopicArn") or params.get("TargetArn") or ""), params, response)
    elif call.operation == "PublishBatch":
        results = {entry.get("Id"): entry for entry in response.get("Successful") or []}
        for entry in params.get("PublishBatchRequestEntries") or []:
            if entry.get("Id") in results:
                yield _published(str(params.get("TopicArn", "")), entry, results[entry["Id"]])


def _published(topic: str, entry: Mapping[str, Any], result: Mapping[str, Any]) -> Published:
    return Published(message_id=str(result.get("MessageId", "")), topic_arn=topic,
                     message=str(entry.get("Message", "")), subject=entry.get("Subject"),
                     attributes=entry.get("MessageAttributes") or {}, structure=entry.get("MessageStructure"),
                     group_id=entry.get("MessageGroupId"), deduplication_id=entry.get("MessageDeduplicationId"),
                     sequence_number=result.get("SequenceNumber"))


def _value(attribute: Mapping[str, Any]) -> str:
    binary = attribute.get("BinaryValue")
    return base64.b64encode(bytes(binary)).decode() if binary is not None else str(attribute.get("StringValue"))
