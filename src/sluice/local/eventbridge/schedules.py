"""Scheduled rules (`Schedule`, `ScheduleExpression`), fired on the virtual clock during
`LocalStack.advance()`, and the `rate(...)`, `cron(...)` and `at(...)` expressions they share with
EventBridge Scheduler (`sluice.local.eventbridge.scheduler`).

Cron follows EventBridge's six fields — minutes, hours, day of month, month, day of week (1-7 =
SUN-SAT, or names), year — with `*`, `?`, lists, ranges and steps, in UTC (or the schedule's
`ScheduleExpressionTimezone`). `L`, `W` and `#` are not supported and say so. In a time zone,
daylight saving time is handled as Scheduler documents it ("Daylight saving time"): a cron time
that does not exist when clocks spring forward is skipped, and a time that occurs twice when they
fall back runs once.

Example:
    >>> next_fire("rate(5 minutes)", after=0.0, created=0.0)
    300.0
    >>> next_fire("cron(0 12 * * ? *)", after=0.0, created=0.0)   # noon UTC, 1970-01-01
    43200.0
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sluice.local.errors import TemplateError
from sluice.local.eventbridge.rules import Rule
from sluice.local.eventbridge.transform import target_input
from sluice.local.sources import EventSource, SourceHost

_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_UNITS = {"minute": 60, "hour": 3600, "day": 86400}
_AT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")
_MONTHS = {name: index for index, name in enumerate(
    ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], start=1)}
_DAYS = {name: index for index, name in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], start=1)}
# (low, high, names) per cron field.
_FIELDS: tuple[tuple[int, int, dict[str, int]], ...] = (
    (0, 59, {}), (0, 23, {}), (1, 31, {}), (1, 12, _MONTHS), (1, 7, _DAYS), (1970, 2199, {}))
_SEARCH_LIMIT_STEPS = 200_000


def next_fire(expression: str, *, after: float, created: float, timezone: str | None = None) -> float | None:
    """Epoch seconds of the first firing strictly after `after`, or None if there is none."""
    text = expression.strip()
    rate = _RATE.match(text)
    if rate:
        period = int(rate.group(1)) * _UNITS[rate.group(2).rstrip("s")]
        if period <= 0:
            raise TemplateError(f"{expression}: the rate must be positive")
        count = int((after - created) // period) + 1
        return created + count * period
    if text.startswith("at(") and text.endswith(")"):
        moment = _at(text[3:-1], expression).replace(tzinfo=_zone(timezone)).timestamp()
        return moment if moment > after else None
    if text.startswith("cron(") and text.endswith(")"):
        return _next_cron(_parse_cron(text[5:-1], expression), after, _zone(timezone))
    raise TemplateError(f"{expression!r} is not a rate(...), cron(...) or at(...) expression")


def _at(text: str, expression: str) -> datetime:
    """A one-time schedule's moment: `yyyy-mm-ddThh:mm:ss`, nothing more (EventBridge Scheduler's format)."""
    if _AT.fullmatch(text):
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            pass  # the right shape, but no such day or time (2024-13-01)
    raise TemplateError(f"{expression}: at() takes a date and time as yyyy-mm-ddThh:mm:ss")


def _zone(name: str | None) -> Any:
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):  # ValueError: a key that is not a zone name (a path)
        raise TemplateError(f"unknown ScheduleExpressionTimezone {name!r}") from None


def _parse_cron(body: str, expression: str) -> list[set[int] | None]:
    parts = body.split()
    if len(parts) != 6:
        raise TemplateError(f"{expression}: cron takes six fields (minutes hours day-of-month month day-of-week year)")
    parsed: list[set[int] | None] = []
    for text, (low, high, names) in zip(parts, _FIELDS, strict=True):
        if text in ("*", "?"):
            parsed.append(None)
            continue
        if any(marker in text for marker in ("L", "W", "#")) and not any(name in text for name in names):
            raise TemplateError(f"{expression}: the L, W and # cron wildcards are not supported by sluice")
        values: set[int] = set()
        for item in text.split(","):
            values |= _cron_item(item, low, high, names, expression)
        parsed.append(values)
    return parsed


def _cron_item(item: str, low: int, high: int, names: dict[str, int], expression: str) -> set[int]:
    base, _, step_text = item.partition("/")
    step = int(step_text) if step_text else 1
    if base in ("*", "?"):
        start, end = low, high
    elif "-" in base:
        first, last = base.split("-", 1)
        start, end = _cron_value(first, names, expression), _cron_value(last, names, expression)
    else:
        start = _cron_value(base, names, expression)
        end = high if step_text else start
    if not (low <= start <= high and low <= end <= high) or step <= 0:
        raise TemplateError(f"{expression}: {item!r} is out of range {low}-{high}")
    return set(range(start, end + 1, step))


def _cron_value(text: str, names: dict[str, int], expression: str) -> int:
    upper = text.upper()
    if upper in names:
        return names[upper]
    try:
        return int(text)
    except ValueError:
        raise TemplateError(f"{expression}: {text!r} is not a cron value") from None


def _next_cron(fields: list[set[int] | None], after: float, zone: Any) -> float | None:
    """Walk forward from `after`, skipping whole years, months, days and hours that cannot match."""
    minutes, hours, days, months, weekdays, years = fields
    moment = datetime.fromtimestamp(after, tz=zone).replace(second=0, microsecond=0) + timedelta(minutes=1)
    for _ in range(_SEARCH_LIMIT_STEPS):
        if moment.year > _FIELDS[5][1]:
            return None
        if years is not None and moment.year not in years:
            moment = moment.replace(year=moment.year + 1, month=1, day=1, hour=0, minute=0)
        elif months is not None and moment.month not in months:
            moment = (moment.replace(day=1, hour=0, minute=0) + timedelta(days=32)).replace(day=1)
        elif (days is not None and moment.day not in days) or \
                (weekdays is not None and moment.isoweekday() % 7 + 1 not in weekdays):  # 1 = Sunday
            moment = moment.replace(hour=0, minute=0) + timedelta(days=1)
        elif hours is not None and moment.hour not in hours:
            moment = moment.replace(minute=0) + timedelta(hours=1)
        elif (minutes is not None and moment.minute not in minutes) or not _exists_once_after(moment, after):
            moment += timedelta(minutes=1)
        else:
            return moment.timestamp()
    return None


def _exists_once_after(moment: datetime, after: float) -> bool:
    """False for a wall-clock time skipped by a spring-forward (it does not round-trip), or one
    repeated by a fall-back that maps to `after` or before (its first occurrence already ran)."""
    instant = moment.timestamp()
    return instant > after and datetime.fromtimestamp(instant, tz=moment.tzinfo).replace(tzinfo=None) == \
        moment.replace(tzinfo=None)


class ScheduleSource(EventSource):
    """Fires one scheduled rule's targets at the times its expression names."""

    def __init__(self, host: SourceHost, rule: Rule) -> None:
        self.host = host
        self.rule = rule
        self.created = host.clock.now()
        next_fire(str(rule.schedule), after=self.created, created=self.created)
        self._handles: list[Any] = []

    def arm(self, seconds: float) -> None:
        if not self.rule.enabled:
            return
        clock = self.host.clock
        start, end = clock.now(), clock.now() + seconds
        moment = next_fire(str(self.rule.schedule), after=start, created=self.created)
        while moment is not None and moment <= end:
            self._handles.append(clock.loop.call_later(moment - start, self.fire, moment))
            moment = next_fire(str(self.rule.schedule), after=moment, created=self.created)

    def disarm(self) -> None:
        for handle in self._handles:
            handle.cancel()
        self._handles.clear()

    close = disarm

    def fire(self, moment: float) -> None:
        stamp = datetime.fromtimestamp(moment, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        event = {
            "version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events",
            "account": self.host.account, "time": stamp, "region": self.host.region,
            "resources": [self.rule.arn], "detail": {},
        }
        activity = self.host.trace.record("schedule", f"{self.rule.logical_id} {self.rule.schedule} at {stamp}",
                                          root=True, ref=event)
        with self.host.trace.within(activity):
            for target in self.rule.targets:
                payload = target_input(event, target.input_settings(), rule_name=self.rule.name,
                                       rule_arn=self.rule.arn, ingestion_time=stamp)
                self.host.deliverer.target(self.rule, target, payload, event)
