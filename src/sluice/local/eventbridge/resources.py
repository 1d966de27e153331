"""EventBridge buses and rules. Buses are created in moto (so `PutEvents` to them succeeds);
rules are *not*: the local event router (`sluice.local.eventbridge`) matches and delivers them,
with AWS's full pattern syntax and input transformation."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from sluice.local.resources.base import Kind, Provisioner

if TYPE_CHECKING:
    from sluice.local.template.model import ResourceDecl, SamTemplate

DEFAULT_BUS = "default"


def bus_name(reference: Any) -> str:
    """A bus name from a name or an ARN (`…:event-bus/name`); the default bus when empty."""
    text = str(reference or DEFAULT_BUS)
    return text.split(":event-bus/", 1)[1] if ":event-bus/" in text else text


class EventBusKind(Kind):
    types = ("AWS::Events::EventBus",)
    service = "events"
    name_property = "Name"

    def arn(self, decl: ResourceDecl, template: SamTemplate) -> str:
        return (f"arn:{template.partition}:events:{template.region}:{template.account}:event-bus/"
                f"{template.physical_name(decl.logical_id)}")

    def attributes(self, decl: ResourceDecl, template: SamTemplate) -> Mapping[str, Callable[[], Any]]:
        return {"Arn": lambda: self.arn(decl, template), "Name": lambda: template.physical_name(decl.logical_id)}

    def provision(self, decl: ResourceDecl, template: SamTemplate, provisioner: Provisioner) -> None:
        provisioner.client("events").create_event_bus(Name=template.physical_name(decl.logical_id))


class RuleKind(Kind):
    types = ("AWS::Events::Rule",)
    service = "events"
    name_property = "Name"

    def arn(self, decl: ResourceDecl, template: SamTemplate) -> str:
        bus = bus_name(template.prop(decl, "EventBusName"))
        path = template.physical_name(decl.logical_id) if bus == DEFAULT_BUS \
            else f"{bus}/{template.physical_name(decl.logical_id)}"
        return f"arn:{template.partition}:events:{template.region}:{template.account}:rule/{path}"
