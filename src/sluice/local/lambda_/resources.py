"""Lambda's resources: functions, their versions and aliases, layers and event source mappings —
names and ARNs. None is created in moto: functions run in-process (`sluice.local.lambda_.runtime`),
their API is sluice's own (`sluice.local.lambda_.api`), mappings run as pollers
(`sluice.local.sqs.poller`, `sluice.local.kinesis.poller`)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from sluice.local.resources.base import Kind

if TYPE_CHECKING:
    from sluice.local.template.model import ResourceDecl, SamTemplate

FIRST_VERSION = "1"


class FunctionKind(Kind):
    types = ("AWS::Serverless::Function", "AWS::Lambda::Function")
    service = "lambda"
    name_property = "FunctionName"

    def arn(self, decl: ResourceDecl, template: SamTemplate) -> str:
        return (f"arn:{template.partition}:lambda:{template.region}:{template.account}:function:"
                f"{template.physical_name(decl.logical_id)}")


class FunctionVersionKind(Kind):
    """`AWS::Lambda::Version`: `Ref` and `FunctionArn` are the version's ARN, `Version` its number.

    CloudFormation publishes the function as it is at deploy time, and `PublishVersion` of a function
    unchanged since its last version returns that version: every version a template declares for a
    function is therefore version 1 (`sluice.local.lambda_.catalog` warns about a second one, which
    CloudFormation refuses: "A version for this Lambda function exists ( 1 )").
    """

    types = ("AWS::Lambda::Version",)
    service = "lambda"

    def physical_name(self, decl: ResourceDecl, template: SamTemplate) -> str:
        return self.arn(decl, template)

    def ref(self, decl: ResourceDecl, template: SamTemplate) -> str:
        return self.arn(decl, template)

    def arn(self, decl: ResourceDecl, template: SamTemplate) -> str:
        return f"{function_arn(template, template.prop(decl, 'FunctionName'))}:{FIRST_VERSION}"

    def attributes(self, decl: ResourceDecl, template: SamTemplate) -> Mapping[str, Callable[[], Any]]:
        return {"FunctionArn": lambda: self.arn(decl, template), "Version": lambda: FIRST_VERSION}


class FunctionAliasKind(Kind):
    """`AWS::Lambda::Alias`: `Ref` and `AliasArn` are the alias's ARN (`…:function:name:alias`)."""

    types = ("AWS::Lambda::Alias",)
    service = "lambda"

    def physical_name(self, decl: ResourceDecl, template: SamTemplate) -> str:
        return self.arn(decl, template)

    def ref(self, decl: ResourceDecl, template: SamTemplate) -> str:
        return self.arn(decl, template)

    def arn(self, decl: ResourceDecl, template: SamTemplate) -> str:
        return f"{function_arn(template, template.prop(decl, 'FunctionName'))}:{template.prop(decl, 'Name')}"

    def attributes(self, decl: ResourceDecl, template: SamTemplate) -> Mapping[str, Callable[[], Any]]:
        return {"AliasArn": lambda: self.arn(decl, template)}


def function_arn(template: SamTemplate, reference: Any) -> str:
    """The unqualified ARN of the function a `FunctionName` property names (name, partial or full
    ARN, qualified or not)."""
    return (f"arn:{template.partition}:lambda:{template.region}:{template.account}:function:"
            f"{function_name(str(reference))}")


def function_name(reference: str) -> str:
    """`name`, `name:qualifier`, `account:function:name[:qualifier]` or a full ARN → `name`."""
    return reference.split(":function:", 1)[1].split(":", 1)[0] if ":function:" in reference \
        else reference.split(":", 1)[0]


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
