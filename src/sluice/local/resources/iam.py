"""IAM roles: not enforced locally, but templates name them and read their ARNs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sluice.local.resources.base import InertKind, generated_name

if TYPE_CHECKING:
    from sluice.local.template.model import ResourceDecl, SamTemplate


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
