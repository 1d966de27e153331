"""Lambda's resources: functions, layers and event source mappings — names and ARNs. None is
created in moto: functions run in-process (`sluice.local.lambda_.runtime`), mappings as pollers
(`sluice.local.sqs.poller`, `sluice.local.kinesis.poller`)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from sluice.local.resources.base import Kind

if TYPE_CHECKING:
    from sluice.local.template.model import ResourceDecl, SamTemplate


class FunctionKind(Kind):
    types = ("AWS::Serverless::Function", "AWS::Lambda::Function")
    service = "lambda"
    name_property = "FunctionName"

    def arn(self, decl: ResourceDecl, template: SamTemplate) -> str:
        return (f"arn:{template.partition}:lambda:{template.region}:{template.account}:function:"
                f"{template.physical_name(decl.logical_id)}")


class LayerKind(Kind):
    types = ("AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion")
    service = "lambda"
    name_property = "LayerName"
    max_name_length = 140

    def physical_name(self, decl: ResourceDecl, template: SamTemplate) -> str:
        explicit = template.prop(decl, "LayerName")
        return str(explicit) if explicit is not None else decl.logical_id

    def ref(self, decl: ResourceDecl, template: SamTemplate) -> str:
        return self.arn(decl, template)

    def arn(self, decl: ResourceDecl, template: SamTemplate) -> str:
        return (f"arn:{template.partition}:lambda:{template.region}:{template.account}:layer:"
                f"{template.physical_name(decl.logical_id)}:1")


class EventSourceMappingKind(Kind):
    types = ("AWS::Lambda::EventSourceMapping",)
    service = "lambda"

    def physical_name(self, decl: ResourceDecl, template: SamTemplate) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{template.stack_name}/{decl.logical_id}"))

    def arn(self, decl: ResourceDecl, template: SamTemplate) -> str:
        return (f"arn:{template.partition}:lambda:{template.region}:{template.account}:event-source-mapping:"
                f"{template.physical_name(decl.logical_id)}")
