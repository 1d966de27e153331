"""EventBridge's own check of a rule it is asked to put, which moto does not make in full: an
`EventPattern` that is not a valid pattern is `InvalidEventPatternException`, and a `ScheduleExpression`
that is not a valid `rate(...)` or `cron(...)` is `ValidationException` ("Parameter ScheduleExpression
is not valid."), both 400 and before the rule changes. moto took some of them, crashed on others, and the
rule was then silently never routed or scheduled.

Example:
    >>> refusal(ApiCall("events", "PutRule", {"Name": "r", "EventPattern": "[1]"})).code
    'InvalidEventPatternException'
    >>> refusal(ApiCall("events", "PutRule", {"Name": "r", "ScheduleExpression": "rate(0 minutes)"})).message
    'Parameter ScheduleExpression is not valid.'
"""

from __future__ import annotations

from sluice.local.errors import TemplateError
from sluice.local.eventbridge.patterns import PatternError, compile_pattern
from sluice.local.eventbridge.schedules import next_fire
from sluice.local.faults.errors import AwsError, aws_error
from sluice.local.hooks import ApiCall

# What PutRule takes as a schedule: `at(...)` is EventBridge Scheduler's alone.
RULE_SCHEDULES = ("rate(", "cron(")


def refusal(call: ApiCall) -> AwsError | None:
    """EventBridge's error for a rule it would refuse; None for anything else."""
    if call.service != "events" or call.operation != "PutRule":
        return None
    pattern, schedule = call.params.get("EventPattern"), call.params.get("ScheduleExpression")
    if pattern:
        try:
            compile_pattern(pattern)
        except PatternError as error:
            return aws_error("events", "InvalidEventPatternException", status=400, message=str(error))
    if schedule:
        try:
            valid = str(schedule).strip().startswith(RULE_SCHEDULES)
            next_fire(str(schedule), after=0.0, created=0.0)
        except TemplateError:
            valid = False
        if not valid:
            return aws_error("events", "ValidationException", status=400,
                             message="Parameter ScheduleExpression is not valid.")
    return None
