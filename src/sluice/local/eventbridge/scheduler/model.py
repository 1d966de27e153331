"""A schedule as EventBridge Scheduler's `GetSchedule` returns it, validated at the boundary.

Scheduler's API and `AWS::Scheduler::Schedule` spell properties the same way (PascalCase), so one
model reads both. Defaults are the API's: a target retries 185 times for up to 86 400 seconds
("RetryPolicy", EventBridge Scheduler API reference).

Example:
    >>> schedule = Schedule.model_validate(scheduler.get_schedule(Name="nightly"))
    >>> schedule.target.retry_policy.maximum_retry_attempts
    185
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_pascal

DEFAULT_RETRY_ATTEMPTS = 185
DEFAULT_EVENT_AGE = 86_400


class _Shape(BaseModel):
    # defer_build: every stack imports the Scheduler's models, few templates declare a schedule;
    # a model's validator is built when the first schedule is read.
    model_config = ConfigDict(alias_generator=to_pascal, populate_by_name=True, extra="ignore", frozen=True,
                              defer_build=True)


class RetryPolicy(_Shape):
    maximum_retry_attempts: int = Field(default=DEFAULT_RETRY_ATTEMPTS, ge=0, le=185)
    maximum_event_age_in_seconds: int = Field(default=DEFAULT_EVENT_AGE, ge=60, le=86_400)


class DeadLetterConfig(_Shape):
    arn: str | None = None


class SqsParameters(_Shape):
    message_group_id: str | None = None


class EventBridgeParameters(_Shape):
    detail_type: str
    source: str


class KinesisParameters(_Shape):
    partition_key: str


class Target(_Shape):
    arn: str
    input: str | None = None
    retry_policy: RetryPolicy = Field(default_factory=RetryPolicy)
    dead_letter_config: DeadLetterConfig | None = None
    sqs_parameters: SqsParameters | None = None
    event_bridge_parameters: EventBridgeParameters | None = None
    kinesis_parameters: KinesisParameters | None = None


class FlexibleTimeWindow(_Shape):
    mode: Literal["OFF", "FLEXIBLE"]
    maximum_window_in_minutes: int | None = Field(default=None, ge=1, le=1440)

    @model_validator(mode="after")
    def _window_when_flexible(self) -> Self:
        if self.mode == "FLEXIBLE" and self.maximum_window_in_minutes is None:
            raise ValueError("FlexibleTimeWindow Mode FLEXIBLE needs MaximumWindowInMinutes")
        return self

    @property
    def seconds(self) -> float:
        """The width of the window (0 when OFF)."""
        return float((self.maximum_window_in_minutes or 0) * 60) if self.mode == "FLEXIBLE" else 0.0


class Schedule(_Shape):
    arn: str
    name: str
    group_name: str = "default"
    schedule_expression: str
    schedule_expression_timezone: str | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None
    state: Literal["ENABLED", "DISABLED"] = "ENABLED"
    flexible_time_window: FlexibleTimeWindow
    target: Target
    action_after_completion: Literal["NONE", "DELETE"] | None = None

    @property
    def key(self) -> tuple[str, str]:
        """(group, name): what identifies a schedule in the API."""
        return self.group_name, self.name
