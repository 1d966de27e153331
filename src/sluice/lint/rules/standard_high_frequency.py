"""standard-high-frequency: a Standard workflow started by a high-frequency trigger.

Why: Standard workflows cost $0.025 per 1,000 state transitions and have a StartExecution rate
quota; Express workflows are priced per request and duration and are built for "high-volume,
event-processing workloads such as IoT data ingestion, streaming data processing" — exactly what
Kinesis, DynamoDB streams, SQS and minute-level schedules produce. AWS: "Choosing workflow type"
(https://docs.aws.amazon.com/step-functions/latest/dg/choosing-workflow-type.html) and the
Step Functions pricing page. Found from the template: a function polling Kinesis/DynamoDB/SQS
whose policies let it start a Standard machine, a state machine on a schedule of one minute or
less, and an EventBridge Pipe from a stream or queue to a Standard machine.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from sluice.asl import STANDARD
from sluice.graph.source import Workflow
from sluice.lint.finding import WARNING, Finding, Rule
from sluice.lint.rules._template import POLLED_EVENT_TYPES, event_sources, started_machines
from sluice.local.template.model import SamTemplate

RULE = Rule("standard-high-frequency", WARNING, "Standard workflow behind a high-frequency trigger",
            "https://docs.aws.amazon.com/step-functions/latest/dg/choosing-workflow-type.html")
_RATE = re.compile(r"rate\(\s*(\d+)\s+(second|seconds|minute|minutes|hour|hours|day|days)\s*\)")
_UNIT_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
HIGH_FREQUENCY_SECONDS = 60


def check_template(template: SamTemplate, workflows: list[Workflow]) -> Iterator[Finding]:
    standard = {w.logical_id: w for w in workflows if w.type == STANDARD and w.logical_id}
    names = {template.physical_name(i): i for i in standard} | {str(template.ref(i)): i for i in standard}
    origin = template.origin
    for function, event_name, event in event_sources(template):
        if event.get("Type") not in POLLED_EVENT_TYPES:
            continue
        for started in sorted(started_machines(template, function) & names.keys()):
            yield RULE.finding(origin, function.logical_id, None,
                               f"{event['Type']} event source {event_name} feeds a function that starts the "
                               f"Standard state machine {names[started]}: one Standard execution per batch "
                               "or message",
                               f"make {names[started]} an EXPRESS workflow (priced per request), or batch upstream")
    for logical_id in standard:
        events = template.resource(logical_id).properties.get("Events") or {}
        for event_name, event in events.items() if isinstance(events, dict) else ():
            if not isinstance(event, dict) or event.get("Type") not in ("Schedule", "ScheduleV2"):
                continue
            expression = str(template.resolve(logical_id, (event.get("Properties") or {}).get(
                "Schedule", (event.get("Properties") or {}).get("ScheduleExpression", ""))))
            period = schedule_period(expression)
            if period is not None and period <= HIGH_FREQUENCY_SECONDS:
                yield RULE.finding(origin, logical_id, None,
                                   f"schedule {event_name} ({expression}) starts a Standard execution every "
                                   f"{period} s",
                                   "use an EXPRESS workflow for minute-level schedules")


def schedule_period(expression: str) -> int | None:
    """Seconds between runs of `rate(...)`, or 60 for a cron that fires every minute."""
    match = _RATE.fullmatch(expression.strip())
    if match:
        return int(match.group(1)) * _UNIT_SECONDS[match.group(2).rstrip("s")]
    minutes = expression.split("(", 1)[1].split(maxsplit=1)[0] if expression.strip().startswith("cron(") else ""
    if minutes in ("*", "0/1", "*/1"):
        return 60
    return None
