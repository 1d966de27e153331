"""`Retry` and `Catch`: which errors a rule matches, how long to back off, what a catch emits.

Matching follows the ASL error docs:
- `States.ALL` matches any error name except `States.Runtime` and `States.DataLimitExceeded`
  (terminal errors "that can't be caught by States.ALL"), but a task's own oversized result is a
  task failure that it does match (`StatesError.task_failure`; AWS recordings);
- `States.TaskFailed` acts as a wildcard for any error except `States.Timeout` (and the same
  terminal errors);
- `States.Runtime` is never retried or caught.
Back-off: `IntervalSeconds * BackoffRate ** attempt`, capped by `MaxDelaySeconds`; with
`JitterStrategy: FULL` the wait is drawn uniformly from [0, that delay) with the execution's
seeded RNG, so a run is reproducible.

Example:
    >>> rule = Retrier.from_definition({"ErrorEquals": ["States.ALL"], "IntervalSeconds": 2})
    >>> rule.delay(attempt=1, rng=random.Random(0))
    4.0
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from sluice.asl.errors import ErrorName

_UNCATCHABLE_BY_WILDCARD = {ErrorName.RUNTIME, ErrorName.DATA_LIMIT_EXCEEDED}


def error_matches(error_equals: tuple[str, ...], error: str, *, task_failure: bool = False) -> bool:
    if error == ErrorName.RUNTIME:
        return False
    terminal = error in _UNCATCHABLE_BY_WILDCARD and not (task_failure and error == ErrorName.DATA_LIMIT_EXCEEDED)
    for name in error_equals:
        if name == error:
            return True
        if terminal:
            continue
        if name == ErrorName.ALL:
            return True
        if name == ErrorName.TASK_FAILED and error != ErrorName.TIMEOUT:
            return True
    return False


@dataclass(frozen=True)
class Retrier:
    error_equals: tuple[str, ...]
    interval_seconds: float = 1.0
    max_attempts: int = 3
    backoff_rate: float = 2.0
    max_delay_seconds: float | None = None
    full_jitter: bool = False

    @classmethod
    def from_definition(cls, rule: dict[str, Any]) -> Retrier:
        return cls(
            error_equals=tuple(rule["ErrorEquals"]),
            interval_seconds=rule.get("IntervalSeconds", 1),
            max_attempts=rule.get("MaxAttempts", 3),
            backoff_rate=rule.get("BackoffRate", 2.0),
            max_delay_seconds=rule.get("MaxDelaySeconds"),
            full_jitter=rule.get("JitterStrategy", "NONE") == "FULL",
        )

    def matches(self, error: str, *, task_failure: bool = False) -> bool:
        return error_matches(self.error_equals, error, task_failure=task_failure)

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Seconds to wait before retry number `attempt + 1` (attempt counts from 0)."""
        delay = self.interval_seconds * self.backoff_rate**attempt
        if self.max_delay_seconds is not None:
            delay = min(delay, self.max_delay_seconds)
        if self.full_jitter:
            delay = rng.uniform(0, delay)
        return float(delay)


@dataclass(frozen=True)
class Catcher:
    error_equals: tuple[str, ...]
    next: str
    result_path: str | None
    output: Any
    assign: dict[str, Any] | None

    @classmethod
    def from_definition(cls, rule: dict[str, Any]) -> Catcher:
        return cls(
            error_equals=tuple(rule["ErrorEquals"]),
            next=rule["Next"],
            result_path=rule.get("ResultPath", "$"),
            output=rule.get("Output"),
            assign=rule.get("Assign"),
        )

    def matches(self, error: str, *, task_failure: bool = False) -> bool:
        return error_matches(self.error_equals, error, task_failure=task_failure)


def error_output(error: str, cause: str | None) -> dict[str, Any]:
    """The object a Catch hands on: `{"Error": ..., "Cause": ...}` (no Cause when there is none)."""
    output: dict[str, Any] = {"Error": error}
    if cause is not None:
        output["Cause"] = cause
    return output
