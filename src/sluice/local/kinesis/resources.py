"""Kinesis data streams: provisioned (ShardCount) or on-demand, created in moto."""

from __future__ import annotations

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
