"""`AWS::Scheduler::Schedule` and `AWS::Scheduler::ScheduleGroup`, created in moto's scheduler
backend so that the `scheduler` API (`GetSchedule`, `ListSchedules`…) sees them;
`sluice.local.eventbridge.scheduler.source` fires them.

`Ref` is the name of either; `Fn::GetAtt … Arn` is `…:schedule/<group>/<name>` or
`…:schedule-group/<name>` (CloudFormation's return values for both types).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sluice.local.errors import TemplateError
from sluice.local.eventbridge.schedules import next_fire
from sluice.local.resources.base import Kind, Provisioner

if TYPE_CHECKING:
    from sluice.local.template.model import ResourceDecl, SamTemplate

DEFAULT_GROUP = "default"
# CreateSchedule's parameters, as AWS::Scheduler::Schedule names its properties.
SCHEDULE_PROPERTIES = (
    "ActionAfterCompletion", "Description", "EndDate", "FlexibleTimeWindow", "GroupName", "KmsKeyArn",
    "ScheduleExpression", "ScheduleExpressionTimezone", "StartDate", "State", "Target",
)


def check_expression(expression: Any, timezone: Any, *, resource: str, template: SamTemplate) -> None:
    """Refuse what Scheduler's CreateSchedule refuses: an expression that is not `at`, `rate` or
    `cron`, or an unknown time zone."""
    try:
        next_fire(str(expression), after=0.0, created=0.0, timezone=timezone)
    except TemplateError as error:
        raise TemplateError(error.message, resource=resource, property="ScheduleExpression",
                            origin=template.origin) from None


class ScheduleGroupKind(Kind):
    types = ("AWS::Scheduler::ScheduleGroup",)
    service = "scheduler"
    name_property = "Name"

    def arn(self, decl: ResourceDecl, template: SamTemplate) -> str:
        return (f"arn:{template.partition}:scheduler:{template.region}:{template.account}:schedule-group/"
                f"{template.physical_name(decl.logical_id)}")

    def provision(self, decl: ResourceDecl, template: SamTemplate, provisioner: Provisioner) -> None:
        provisioner.client("scheduler").create_schedule_group(Name=template.physical_name(decl.logical_id))


class ScheduleKind(Kind):
    types = ("AWS::Scheduler::Schedule",)
    service = "scheduler"
    name_property = "Name"

    def arn(self, decl: ResourceDecl, template: SamTemplate) -> str:
        group = template.prop(decl, "GroupName") or DEFAULT_GROUP
        return (f"arn:{template.partition}:scheduler:{template.region}:{template.account}:schedule/{group}/"
                f"{template.physical_name(decl.logical_id)}")

    def provision(self, decl: ResourceDecl, template: SamTemplate, provisioner: Provisioner) -> None:
        request = {name: template.prop(decl, name) for name in SCHEDULE_PROPERTIES
                   if template.prop(decl, name) is not None}
        check_expression(request.get("ScheduleExpression"), request.get("ScheduleExpressionTimezone"),
                         resource=decl.logical_id, template=template)
        provisioner.client("scheduler").create_schedule(Name=template.physical_name(decl.logical_id), **request)
