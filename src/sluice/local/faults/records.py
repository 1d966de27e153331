"""The record of every fault injected: what, where, and when on the virtual clock.

Example:
    >>> stack.faults.injected[0]
    InjectedFault(kind='api', target='s3:PutObject', effect='SlowDown (HTTP 503)', at=1718096400.0, ...)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

FaultKind = Literal["api", "function", "state", "stop", "delivery"]


@dataclass(frozen=True)
class InjectedFault:
    """One injected fault. `target` names where (a call, a function, `Machine.State`, a delivery
    target); `effect` what happened; `at` is virtual time (epoch seconds)."""

    kind: FaultKind
    target: str
    effect: str
    at: float
    detail: dict[str, Any] = field(default_factory=dict, compare=False)
