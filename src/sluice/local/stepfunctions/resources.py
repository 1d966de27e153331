"""State machines and activities: names and ARNs. Not created in moto: they live on the ASL engine
(`sluice.local.stepfunctions.statemachines` and `.activities` register them)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sluice.local.resources.base import Kind, generated_name

if TYPE_CHECKING:
    from sluice.local.template.model import ResourceDecl, SamTemplate


class StateMachineKind(Kind):
    types = ("AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine")
    service = "states"
    max_name_length = 80
    ref_is_arn = True
    arn_resource = "stateMachine:{name}"
    name_attribute = "Name"

    def physical_name(self, decl: ResourceDecl, template: SamTemplate) -> str:
        explicit = template.prop(decl, "Name" if decl.type.startswith("AWS::Serverless") else "StateMachineName")
        if explicit is not None:
            return str(explicit)
        # CloudFormation names state machines <LogicalId>-<suffix>, without the stack name.
        return generated_name(template.stack_name, decl.logical_id, max_length=self.max_name_length,
                              with_stack=False)


class ActivityKind(Kind):
    """`AWS::StepFunctions::Activity`: `Ref` and `Fn::GetAtt .Arn` are the activity's ARN, `.Name`
    its name (CloudFormation resource reference); `Name` is required, at most 80 characters."""

    types = ("AWS::StepFunctions::Activity",)
    service = "states"
    name_property = "Name"
    max_name_length = 80
    ref_is_arn = True
    arn_resource = "activity:{name}"
    name_attribute = "Name"
