"""The template's SNS subscriptions that the local stack delivers to: Lambda functions and SQS
queues, with their raw-delivery flag and filter policy.

They come from `AWS::SNS::Subscription` resources, the `Subscription` list of `AWS::SNS::Topic`,
and SAM's `SNS` function events — which, with `SqsSubscription`, subscribe a queue (the one named
by `QueueArn`, or `<Function><Event>Queue`, which SAM creates) and give the function an SQS event
source mapping on it (`subscription_mappings`). As SAM does, such a queue subscription has
`RawMessageDelivery` off: the function receives the SNS notification JSON as the message body.

Example:
    >>> [(s.protocol, s.endpoint.rsplit(":", 1)[-1]) for s in topic_subscriptions(template)]
    [('lambda', 'sluice-dev-NotifyFunction-…'), ('sqs', 'sluice-dev-FanoutQueue-…')]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sluice.local.errors import TemplateError
from sluice.local.eventbridge.patterns import PatternError
from sluice.local.lambda_.mappings import SourceMapping
from sluice.local.sns.attributes import DEFAULT_SCOPE, filter_of
from sluice.local.sns.filter_policy import FilterPolicy
from sluice.local.sns.resources import LOCAL_PROTOCOLS
from sluice.local.template.model import ResourceDecl, SamTemplate
from sluice.local.wiring import FUNCTION, event_target, sam_events


@dataclass(frozen=True)
class Subscription:
    owner: str  # the logical id that declares it
    topic_arn: str
    protocol: str  # lambda | sqs
    endpoint: str  # the function's or the queue's ARN
    arn: str
    raw: bool = False
    filter_policy: FilterPolicy | None = None
    filter_scope: str = DEFAULT_SCOPE


def topic_subscriptions(template: SamTemplate) -> list[Subscription]:
    found: list[Subscription] = []
    for decl in template.of_type("AWS::SNS::Subscription"):
        protocol = template.prop(decl, "Protocol")
        if protocol in LOCAL_PROTOCOLS:
            found.append(Subscription(
                decl.logical_id, str(template.prop(decl, "TopicArn")), str(protocol),
                str(template.prop(decl, "Endpoint")), str(template.ref(decl.logical_id)),
                raw=str(template.prop(decl, "RawMessageDelivery", False)).lower() == "true",
                filter_policy=_policy(template, decl.logical_id, template.prop(decl, "FilterPolicy"),
                                      template.prop(decl, "FilterPolicyScope"), "FilterPolicy"),
                filter_scope=str(template.prop(decl, "FilterPolicyScope") or DEFAULT_SCOPE)))
    for decl in template.of_type("AWS::SNS::Topic"):
        topic = str(template.ref(decl.logical_id))
        for index, subscription in enumerate(template.prop(decl, "Subscription") or []):
            if subscription.get("Protocol") in LOCAL_PROTOCOLS:
                found.append(Subscription(decl.logical_id, topic, str(subscription["Protocol"]),
                                          str(subscription["Endpoint"]), f"{topic}:{decl.logical_id}-{index}"))
    for function, event_name, properties in sam_events(template, FUNCTION, ("SNS",)):
        where = f"Events.{event_name}.Properties"
        resolved = template.resolve(function, properties, where)
        topic = str(resolved.get("Topic"))
        policy = _policy(template, function.logical_id, resolved.get("FilterPolicy"),
                         resolved.get("FilterPolicyScope"), f"{where}.FilterPolicy")
        queue = _subscribed_queue(template, function, event_name, resolved.get("SqsSubscription"))
        if queue is None:
            endpoint, protocol = event_target(template, function), "lambda"
        else:
            endpoint, protocol = queue, "sqs"
        found.append(Subscription(function.logical_id, topic, protocol, endpoint,
                                  f"{topic}:{function.logical_id}{event_name}", filter_policy=policy,
                                  filter_scope=str(resolved.get("FilterPolicyScope") or DEFAULT_SCOPE)))
    return found


def subscription_mappings(template: SamTemplate) -> list[SourceMapping]:
    """The SQS event source mappings SAM adds for `SNS` events with `SqsSubscription`."""
    mappings = []
    for function, event_name, properties in sam_events(template, FUNCTION, ("SNS",)):
        setting = template.resolve(function, properties.get("SqsSubscription"),
                                   f"Events.{event_name}.Properties.SqsSubscription")
        queue = _subscribed_queue(template, function, event_name, setting)
        if queue is not None:
            options = setting if isinstance(setting, dict) else {}
            mappings.append(SourceMapping(f"{function.logical_id}{event_name}EventSourceMapping",
                                          event_target(template, function),
                                          queue, "sqs", {"BatchSize": options.get("BatchSize", 10),
                                                         "Enabled": options.get("Enabled", True)}))
    return mappings


def content_deduplicated_topics(template: SamTemplate) -> set[str]:
    """ARNs of the FIFO topics with `ContentBasedDeduplication`."""
    return {str(template.ref(decl.logical_id)) for decl in template.of_type("AWS::SNS::Topic")
            if str(template.prop(decl, "ContentBasedDeduplication", False)).lower() == "true"}


def generated_queue(function: str, event_name: str) -> str:
    """The logical id of the queue SAM creates for `SqsSubscription: true`."""
    return f"{function}{event_name}Queue"


def _subscribed_queue(template: SamTemplate, function: ResourceDecl, event_name: str, setting: Any) -> str | None:
    """The ARN of the queue an `SNS` event subscribes (None: the function itself is subscribed)."""
    if not setting or str(setting).lower() == "false":
        return None
    if isinstance(setting, dict):
        if not setting.get("QueueArn") or not setting.get("QueueUrl"):
            raise TemplateError("SqsSubscription needs QueueArn and QueueUrl", resource=function.logical_id,
                                property=f"Events.{event_name}.Properties.SqsSubscription", origin=template.origin)
        return str(setting["QueueArn"])
    return str(template.get_att(generated_queue(function.logical_id, event_name), "Arn"))


def _policy(template: SamTemplate, owner: str, policy: Any, scope: Any, where: str) -> FilterPolicy | None:
    try:
        return filter_of(policy, scope)
    except (PatternError, ValueError) as error:
        raise TemplateError(f"invalid filter policy: {error}", resource=owner, property=where,
                            origin=template.origin) from None
