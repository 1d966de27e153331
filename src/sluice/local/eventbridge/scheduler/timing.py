"""When a schedule invokes its target: its expression (`at`, `rate`, `cron`, read by
`sluice.local.eventbridge.schedules.next_fire`, in `ScheduleExpressionTimezone`) bounded by
`StartDate`/`EndDate`, then moved inside its `FlexibleTimeWindow`.

A rate counts from `StartDate` when there is one (its first invocation is at `StartDate`), else
from when the schedule was created or last updated. A flexible window delays each invocation by an
offset drawn from the stack's seed, the schedule and the invocation's time: a run is reproducible.

Example:
    >>> nominal = next_invocation(schedule, after=now, since=created)
    >>> invocation_time(schedule, nominal, seed=0)      # nominal + [0, MaximumWindowInMinutes)
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

from sluice.local.eventbridge.scheduler.model import Schedule
from sluice.local.eventbridge.schedules import next_fire

# A cron or at() time exactly at StartDate is included: search from just before it.
_JUST_BEFORE = 1e-3


def next_invocation(schedule: Schedule, *, after: float, since: float) -> float | None:
    """The scheduled time (epoch seconds) of the first invocation strictly after `after`, or None
    when the schedule has no more (an `at()` in the past, or past `EndDate`)."""
    start = schedule.start_date.timestamp() if schedule.start_date else None
    search = after if start is None else max(after, start - _JUST_BEFORE)
    moment = next_fire(schedule.schedule_expression, after=search, created=since if start is None else start,
                       timezone=schedule.schedule_expression_timezone)
    if moment is None or (schedule.end_date is not None and moment > schedule.end_date.timestamp()):
        return None
    return moment


def invocation_time(schedule: Schedule, scheduled: float, *, seed: int | str) -> float:
    """When the target is invoked for `scheduled`: at once with `Mode: OFF`, else somewhere in
    the flexible time window after it."""
    window = schedule.flexible_time_window.seconds
    if not window:
        return scheduled
    return scheduled + random.Random(f"{seed}:{schedule.arn}:{scheduled}").uniform(0.0, window)


def stamp(moment: float) -> str:
    """Scheduler's time format, as in `<aws.scheduler.scheduled-time>`: `2022-03-22T18:59:43Z`."""
    return datetime.fromtimestamp(moment, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
