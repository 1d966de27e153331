"""SNS topics and subscriptions, created in moto.

Lambda and SQS subscriptions are delivered by `sluice.local.sns` (moto would try to run the
function in Docker, and would put messages into its own SQS store, past sluice's queues), so they
are not created in moto.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from sluice.local.resources.base import Kind, Provisioner, name_suffix

if TYPE_CHECKING:
    from sluice.local.template.model import ResourceDecl, SamTemplate

#: Subscriptions delivered by sluice (`sluice.local.sns`), not by moto.
LOCAL_PROTOCOLS = ("lambda", "sqs")
_SUBSCRIPTION_ATTRIBUTES = ("DeliveryPolicy", "FilterPolicy", "FilterPolicyScope", "RawMessageDelivery",
                            "RedrivePolicy")


class TopicKind(Kind):
    types = ("AWS::SNS::Topic",)
    service = "sns"
    name_property = "TopicName"
    max_name_length = 256
    fifo_property = "FifoTopic"
    ref_is_arn = True
    arn_attribute = "TopicArn"
    name_attribute = "TopicName"

    def provision(self, decl: ResourceDecl, template: SamTemplate, provisioner: Provisioner) -> None:
        attributes = {}
        for name in ("DisplayName", "KmsMasterKeyId", "FifoTopic", "ContentBasedDeduplication"):
            value = template.prop(decl, name)
            if value is not None:
                attributes[name] = str(value).lower() if isinstance(value, bool) else str(value)
        sns = provisioner.client("sns")
        arn = sns.create_topic(Name=template.physical_name(decl.logical_id), Attributes=attributes)["TopicArn"]
        for subscription in template.prop(decl, "Subscription") or []:
            if subscription.get("Protocol") not in LOCAL_PROTOCOLS:
                sns.subscribe(TopicArn=arn, Protocol=subscription["Protocol"], Endpoint=subscription["Endpoint"])


class SubscriptionKind(Kind):
    types = ("AWS::SNS::Subscription",)
    service = "sns"

    def ref(self, decl: ResourceDecl, template: SamTemplate) -> str:
        topic = str(template.prop(decl, "TopicArn"))
        suffix = name_suffix(template.stack_name, decl.logical_id).lower()
        return f"{topic}:{suffix[:8]}-{suffix[8:12]}-4000-8000-{suffix}"

    def arn(self, decl: ResourceDecl, template: SamTemplate) -> str:
        return str(self.ref(decl, template))

    def provision(self, decl: ResourceDecl, template: SamTemplate, provisioner: Provisioner) -> None:
        protocol = template.prop(decl, "Protocol")
        if protocol in LOCAL_PROTOCOLS:
            return
        attributes = {}
        for name in _SUBSCRIPTION_ATTRIBUTES:
            value = template.prop(decl, name)
            if value is not None:
                attributes[name] = json.dumps(value) if isinstance(value, dict) else str(value).lower() \
                    if isinstance(value, bool) else str(value)
        provisioner.client("sns").subscribe(
            TopicArn=template.prop(decl, "TopicArn"), Protocol=protocol, Endpoint=template.prop(decl, "Endpoint"),
            Attributes=attributes,
        )
