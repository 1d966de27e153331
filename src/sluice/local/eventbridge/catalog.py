"""EventBridge's rule API and the local router, kept in step.

The router (`bus`) matches and delivers; moto only stores. So that `ListRules`, `DescribeRule`
and `ListTargetsByRule` show the template's rules as CloudFormation would have created them
(SAM's generated names included), `store()` creates them, with their targets, in moto. Rules
changed at run time — `PutRule`, `PutTargets`, `RemoveTargets`, `DeleteRule`, `EnableRule`,
`DisableRule`, by a handler, a test or the CLI through `sluice up` — are observed once moto
accepted them and applied to the router, so they route the very next event. The catalog also owns
the scheduled rules' sources: a rule scheduled, re-scheduled, disabled or deleted at run time
fires (or stops firing) from then on, within the window being run.

A rule or target the router cannot run (a pattern or input setting sluice does not support) is
reported as a failed delivery naming it, never silently ignored.

Example:
    >>> catalog = RuleCatalog(host)
    >>> catalog.store()                                  # the template's rules, in moto
    >>> events.put_rule(Name="audit", EventPattern='{"source": ["shop"]}')   # observed: routed
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from botocore.exceptions import ClientError, ParamValidationError

from sluice.local.errors import TemplateError, one_line
from sluice.local.eventbridge.patterns import compile_pattern
from sluice.local.eventbridge.resources import DEFAULT_BUS, bus_name
from sluice.local.eventbridge.rules import ENABLED, Rule, Target
from sluice.local.eventbridge.schedules import ScheduleSource
from sluice.local.hooks import ApiCall
from sluice.local.sources import EventSource, SourceHost

DISABLED = "DISABLED"


class RuleCatalog(EventSource):
    """The router's rules, stored in moto and updated from EventBridge's API calls."""

    def __init__(self, host: SourceHost) -> None:
        self.host = host
        self.router = host.router
        self._schedules = {(rule.bus, rule.name): ScheduleSource(host, rule)
                           for rule in self.router.rules if rule.schedule}
        self._until: float | None = None  # the end of the window being run, if one is
        self._changes: dict[str, Callable[[dict[str, Any], dict[str, Any]], None]] = {
            "PutRule": self._put_rule, "PutTargets": self._put_targets, "RemoveTargets": self._remove_targets,
            "DeleteRule": self._delete_rule, "EnableRule": self._enable_rule, "DisableRule": self._disable_rule,
        }

    def store(self) -> None:
        """Create the template's rules and their targets in moto (before the stack listens)."""
        events = self.host.client("events")
        buses = {DEFAULT_BUS}  # known to exist
        for rule in self.router.rules:
            try:
                if rule.bus not in buses:
                    self._bus_for(rule, events)
                    buses.add(rule.bus)
                events.put_rule(**rule.put_rule())
                targets = self._storable(rule)
                if targets:
                    events.put_targets(Rule=rule.name, EventBusName=rule.bus, Targets=targets)
            except ClientError as error:
                raise TemplateError(f"EventBridge rejected rule {rule.name}: "
                                    f"{error.response['Error'].get('Message', error)}",
                                    resource=rule.logical_id, origin=self.host.template.origin) from None
            except ParamValidationError as error:  # a property of the wrong type (PutRule/PutTargets' own check)
                raise TemplateError(f"invalid properties of rule {rule.name}: {one_line(str(error))}",
                                    resource=rule.logical_id,
                                    origin=self.host.template.origin) from None

    @staticmethod
    def _storable(rule: Rule) -> list[dict[str, Any]]:
        """The rule's targets as `PutTargets` takes them, but those that are no ARN: a resource sluice gives
        no ARN (a Batch job queue's `Ref`), which the store refuses. Such a target is a service sluice does
        not deliver to, which the router's own warning already says (`eventbridge.wiring`)."""
        return [target.definition for target in rule.targets
                if str(target.definition.get("Arn", "")).startswith("arn:")]

    def _bus_for(self, rule: Rule, events: Any) -> None:
        """A rule on a custom bus the template does not declare listens to a bus another stack owns
        (the bus's name passed in as a parameter, often from SSM): the bus is created here, with a
        warning, so that the stack starts and events put to it are routed."""
        if rule.bus.startswith("arn:"):
            return
        try:
            events.describe_event_bus(Name=rule.bus)
        except ClientError as error:
            if error.response["Error"].get("Code") != "ResourceNotFoundException":
                raise
            events.create_event_bus(Name=rule.bus)
            template = self.host.template
            template.warnings.append(
                f"{template.origin}, resource {rule.logical_id}: event bus {rule.bus!r} is not declared in the "
                "template (another stack's?): created locally")

    # -- EventSource ------------------------------------------------------------------------

    def observe(self, call: ApiCall) -> None:
        change = self._changes.get(call.operation) if call.service == "events" and call.ok else None
        if change is not None:
            change(call.params, call.response)

    def arm(self, seconds: float) -> None:
        self._until = self.host.clock.now() + seconds
        for source in self._schedules.values():
            source.arm(seconds)

    def disarm(self) -> None:
        self._until = None
        for source in self._schedules.values():
            source.disarm()

    def close(self) -> None:
        self.disarm()

    # -- the API's changes ------------------------------------------------------------------

    def _put_rule(self, params: dict[str, Any], response: dict[str, Any]) -> None:
        # PutRule replaces the rule's settings (omitted ones are reset, State to ENABLED) and keeps
        # its targets (EventBridge API reference, PutRule).
        # The pattern and schedule were checked before the call (`eventbridge.requests`).
        name, bus = str(params["Name"]), bus_name(params.get("EventBusName"))
        pattern = compile_pattern(params["EventPattern"]) if params.get("EventPattern") else None
        rule = self.router.rule(name, bus)
        if rule is None:
            rule = Rule(logical_id=name, name=name, arn=str(response.get("RuleArn", "")), bus=bus)
            self.router.put(rule)
        rescheduled = rule.schedule != params.get("ScheduleExpression")
        rule.pattern = pattern
        rule.schedule = params.get("ScheduleExpression")
        rule.state = str(params.get("State") or ENABLED)
        rule.description = params.get("Description")
        self._reschedule(rule, restart=rescheduled)

    def _put_targets(self, params: dict[str, Any], response: dict[str, Any]) -> None:
        rule = self.router.rule(str(params["Rule"]), bus_name(params.get("EventBusName")))
        if rule is None:  # a rule sluice refused to route (already reported)
            return
        failed = {entry.get("TargetId") for entry in response.get("FailedEntries") or []}
        for definition in params.get("Targets") or []:
            if definition.get("Id") in failed:
                continue
            try:
                target = Target.of(definition, rule.name)
            except TemplateError as error:
                self._not_routed(f"target {definition.get('Id')} of rule {rule.name} is not routed: {error.message}")
                continue
            rule.targets = [known for known in rule.targets if known.id != target.id] + [target]

    def _remove_targets(self, params: dict[str, Any], response: dict[str, Any]) -> None:
        rule = self.router.rule(str(params["Rule"]), bus_name(params.get("EventBusName")))
        if rule is not None:
            failed = {entry.get("TargetId") for entry in response.get("FailedEntries") or []}
            removed = set(params.get("Ids") or []) - failed
            rule.targets = [target for target in rule.targets if target.id not in removed]

    def _delete_rule(self, params: dict[str, Any], _: dict[str, Any]) -> None:
        name, bus = str(params["Name"]), bus_name(params.get("EventBusName"))
        self.router.remove(name, bus)
        source = self._schedules.pop((bus, name), None)
        if source is not None:
            source.close()

    def _enable_rule(self, params: dict[str, Any], _: dict[str, Any]) -> None:
        self._set_state(params, ENABLED)

    def _disable_rule(self, params: dict[str, Any], _: dict[str, Any]) -> None:
        self._set_state(params, DISABLED)

    def _set_state(self, params: Mapping[str, Any], state: str) -> None:
        rule = self.router.rule(str(params["Name"]), bus_name(params.get("EventBusName")))
        if rule is not None:
            rule.state = state
            self._reschedule(rule, restart=False)

    def _reschedule(self, rule: Rule, *, restart: bool) -> None:
        """Plan the rule's firings for the rest of the current window (none if disabled)."""
        key = (rule.bus, rule.name)
        source = self._schedules.pop(key, None)
        if source is not None:
            source.close()
        if not rule.schedule:
            return
        if source is None or restart:  # a new schedule counts its rate from now, as a new rule would
            source = ScheduleSource(self.host, rule)
        self._schedules[key] = source
        if self._until is not None:
            source.arm(max(self._until - self.host.clock.now(), 0.0))

    def _not_routed(self, title: str) -> None:
        self.host.deliverer.failed(title)
