"""The schedules SAM generates from `ScheduleV2` events of functions and state machines: SAM's
translator turns each into an `AWS::Scheduler::Schedule` named after `<Owner><EventName>` (a
generated name with `OmitName: true`), with `FlexibleTimeWindow` `Mode: OFF` unless the event sets
one, and the owner as the target.

Example:
    >>> [request["Name"] for request in scheduler_events(template)]
    ['TickFunctionNightly']
"""

from __future__ import annotations

from typing import Any

from sluice.local.eventbridge.scheduler.resources import check_expression
from sluice.local.resources.base import generated_name
from sluice.local.template.model import SamTemplate
from sluice.local.wiring import FUNCTION, STATE_MACHINE, event_target, sam_events

_SCHEDULE = ("Description", "EndDate", "GroupName", "KmsKeyArn", "ScheduleExpression", "ScheduleExpressionTimezone",
             "StartDate", "State")
_TARGET = ("Input", "RetryPolicy")


def scheduler_events(template: SamTemplate) -> list[dict[str, Any]]:
    """A `CreateSchedule` request per `ScheduleV2` event."""
    requests = []
    for owner_type in (FUNCTION, STATE_MACHINE):
        for owner, event_name, properties in sam_events(template, owner_type, ("ScheduleV2",)):
            logical_id = f"{owner.logical_id}{event_name}"
            where = f"Events.{event_name}.Properties"
            resolved = template.resolve(owner, properties, where)
            check_expression(resolved.get("ScheduleExpression"), resolved.get("ScheduleExpressionTimezone"),
                             resource=owner.logical_id, template=template)
            target: dict[str, Any] = {key: resolved[key] for key in _TARGET if key in resolved}
            target["Arn"] = event_target(template, owner) if owner.type == FUNCTION \
                else template.ref(owner.logical_id)
            # SAM creates the role the schedule assumes; sluice does not enforce IAM.
            target["RoleArn"] = resolved.get("RoleArn") or \
                f"arn:{template.partition}:iam::{template.account}:role/{logical_id}Role"
            dead_letter = resolved.get("DeadLetterConfig") or {}
            if dead_letter.get("Arn"):
                target["DeadLetterConfig"] = {"Arn": dead_letter["Arn"]}
            elif dead_letter:
                template.unsupported("DeadLetterConfig without an Arn (SAM would create a queue)",
                                     resource=owner.logical_id, property=f"{where}.DeadLetterConfig")
            name = generated_name(template.stack_name, logical_id, max_length=64) if resolved.get("OmitName") \
                else resolved.get("Name") or logical_id
            requests.append({**{key: resolved[key] for key in _SCHEDULE if key in resolved}, "Name": str(name),
                             "FlexibleTimeWindow": resolved.get("FlexibleTimeWindow") or {"Mode": "OFF"},
                             "Target": target})
    return requests
