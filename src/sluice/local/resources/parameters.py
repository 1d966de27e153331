"""Configuration a function reads at run time: SSM parameters and CloudWatch Logs groups."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from sluice.local.adapters.moto_backends import create_log_group
from sluice.local.errors import TemplateError
from sluice.local.resources.base import Kind, Provisioner, generated_name
from sluice.local.template import values

if TYPE_CHECKING:
    from sluice.local.template.model import ResourceDecl, SamTemplate


class SsmParameterKind(Kind):
    types = ("AWS::SSM::Parameter",)
    service = "ssm"
    name_property = "Name"

    def physical_name(self, decl: ResourceDecl, template: SamTemplate) -> str:
        explicit = template.prop(decl, "Name")
        if explicit is not None:
            return str(explicit)
        # CloudFormation names unnamed parameters CFN-<LogicalId>-<suffix>.
        return generated_name("CFN", decl.logical_id, max_length=2048)

    def arn(self, decl: ResourceDecl, template: SamTemplate) -> str:
        name = template.physical_name(decl.logical_id).lstrip("/")
        return f"arn:{template.partition}:ssm:{template.region}:{template.account}:parameter/{name}"

    def attributes(self, decl: ResourceDecl, template: SamTemplate) -> Mapping[str, Callable[[], Any]]:
        return {
            "Type": lambda: template.prop(decl, "Type"),
            "Value": lambda: template.prop(decl, "Value"),
        }

    def provision(self, decl: ResourceDecl, template: SamTemplate, provisioner: Provisioner) -> None:
        request = {"Name": template.physical_name(decl.logical_id), "Value": str(template.prop(decl, "Value")),
                   "Type": template.prop(decl, "Type", "String")}
        if template.prop(decl, "Description"):
            request["Description"] = template.prop(decl, "Description")
        provisioner.client("ssm").put_parameter(**request)


class LogGroupKind(Kind):
    types = ("AWS::Logs::LogGroup",)
    service = "logs"
    name_property = "LogGroupName"
    max_name_length = 512
    arn_resource = "log-group:{name}:*"

    def provision(self, decl: ResourceDecl, template: SamTemplate, provisioner: Provisioner) -> None:
        # Straight into the store: no Logs client and no requests for what a stack declares per function.
        name = template.physical_name(decl.logical_id)
        if not name:  # CreateLogGroup's logGroupName has a minimum length of 1
            raise TemplateError("LogGroupName must not be empty", resource=decl.logical_id,
                                property="LogGroupName", origin=template.origin)
        retention = template.prop(decl, "RetentionInDays")
        days = None if retention is None else values.whole_number(retention, resource=decl.logical_id,
                                                                  property="RetentionInDays", origin=template.origin)
        create_log_group(template.account, template.region, name, days)
