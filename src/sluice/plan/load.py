"""The target load a capacity plan is made for, and what the plan cannot read from the template.

Example:
    >>> Load(records_per_second=2_000, payload_bytes=512).records_per_second
    2000.0
"""

from __future__ import annotations

from pydantic import BaseModel, Field

SECONDS_PER_DAY = 86_400
SECONDS_PER_MONTH = 30 * SECONDS_PER_DAY  # the month `sluice cost` prices


class Load(BaseModel, frozen=True):
    files_per_day: float = Field(default=0, ge=0)  # S3 objects created, one pipeline run each
    records_per_second: float = Field(default=0, ge=0)  # into each Kinesis stream a function consumes
    executions_per_second: float = Field(default=0, ge=0)  # for a bare state machine: started directly
    payload_bytes: int = Field(default=1_024, ge=1)  # one Kinesis record
    # Files rarely arrive evenly over a day: the peak rate is this many times the mean.
    peak_factor: float = Field(default=1.0, ge=1)
    function_seconds: float = Field(default=0.2, gt=0)  # one invocation of a triggered function
    task_seconds: float = Field(default=1.0, gt=0)  # one Task attempt inside a state machine
    map_items: int = Field(default=10, ge=0)
    # Powertools idempotency: a conditional put claims the event, an update stores the result.
    idempotency_writes: int = Field(default=2, ge=0)

    @property
    def files_per_second(self) -> float:
        return self.files_per_day / SECONDS_PER_DAY * self.peak_factor

    def notes(self) -> list[str]:
        return [
            f"a triggered function's invocation takes {self.function_seconds:g} s; a Task attempt "
            f"{self.task_seconds:g} s; a Map runs {self.map_items} items",
            f"files arrive at {self.peak_factor:g}x their daily mean rate",
            "each triggered function starts one execution of each state machine it refers to, per invocation",
            f"each invocation of a function that refers to a DynamoDB table writes {self.idempotency_writes} "
            "items of ≤ 1 KB (Powertools idempotency: claim, then store the result)",
            "Lambda polls each shard once per second, so a batch holds what arrived in max(1 s, batching "
            "window), up to BatchSize",
            "a month is 30 days; state machines are priced on their longest happy path (every step ran)",
        ]
