"""`AWS::Pipes::Pipe`: named like CloudFormation names it, created in moto's `pipes` backend (the
store of the pipes' definitions and tags), run and answered for by sluice
(`sluice.local.eventbridge.pipes.catalog`).

`Ref` is the pipe's name and `Fn::GetAtt` answers `Arn`, `CurrentState`, `StateReason`,
`CreationTime` and `LastModifiedTime` ("AWS::Pipes::Pipe", Return values).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from sluice.local.resources.base import Kind, Provisioner

if TYPE_CHECKING:
    from sluice.local.template.model import ResourceDecl, SamTemplate

# The properties CreatePipe takes, by CloudFormation name (the API's are the same words).
_OPTIONAL = ("Description", "DesiredState", "SourceParameters", "Enrichment", "EnrichmentParameters",
             "TargetParameters", "Tags", "LogConfiguration", "KmsKeyIdentifier")


class PipeKind(Kind):
    types = ("AWS::Pipes::Pipe",)
    service = "pipes"
    name_property = "Name"
    arn_resource = "pipe/{name}"

    def attributes(self, decl: ResourceDecl, template: SamTemplate) -> Mapping[str, Callable[[], Any]]:
        def state() -> str:
            return str(template.prop(decl, "DesiredState") or "RUNNING")

        return {**super().attributes(decl, template), "CurrentState": state, "StateReason": lambda: "",
                "CreationTime": lambda: "", "LastModifiedTime": lambda: ""}

    def provision(self, decl: ResourceDecl, template: SamTemplate, provisioner: Provisioner) -> None:
        request = {"Name": template.physical_name(decl.logical_id), "Source": str(template.prop(decl, "Source")),
                   "Target": str(template.prop(decl, "Target")), "RoleArn": str(template.prop(decl, "RoleArn"))}
        for name in _OPTIONAL:
            value = template.prop(decl, name)
            if value is not None:
                request[name] = value
        provisioner.client("pipes").create_pipe(**request)
