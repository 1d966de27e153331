"""Fault rules: what to break, where, and how often.

Every rule has a `Budget`: `times` (None = always) and `probability` (drawn from the stack's seeded
random source, so a seed replays the same faults). Calls are named as in IAM policies:
`service:Operation`, with `*` wildcards (`dynamodb:*`, `s3:Put*`) and IAM service prefixes
(`states:StartExecution` is botocore's `stepfunctions` StartExecution).

Example:
    >>> CallPattern.parse("states:Start*").matches("stepfunctions", "StartExecution")
    True
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any, Literal

from sluice.local.faults.errors import AwsError, FaultError, botocore_service

# What a function fault does: a handled function error, Lambda's timeout, or a process exit.
FunctionEffect = Literal["error", "timeout", "crash"]
DeliveryEffect = Literal["duplicate", "concurrent", "delay", "reorder"]


@dataclass
class Budget:
    """How often a rule fires: at most `times` (None: always), each time with `probability`."""

    times: int | None = 1
    probability: float = 1.0
    fired: int = 0

    def __post_init__(self) -> None:
        if self.times is not None and self.times < 1:
            raise FaultError(f"times must be at least 1 (or None for always), not {self.times}")
        if not 0.0 < self.probability <= 1.0:
            raise FaultError(f"probability must be in (0, 1], not {self.probability}")

    def take(self, rng: random.Random) -> bool:
        """Spend one firing if the rule may fire now (draws only when probability < 1)."""
        if self.times is not None and self.fired >= self.times:
            return False
        if self.probability < 1.0 and rng.random() >= self.probability:
            return False
        self.fired += 1
        return True


@dataclass(frozen=True)
class CallPattern:
    """`service:Operation` with `*` wildcards, in botocore's service names."""

    text: str
    service: str
    operation: str

    @classmethod
    def parse(cls, text: str) -> CallPattern:
        prefix, _, operation = text.partition(":")
        if not prefix or not operation:
            raise FaultError(f"a call is named service:Operation (e.g. s3:PutObject, dynamodb:*), not {text!r}")
        return cls(text, botocore_service(prefix.strip().lower()), operation.strip())

    def matches(self, service: str, operation: str) -> bool:
        return fnmatchcase(service, self.service) and fnmatchcase(operation, self.operation)


@dataclass
class ApiFault:
    """Answer matching AWS calls with `error` instead of the service."""

    call: CallPattern
    error: AwsError
    budget: Budget
    when: Callable[[dict[str, Any]], bool] | None = None

    def applies(self, service: str, operation: str, params: dict[str, Any], rng: random.Random) -> bool:
        if not self.call.matches(service, operation):
            return False
        if self.when is not None and not self.when(params):
            return False
        return self.budget.take(rng)


@dataclass
class FunctionFault:
    """End invocations of `function` (logical id) with `effect`, at once or around an AWS call."""

    function: str
    effect: FunctionEffect
    budget: Budget
    error_type: str = "Error"
    message: str = "injected fault"
    before: CallPattern | None = None
    after: CallPattern | None = None


@dataclass
class StateFault:
    """Fail Task state `state` of `state_machine` (logical id) with `error` / `cause`."""

    state_machine: str
    state: str
    error: str
    cause: str
    budget: Budget


@dataclass
class StopRule:
    """Stop executions of `state_machine` (ABORTED) once `after_state` has run, or `at` seconds
    after they started."""

    state_machine: str
    budget: Budget
    after_state: str | None = None
    at: float | None = None
    error: str | None = None
    cause: str | None = None


@dataclass
class DeliveryFault:
    """Misdeliver events bound for `target` (logical id of a function, state machine, queue…)."""

    target: str
    effect: DeliveryEffect
    budget: Budget
    copies: int = 2
    delay: float = 0.0
    window: float = 0.0
    order: Literal["reverse", "shuffle"] = "reverse"
    held: list[Callable[[], None]] = field(default_factory=list)
