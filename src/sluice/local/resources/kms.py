"""KMS keys and aliases. A key's id is chosen by the service at creation, so `Ref` answers with
what moto returned (provisioning creates keys before anything that refers to them)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from sluice.local.resources.base import Kind, Provisioner

if TYPE_CHECKING:
    from sluice.local.template.model import ResourceDecl, SamTemplate


class KeyKind(Kind):
    types = ("AWS::KMS::Key",)
    service = "kms"

    def physical_name(self, decl: ResourceDecl, template: SamTemplate) -> str:
        # Stand-in until the key exists; only names computed before provisioning can see it.
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{template.stack_name}/{decl.logical_id}"))

    def arn(self, decl: ResourceDecl, template: SamTemplate) -> str:
        return (f"arn:{template.partition}:kms:{template.region}:{template.account}:key/"
                f"{template.ref(decl.logical_id)}")

    def attributes(self, decl: ResourceDecl, template: SamTemplate) -> Mapping[str, Callable[[], Any]]:
        return {"Arn": lambda: self.arn(decl, template), "KeyId": lambda: template.ref(decl.logical_id)}

    def provision(self, decl: ResourceDecl, template: SamTemplate, provisioner: Provisioner) -> None:
        request: dict[str, Any] = {}
        for name in ("Description", "KeyUsage", "KeySpec"):
            value = template.prop(decl, name)
            if value is not None:
                request[name] = value
        metadata = provisioner.client("kms").create_key(**request)["KeyMetadata"]
        provisioner.record(decl.logical_id, "Ref", metadata["KeyId"])
        provisioner.record(decl.logical_id, "KeyId", metadata["KeyId"])
        provisioner.record(decl.logical_id, "Arn", metadata["Arn"])


class AliasKind(Kind):
    types = ("AWS::KMS::Alias",)
    service = "kms"
    name_property = "AliasName"

    def provision(self, decl: ResourceDecl, template: SamTemplate, provisioner: Provisioner) -> None:
        provisioner.client("kms").create_alias(AliasName=template.physical_name(decl.logical_id),
                                               TargetKeyId=template.prop(decl, "TargetKeyId"))
