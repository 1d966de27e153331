"""Schedule expressions: rate, cron (EventBridge's six fields) and at."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sluice.local.errors import TemplateError
from sluice.local.eventbridge.schedules import next_fire

START = datetime(2024, 6, 1, 0, 0, tzinfo=UTC).timestamp()  # a Saturday


def at(text: str) -> str:
    moment = next_fire(text, after=START, created=START)
    assert moment is not None
    return datetime.fromtimestamp(moment, tz=UTC).strftime("%a %Y-%m-%d %H:%M")


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("rate(1 minute)", "Sat 2024-06-01 00:01"),
        ("rate(2 hours)", "Sat 2024-06-01 02:00"),
        ("rate(1 day)", "Sun 2024-06-02 00:00"),
        ("cron(15 10 * * ? *)", "Sat 2024-06-01 10:15"),
        ("cron(0/20 * * * ? *)", "Sat 2024-06-01 00:20"),
        ("cron(0 8 ? * MON-FRI *)", "Mon 2024-06-03 08:00"),
        ("cron(0 8 ? * 2 *)", "Mon 2024-06-03 08:00"),  # 1 = Sunday, so 2 = Monday
        ("cron(0 0 1 JAN,JUL ? *)", "Mon 2024-07-01 00:00"),
        ("cron(30 12 15 * ? 2025)", "Wed 2025-01-15 12:30"),
        ("at(2024-06-05T10:00:00)", "Wed 2024-06-05 10:00"),
    ],
)
def test_next_firing(expression: str, expected: str) -> None:
    assert at(expression) == expected


def test_time_zones_shift_cron() -> None:
    moment = next_fire("cron(0 9 * * ? *)", after=START, created=START, timezone="Europe/Paris")
    assert moment is not None
    assert datetime.fromtimestamp(moment, tz=UTC).hour == 7  # 09:00 in Paris is 07:00 UTC in June


def test_past_at_never_fires() -> None:
    assert next_fire("at(2020-01-01T00:00:00)", after=START, created=START) is None


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("cron(0 12 * *)", "takes six fields"),
        ("cron(0 12 L * ? *)", "not supported"),
        ("cron(0 25 * * ? *)", "out of range"),
        ("rate(5 fortnights)", "is not a rate"),
        # Found by the schedule campaign: these raised a bare ValueError.
        ("at(garbage)", r"at\(\) takes a date and time as yyyy-mm-ddThh:mm:ss"),
        ("at(2024-13-01T00:00:00)", r"at\(\) takes a date and time as yyyy-mm-ddThh:mm:ss"),
        ("at(2024-06-05)", r"at\(\) takes a date and time as yyyy-mm-ddThh:mm:ss"),
    ],
)
def test_invalid_expressions(expression: str, message: str) -> None:
    with pytest.raises(TemplateError, match=message):
        next_fire(expression, after=START, created=START)


@pytest.mark.parametrize("zone", ["Nope/Zone", "../../etc/passwd"])
def test_a_time_zone_that_is_not_one_is_named(zone: str) -> None:
    with pytest.raises(TemplateError, match=f"unknown ScheduleExpressionTimezone '{zone}'"):
        next_fire("cron(0 12 * * ? *)", after=START, created=START, timezone=zone)
