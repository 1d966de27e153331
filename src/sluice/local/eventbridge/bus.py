"""The local EventBridge: events in, matching rules out, one delivery per target.

Events are routed on the clock's loop (`call_soon`), never inside the call that produced them, as
on AWS where `PutEvents` returns before any target runs.

Example:
    >>> router = EventRouter(rules, loop=clock.loop, trace=trace, deliver=deliverer.target, now=clock.now)
    >>> router.publish(event)           # routed when the clock runs
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from sluice import json_text
from sluice.local.eventbridge.resources import DEFAULT_BUS, bus_name
from sluice.local.eventbridge.rules import Rule, Target
from sluice.local.eventbridge.transform import target_input
from sluice.local.hooks import ApiCall
from sluice.local.trace import Activity, Trace

Deliver = Callable[[Rule, Target, Any, dict[str, Any]], None]


class EventRouter:
    """Matches events against the rules of their bus and hands each target its input."""

    def __init__(self, rules: Iterable[Rule], *, loop: asyncio.AbstractEventLoop, trace: Trace, deliver: Deliver,
                 now: Callable[[], float], account: str, region: str) -> None:
        self.rules = list(rules)
        self.loop = loop
        self.trace = trace
        self.deliver = deliver
        self.now = now
        self.account = account
        self.region = region

    def rule(self, name: str, bus: str = DEFAULT_BUS) -> Rule | None:
        """The rule named `name` on `bus`, if there is one."""
        return next((rule for rule in self.rules if rule.bus == bus and rule.name == name), None)

    def put(self, rule: Rule) -> None:
        """Add `rule`, replacing the rule of the same name on its bus."""
        self.remove(rule.name, rule.bus)
        self.rules.append(rule)

    def remove(self, name: str, bus: str = DEFAULT_BUS) -> None:
        """Forget the rule named `name` on `bus` (if any)."""
        self.rules = [known for known in self.rules if (known.bus, known.name) != (bus, name)]

    def matching(self, event: dict[str, Any], bus: str = DEFAULT_BUS) -> list[Rule]:
        """The enabled pattern rules of `bus` that match `event`."""
        return [rule for rule in self.rules
                if rule.bus == bus and rule.enabled and rule.pattern is not None and rule.pattern.matches(event)]

    def publish(self, event: dict[str, Any], *, bus: str = DEFAULT_BUS, activity: Activity | None = None) -> None:
        """Route `event` soon; the deliveries are recorded under `activity` (default: the current one)."""
        parent = activity or self.trace.current()
        self.loop.call_soon(self._route, event, bus, parent)

    def published(self, call: ApiCall) -> None:
        """Route the entries of a successful `PutEvents` call."""
        entries = call.params.get("Entries") or []
        results = call.response.get("Entries") or [{} for _ in entries]
        for entry, result in zip(entries, results, strict=False):
            if "EventId" not in result:
                continue
            event = self.envelope(entry, result["EventId"])
            activity = self.trace.record("event", f"{event['detail-type']} from {event['source']}", ref=event,
                                         bus=bus_name(entry.get("EventBusName")))
            self.publish(event, bus=bus_name(entry.get("EventBusName")), activity=activity)

    def envelope(self, entry: dict[str, Any], event_id: str) -> dict[str, Any]:
        """The event EventBridge builds from a `PutEvents` entry."""
        when = entry.get("Time")
        moment = when if isinstance(when, datetime) else datetime.fromtimestamp(self.now(), tz=UTC)
        try:
            detail = json_text.loads(entry.get("Detail") or "{}")
        except json.JSONDecodeError:
            detail = {}
        return {
            "version": "0",
            "id": event_id,
            "detail-type": entry.get("DetailType", ""),
            "source": entry.get("Source", ""),
            "account": self.account,
            "time": moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": self.region,
            "resources": list(entry.get("Resources") or []),
            "detail": detail,
        }

    def _route(self, event: dict[str, Any], bus: str, parent: Activity | None) -> None:
        matched = self.matching(event, bus)
        if parent is not None:
            parent.detail["rules_matched"] = [rule.logical_id for rule in matched]
        ingestion = datetime.fromtimestamp(self.now(), tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        for rule in matched:
            activity = self.trace.record("rule", rule.logical_id, parent=parent, rule=rule.name, bus=bus)
            with self.trace.within(activity):
                for target in rule.targets:
                    payload = target_input(event, target.input_settings(), rule_name=rule.name, rule_arn=rule.arn,
                                           ingestion_time=ingestion)
                    self.deliver(rule, target, payload, event)
