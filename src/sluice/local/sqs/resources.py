"""SQS queues: standard and FIFO, redrive policies, visibility and retention, created in moto."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from sluice.local.resources.base import Kind, Provisioner

if TYPE_CHECKING:
    from sluice.local.template.model import ResourceDecl, SamTemplate

# CloudFormation property -> SetQueueAttributes name (the same words, all strings on the API).
_ATTRIBUTES = (
    "ContentBasedDeduplication", "DeduplicationScope", "DelaySeconds", "FifoQueue", "FifoThroughputLimit",
    "KmsDataKeyReusePeriodSeconds", "KmsMasterKeyId", "MaximumMessageSize", "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds", "RedriveAllowPolicy", "RedrivePolicy", "SqsManagedSseEnabled",
    "VisibilityTimeout",
)


class QueueKind(Kind):
    types = ("AWS::SQS::Queue",)
    service = "sqs"
    name_property = "QueueName"
    max_name_length = 80
    fifo_property = "FifoQueue"
    name_attribute = "QueueName"

    def ref(self, decl: ResourceDecl, template: SamTemplate) -> str:
        return self.url(decl, template)

    def url(self, decl: ResourceDecl, template: SamTemplate) -> str:
        return (f"https://sqs.{template.region}.amazonaws.com/{template.account}/"
                f"{template.physical_name(decl.logical_id)}")

    def attributes(self, decl: ResourceDecl, template: SamTemplate) -> Mapping[str, Callable[[], Any]]:
        return {**super().attributes(decl, template), "QueueUrl": lambda: self.url(decl, template)}

    def provision(self, decl: ResourceDecl, template: SamTemplate, provisioner: Provisioner) -> None:
        attributes = {}
        for name in _ATTRIBUTES:
            value = template.prop(decl, name)
            if value is None:
                continue
            if isinstance(value, dict):
                value = json.dumps(value)
            elif isinstance(value, bool):
                value = "true" if value else "false"
            attributes[name] = str(value)
        provisioner.client("sqs").create_queue(QueueName=template.physical_name(decl.logical_id),
                                               Attributes=attributes)
