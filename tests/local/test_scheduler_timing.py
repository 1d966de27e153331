"""When EventBridge Scheduler invokes: time zones across daylight saving time ("Daylight saving
time", EventBridge Scheduler user guide: a cron time that does not exist when clocks spring forward
is skipped; one that occurs twice when they fall back runs once), `StartDate`/`EndDate`, and the
flexible time window."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sluice.local.eventbridge.scheduler.model import Schedule
from sluice.local.eventbridge.scheduler.timing import invocation_time, next_invocation

ARN = "arn:aws:scheduler:us-east-1:123456789012:schedule/default/s"


def schedule(expression: str, **extra: Any) -> Schedule:
    return Schedule.model_validate({"Arn": ARN, "Name": "s", "ScheduleExpression": expression,
                                    "FlexibleTimeWindow": {"Mode": "OFF"},
                                    "Target": {"Arn": "arn:aws:sqs:us-east-1:123456789012:q"}, **extra})


def utc(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def invocations(subject: Schedule, start: str, count: int) -> list[str]:
    moments, after = [], utc(start)
    for _ in range(count):
        moment = next_invocation(subject, after=after, since=utc(start))
        if moment is None:
            break
        moments.append(datetime.fromtimestamp(moment, tz=UTC).strftime("%m-%d %H:%M"))
        after = moment
    return moments


def test_a_cron_time_skipped_by_spring_forward_does_not_run() -> None:
    # New York: 2024-03-10 02:00 EST jumps to 03:00 EDT, so 02:30 does not exist that day.
    nightly = schedule("cron(30 2 * * ? *)", ScheduleExpressionTimezone="America/New_York")
    assert invocations(nightly, "2024-03-09T00:00:00", 3) == ["03-09 07:30", "03-11 06:30", "03-12 06:30"]


def test_a_cron_time_repeated_by_fall_back_runs_once() -> None:
    # New York: 2024-11-03 02:00 EDT falls back to 01:00 EST, so 01:30 happens twice that day.
    nightly = schedule("cron(30 1 * * ? *)", ScheduleExpressionTimezone="America/New_York")
    assert invocations(nightly, "2024-11-02T12:00:00", 3) == ["11-03 05:30", "11-04 06:30", "11-05 06:30"]


def test_start_and_end_dates_bound_a_rate() -> None:
    bounded = schedule("rate(1 hour)", StartDate="2024-06-01T06:30:00Z", EndDate="2024-06-01T08:45:00Z")
    assert invocations(bounded, "2024-06-01T00:00:00", 5) == ["06-01 06:30", "06-01 07:30", "06-01 08:30"]


def test_an_at_schedule_reads_its_time_in_its_time_zone() -> None:
    once = schedule("at(2024-06-01T10:00:00)", ScheduleExpressionTimezone="Europe/Paris")
    assert invocations(once, "2024-06-01T00:00:00", 2) == ["06-01 08:00"]


def test_the_flexible_window_delays_each_invocation_deterministically() -> None:
    flexible = schedule("rate(1 hour)", FlexibleTimeWindow={"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 15})
    scheduled = [utc("2024-06-01T00:00:00") + hour * 3600 for hour in range(1, 25)]
    delays = [invocation_time(flexible, moment, seed=0) - moment for moment in scheduled]
    assert all(0 <= delay < 900 for delay in delays) and len(set(delays)) == len(delays)
    assert delays == [invocation_time(flexible, moment, seed=0) - moment for moment in scheduled]
    assert invocation_time(schedule("rate(1 hour)"), scheduled[0], seed=0) == scheduled[0]  # Mode OFF
