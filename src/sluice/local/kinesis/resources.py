"""Kinesis data streams: provisioned (ShardCount) or on-demand, created in moto; and their enhanced
fan-out consumers (`AWS::Kinesis::StreamConsumer`), whose ARN an event source mapping may read from.

Example:
    >>> stream_of("arn:aws:kinesis:us-east-1:123456789012:stream/clicks/consumer/app:1700000000")
    'arn:aws:kinesis:us-east-1:123456789012:stream/clicks'
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from sluice.local.resources.base import Kind, Provisioner
from sluice.local.template import values

if TYPE_CHECKING:
    from sluice.local.template.model import ResourceDecl, SamTemplate


class StreamKind(Kind):
    types = ("AWS::Kinesis::Stream",)
    service = "kinesis"
    name_property = "Name"
    max_name_length = 128
    arn_resource = "stream/{name}"

    def provision(self, decl: ResourceDecl, template: SamTemplate, provisioner: Provisioner) -> None:
        name = template.physical_name(decl.logical_id)
        mode = (template.prop(decl, "StreamModeDetails") or {}).get("StreamMode", "PROVISIONED")
        request: dict[str, Any] = {"StreamName": name}
        if mode == "ON_DEMAND":
            request["StreamModeDetails"] = {"StreamMode": "ON_DEMAND"}
        else:
            request["ShardCount"] = values.whole_number(template.prop(decl, "ShardCount", 1), resource=decl.logical_id,
                                                        property="ShardCount", origin=template.origin)
        kinesis = provisioner.client("kinesis")
        kinesis.create_stream(**request)
        retention = values.whole_number(template.prop(decl, "RetentionPeriodHours", 24), resource=decl.logical_id,
                                        property="RetentionPeriodHours", origin=template.origin)
        if retention > 24:
            kinesis.increase_stream_retention_period(StreamName=name, RetentionPeriodHours=retention)


def stream_of(arn: str) -> str:
    """The stream an ARN reads: the stream's own ARN, or the stream of an enhanced fan-out consumer's ARN
    (`…:stream/<name>/consumer/<consumer>:<creation>`), which Lambda reads the same records from."""
    return arn.split("/consumer/", 1)[0]


class StreamConsumerKind(Kind):
    """An enhanced fan-out consumer: `Ref` and `ConsumerARN` are `<stream ARN>/consumer/<name>:<creation
    timestamp>` (CloudFormation: AWS::Kinesis::StreamConsumer return values). Nothing is created: locally
    a mapping on the consumer reads its stream's records as a shared-throughput one does (`stream_of`)."""

    types = ("AWS::Kinesis::StreamConsumer",)
    service = "kinesis"
    name_property = "ConsumerName"
    ref_is_arn = True

    def arn(self, decl: ResourceDecl, template: SamTemplate) -> str:
        stream = str(template.prop(decl, "StreamARN", ""))
        created = uuid.uuid5(uuid.NAMESPACE_URL, f"{template.stack_name}/{decl.logical_id}").int % 10**10
        return f"{stream}/consumer/{template.physical_name(decl.logical_id)}:{created}"

    def attributes(self, decl: ResourceDecl, template: SamTemplate) -> Mapping[str, Callable[[], Any]]:
        return {"ConsumerARN": lambda: self.arn(decl, template),
                "ConsumerName": lambda: template.physical_name(decl.logical_id),
                "ConsumerStatus": lambda: "ACTIVE",
                "StreamARN": lambda: template.prop(decl, "StreamARN"),
                "ConsumerCreationTimestamp": lambda: self.arn(decl, template).rsplit(":", 1)[-1]}
