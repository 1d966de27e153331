"""Names and attributes of what runs: functions, layers, state machines, event source mappings,
and IAM roles. None of these are created in moto: functions run in-process
(`sluice.local.lambdas`), state machines on the ASL engine, mappings as pollers."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from sluice.local.resources.base import InertKind, Kind, generated_name

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


class StateMachineKind(Kind):
    types = ("AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine")
    service = "states"
    max_name_length = 80

    def physical_name(self, decl: ResourceDecl, template: SamTemplate) -> str:
        explicit = template.prop(decl, "Name" if decl.type.startswith("AWS::Serverless") else "StateMachineName")
        if explicit is not None:
            return str(explicit)
        # CloudFormation names state machines <LogicalId>-<suffix>, without the stack name.
        return generated_name(template.stack_name, decl.logical_id, max_length=self.max_name_length,
                              with_stack=False)

    def ref(self, decl: ResourceDecl, template: SamTemplate) -> str:
        return self.arn(decl, template)

    def arn(self, decl: ResourceDecl, template: SamTemplate) -> str:
        return (f"arn:{template.partition}:states:{template.region}:{template.account}:stateMachine:"
                f"{template.physical_name(decl.logical_id)}")

    def attributes(self, decl: ResourceDecl, template: SamTemplate) -> Mapping[str, Callable[[], Any]]:
        return {"Arn": lambda: self.arn(decl, template), "Name": lambda: template.physical_name(decl.logical_id)}


class EventSourceMappingKind(Kind):
    types = ("AWS::Lambda::EventSourceMapping",)
    service = "lambda"

    def physical_name(self, decl: ResourceDecl, template: SamTemplate) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{template.stack_name}/{decl.logical_id}"))

    def arn(self, decl: ResourceDecl, template: SamTemplate) -> str:
        return (f"arn:{template.partition}:lambda:{template.region}:{template.account}:event-source-mapping:"
                f"{template.physical_name(decl.logical_id)}")


class RoleKind(InertKind):
    """IAM roles: not enforced locally, but their names and ARNs appear in templates."""

    types = ("AWS::IAM::Role",)

    def __init__(self) -> None:
        super().__init__("AWS::IAM::Role")

    def physical_name(self, decl: ResourceDecl, template: SamTemplate) -> str:
        explicit = template.prop(decl, "RoleName")
        if explicit is not None:
            return str(explicit)
        return generated_name(template.stack_name, decl.logical_id, max_length=64)

    def arn(self, decl: ResourceDecl, template: SamTemplate) -> str:
        path = str(template.prop(decl, "Path", "/"))
        return f"arn:{template.partition}:iam::{template.account}:role{path}{template.physical_name(decl.logical_id)}"

    def get_att(self, decl: ResourceDecl, template: SamTemplate, attribute: str) -> Any:
        if attribute == "RoleId":
            return "AROA" + generated_name(template.stack_name, decl.logical_id, max_length=21)[-17:].upper()
        return super().get_att(decl, template, attribute)
