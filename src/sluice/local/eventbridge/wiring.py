"""The EventBridge rules of a template: declared `AWS::Events::Rule`s, and the rules SAM generates
from `EventBridgeRule`, `CloudWatchEvent` and `Schedule` events of functions and state machines
(`ScheduleV2` events are EventBridge Scheduler schedules: `sluice.local.eventbridge.scheduler`).

Example:
    >>> [rule.logical_id for rule in event_rules(template)]
    ['IngestFunctionObjectCreated', 'AuditRule']
"""

from __future__ import annotations

import json
from typing import Any

from sluice import json_text
from sluice.local.errors import TemplateError
from sluice.local.eventbridge.patterns import PatternError, compile_pattern
from sluice.local.eventbridge.resources import bus_name
from sluice.local.eventbridge.rules import ENABLED, ROUTED_SERVICES, Rule, Target
from sluice.local.eventbridge.schedules import next_fire
from sluice.local.template.model import ResourceDecl, SamTemplate
from sluice.local.wiring import FUNCTION, STATE_MACHINE, event_target, event_type, sam_events

RULE_EVENTS = ("EventBridgeRule", "CloudWatchEvent")
SCHEDULE_EVENTS = ("Schedule",)


def event_rules(template: SamTemplate) -> list[Rule]:
    # SAM's generated rules are declared implicitly too (for `!Ref`), and built from their events below.
    rules = [_declared_rule(template, decl) for decl in template.of_type("AWS::Events::Rule") if not decl.implicit]
    for owner_type, target_suffix in ((FUNCTION, "LambdaTarget"), (STATE_MACHINE, "StepFunctionsTarget")):
        for owner, event_name, properties in sam_events(template, owner_type, RULE_EVENTS + SCHEDULE_EVENTS):
            rules.append(_sam_rule(template, owner, event_name, properties, target_suffix))
    for rule in rules:
        for target in rule.targets:
            if target.service not in ROUTED_SERVICES:
                template.unsupported(f"target {target.id} ({target.arn}) is not a service sluice delivers to "
                                     f"({', '.join(ROUTED_SERVICES)})", resource=rule.logical_id, property="Targets")
    return rules


def _declared_rule(template: SamTemplate, decl: ResourceDecl) -> Rule:
    rule = Rule(
        logical_id=decl.logical_id,
        name=template.physical_name(decl.logical_id),
        arn=template.get_att(decl.logical_id, "Arn"),
        bus=bus_name(template.prop(decl, "EventBusName")),
        schedule=template.prop(decl, "ScheduleExpression"),
        state=str(template.prop(decl, "State", ENABLED)),
        description=template.prop(decl, "Description"),
    )
    rule.pattern = _pattern(template, decl.logical_id, template.prop(decl, "EventPattern"), "EventPattern")
    if rule.schedule is not None:
        _check_schedule(template, decl.logical_id, rule, "ScheduleExpression")
    if rule.pattern is None and rule.schedule is None:
        raise TemplateError("a rule needs an EventPattern or a ScheduleExpression", resource=decl.logical_id,
                            origin=template.origin)
    for index, target in enumerate(template.prop(decl, "Targets") or []):
        rule.targets.append(_target(template, decl.logical_id, target, index))
    return rule


def _target(template: SamTemplate, rule: str, raw: dict[str, Any], index: int) -> Target:
    if "Arn" not in raw or "Id" not in raw:
        raise TemplateError(f"Targets[{index}] needs Id and Arn", resource=rule, property="Targets",
                            origin=template.origin)
    try:
        return Target.of(raw, rule)
    except TemplateError as error:
        raise error.located(template.origin) from None


def _sam_rule(template: SamTemplate, owner: ResourceDecl, event_name: str, properties: dict[str, Any],
              target_suffix: str) -> Rule:
    """The `AWS::Events::Rule` SAM generates for an EventBridgeRule/Schedule event."""
    logical_id = f"{owner.logical_id}{event_name}"
    where = f"Events.{event_name}.Properties"
    resolved = template.resolve(owner, properties, where)
    kind = event_type(owner, event_name)
    state = resolved.get("State")
    if state is None:  # a Schedule event's `Enabled: false` is `State: DISABLED`
        state = ENABLED if str(resolved.get("Enabled", True)).lower() == "true" else "DISABLED"
    # The rule's name and ARN are those of its implicit declaration (`template.model._event_rule`).
    rule = Rule(logical_id=logical_id, name=template.physical_name(logical_id),
                arn=template.get_att(logical_id, "Arn"), bus=bus_name(resolved.get("EventBusName")),
                state=str(state), description=resolved.get("Description"))
    if kind in RULE_EVENTS:
        rule.pattern = _pattern(template, owner.logical_id, resolved.get("Pattern"), f"{where}.Pattern")
        if rule.pattern is None:
            raise TemplateError(f"{kind} event {event_name} needs a Pattern", resource=owner.logical_id,
                                property=f"{where}.Pattern", origin=template.origin)
    else:
        rule.schedule = resolved.get("Schedule")
        if not rule.schedule:
            raise TemplateError(f"{kind} event {event_name} needs a schedule expression",
                                resource=owner.logical_id, property=where, origin=template.origin)
        _check_schedule(template, owner.logical_id, rule, f"{where}.Schedule")
    target = {key: resolved[key] for key in ("Input", "InputPath", "InputTransformer", "RetryPolicy")
              if key in resolved}
    target["Id"] = (resolved.get("Target") or {}).get("Id") or f"{logical_id}{target_suffix}"
    target["Arn"] = event_target(template, owner) if owner.type == FUNCTION \
        else template.ref(owner.logical_id)
    dead_letter = resolved.get("DeadLetterConfig") or {}
    if dead_letter.get("Arn"):
        target["DeadLetterConfig"] = {"Arn": dead_letter["Arn"]}
    elif dead_letter:
        template.unsupported("DeadLetterConfig without an Arn (SAM would create a queue)", resource=owner.logical_id,
                             property=f"{where}.DeadLetterConfig")
    rule.targets.append(_target(template, logical_id, target, 0))
    return rule


def _check_schedule(template: SamTemplate, owner: str, rule: Rule, where: str) -> None:
    try:
        next_fire(str(rule.schedule), after=0.0, created=0.0)
    except TemplateError as error:
        raise TemplateError(error.message, resource=owner, property=where, origin=template.origin) from None


def _pattern(template: SamTemplate, owner: str, source: Any, where: str) -> Any:
    if source is None:
        return None
    try:
        return compile_pattern(source if isinstance(source, dict) else json_text.loads(str(source)))
    except (PatternError, json.JSONDecodeError) as error:
        raise TemplateError(str(error), resource=owner, property=where, origin=template.origin) from None
