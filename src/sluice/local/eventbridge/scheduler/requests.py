"""Scheduler's own check of a schedule it is asked to create or update, which moto does not make:
an expression that is not `at`, `rate` or `cron` as EventBridge writes them, or an unknown time zone, is
refused with `ValidationException` (400). Without it, moto stores the schedule and it is never armed.

Example:
    >>> refusal(ApiCall("scheduler", "CreateSchedule", {"ScheduleExpression": "rate(0 minutes)"})).message
    'rate(0 minutes): the rate must be positive'
"""

from __future__ import annotations

from sluice.local.errors import TemplateError
from sluice.local.eventbridge.schedules import next_fire
from sluice.local.faults.errors import AwsError, aws_error
from sluice.local.hooks import ApiCall

CHECKED = frozenset({"CreateSchedule", "UpdateSchedule"})


def refusal(call: ApiCall) -> AwsError | None:
    """Scheduler's error for a schedule it would refuse; None for anything else."""
    if call.service != "scheduler" or call.operation not in CHECKED:
        return None
    try:
        next_fire(str(call.params.get("ScheduleExpression", "")), after=0.0, created=0.0,
                  timezone=call.params.get("ScheduleExpressionTimezone"))
    except TemplateError as error:
        return aws_error("scheduler", "ValidationException", status=400, message=error.message)
    return None
