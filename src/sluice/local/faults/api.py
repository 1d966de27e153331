"""`stack.faults`: break the local world on purpose, deterministically.

Rules are added here (or from a faults file, or a seeded random plan: `sluice.local.faults.config`)
and applied at the stack's seams: every AWS call made in the process (handlers, engine
integrations, tests) passes the botocore hooks, every handler runs inside the Lambda runtime's
guard, every Task state passes the engine's dispatcher, and every event passes the delivery seams.
Each fault that fires is appended to `injected` and recorded in `stack.trace` as a FAILED `fault`
activity under whatever it broke. Random decisions (`probability=`, shuffles) come from one
`random.Random` seeded by the stack's seed, so the same seed and the same rules inject the same
faults.

Injected API errors are answered at botocore's `before-call`, *above* botocore's retry handler:
the caller sees every injected error, as it would once the SDK's retries were exhausted. To
see what the SDK's own retries absorb, fail the call as many times as the SDK would try
(`times=3` for standard mode, 5 for legacy); `retried=` in `summary()` counts how often a caller
tried a call again after an injected error.

Example:
    >>> with LocalStack.from_template("template.yaml", seed=7) as stack:
    ...     stack.faults.fail("s3:PutObject", "SlowDown", times=1)
    ...     stack.faults.crash("IngestFunction", after="states:StartExecution")
    ...     stack.put_object("RawBucket", "in/a.csv", b"id\\n1\\n")
    ...     stack.run_until_idle()
    ...     [fault.kind for fault in stack.faults.injected]
    ['function', 'api']
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import re
from collections import Counter
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal

from sluice.local.faults.errors import AwsError, FaultError, aws_error, throttling_code
from sluice.local.faults.records import FaultKind, InjectedFault
from sluice.local.faults.rules import (
    ApiFault,
    Budget,
    CallPattern,
    DeliveryEffect,
    DeliveryFault,
    FunctionEffect,
    FunctionFault,
    StateFault,
    StopRule,
)
from sluice.local.trace import FAILED, Trace

if TYPE_CHECKING:
    from sluice.local.faults.config import FaultPlan

FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")
STATE_MACHINE_TYPES = ("AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine")


class Faults:
    """The fault rules of one stack and the record of what they injected."""

    def __init__(self, *, seed: int | str, clock: Callable[[], float], trace: Trace,
                 loop: asyncio.AbstractEventLoop, resources: Mapping[str, str],
                 names: Callable[[str], str | None], plan: FaultPlan | None = None) -> None:
        self.clock = clock
        self.trace = trace
        self.loop = loop
        self.resources = resources  # logical id → resource type, to check the names rules use
        self.names = names  # physical name / ARN → logical id
        self.random = random.Random(f"{seed}:faults")
        self.injected: list[InjectedFault] = []
        self.api: list[ApiFault] = []
        self.functions: list[FunctionFault] = []
        self.states: list[StateFault] = []
        self.stops: list[StopRule] = []
        self.deliveries: list[DeliveryFault] = []
        self._retried: Counter[str] = Counter()
        self._failed_calls: set[tuple[str, str, str]] = set()
        if plan is not None:
            self.apply(plan)

    # -- AWS API calls ------------------------------------------------------------------------

    def fail(self, call: str, code: str, *, times: int | None = 1, probability: float = 1.0,
             when: Callable[[dict[str, Any]], bool] | None = None, status: int | None = None,
             message: str | None = None) -> ApiFault:
        """Answer calls matching `call` (`s3:PutObject`, `dynamodb:*`) with AWS error `code` and
        its HTTP status. `when(params)` narrows it to some calls; `times=None` fails every one.

        Example:
            >>> stack.faults.fail("s3:PutObject", "SlowDown", when=lambda p: p["Key"].endswith(".json"))
        """
        pattern = CallPattern.parse(call)
        if "*" in pattern.service:
            raise FaultError(f"name one service in {call!r}: error codes differ between services")
        rule = ApiFault(pattern, aws_error(pattern.service, code, status=status, message=message),
                        Budget(times, probability), when)
        self.api.append(rule)
        return rule

    def throttle(self, call: str, *, times: int | None = 1, probability: float = 1.0,
                 when: Callable[[dict[str, Any]], bool] | None = None) -> ApiFault:
        """Throttle calls with the service's own throttling error (S3 `SlowDown` 503, DynamoDB
        `ProvisionedThroughputExceededException` 400, Lambda `TooManyRequestsException` 429…)."""
        service = CallPattern.parse(call).service
        return self.fail(call, throttling_code(service), times=times, probability=probability, when=when)

    def api_error(self, service: str, operation: str, params: dict[str, Any]) -> AwsError | None:
        """The error to answer this call with, if a rule fires (recorded)."""
        key = (service, operation, _identity(params))
        if key in self._failed_calls:
            self._retried[f"{service}:{operation}"] += 1
        for rule in self.api:
            if rule.applies(service, operation, params, self.random):
                self._failed_calls.add(key)
                error = rule.error
                self.record("api", f"{service}:{operation}", f"{error.code} (HTTP {error.status})",
                            rule=rule.call.text)
                return error
        self._failed_calls.discard(key)
        return None

    # -- functions and Task states ------------------------------------------------------------

    def fail_function(self, function: str, error_type: str = "Error", message: str = "injected fault", *,
                      times: int | None = 1, probability: float = 1.0, before: str | None = None,
                      after: str | None = None) -> FunctionFault:
        """Invocations of `function` fail with `error_type`/`message` (as if the handler raised it):
        before the handler runs, or before/after its first call matching `before`/`after`."""
        return self._function(function, "error", times, probability, before=before, after=after,
                              error_type=error_type, message=message)

    def timeout(self, function: str, *, times: int | None = 1, probability: float = 1.0,
                before: str | None = None, after: str | None = None) -> FunctionFault:
        """Invocations of `function` time out (`Sandbox.Timedout`, "Task timed out after N seconds"),
        at once or around a call; the execution environment is reset, as Lambda does."""
        return self._function(function, "timeout", times, probability, before=before, after=after)

    def crash(self, function: str, *, before: str | None = None, after: str | None = None,
              times: int | None = 1, probability: float = 1.0) -> FunctionFault:
        """The invocation's process dies (`Runtime.ExitError`) just before the call matching
        `before` is made (it takes no effect) or just after the call matching `after` returned (it
        took effect). The handler cannot catch it; the environment is reset.

        Example:
            >>> stack.faults.crash("IngestFunction", after="states:StartExecution")
        """
        if before is None and after is None:
            raise FaultError("crash needs before= or after= (an AWS call such as s3:PutObject)")
        return self._function(function, "crash", times, probability, before=before, after=after)

    def fail_state(self, state_machine: str, state: str, error: str = "States.TaskFailed", cause: str = "", *,
                   times: int | None = 1, probability: float = 1.0) -> StateFault:
        """Task state `state` of `state_machine` fails with `error`/`cause` instead of running
        (its Retry and Catch apply as to any Task failure)."""
        rule = StateFault(self._logical(state_machine, STATE_MACHINE_TYPES, "state machine"), state, error, cause,
                          Budget(times, probability))
        self.states.append(rule)
        return rule

    def stop_execution(self, state_machine: str, *, after_state: str | None = None, at: float | None = None,
                       times: int | None = 1, error: str | None = None, cause: str | None = None) -> StopRule:
        """Stop executions of `state_machine` as StopExecution does (ABORTED): once the Task state
        `after_state` has completed, or `at` seconds (virtual) after the execution started."""
        if (after_state is None) == (at is None):
            raise FaultError("stop_execution needs exactly one of after_state= or at=")
        rule = StopRule(self._logical(state_machine, STATE_MACHINE_TYPES, "state machine"), Budget(times),
                        after_state=after_state, at=at, error=error, cause=cause)
        self.stops.append(rule)
        return rule

    # -- event delivery ------------------------------------------------------------------------

    def duplicate(self, target: str, *, copies: int = 2, delay: float = 0.0, times: int | None = 1,
                  probability: float = 1.0) -> DeliveryFault:
        """Deliver events bound for `target` `copies` times (the extra copies `delay` seconds later),
        as at-least-once delivery may."""
        return self._delivery(target, "duplicate", times, probability, copies=copies, delay=delay)

    def concurrent(self, target: str, *, copies: int = 2, times: int | None = 1,
                   probability: float = 1.0) -> DeliveryFault:
        """Deliver events bound for `target` `copies` times at the same virtual instant."""
        return self._delivery(target, "concurrent", times, probability, copies=copies)

    def delay(self, target: str, seconds: float, *, times: int | None = 1, probability: float = 1.0) -> DeliveryFault:
        """Deliver events bound for `target` `seconds` late (virtual time)."""
        return self._delivery(target, "delay", times, probability, delay=seconds)

    def reorder(self, target: str, *, window: float = 60.0, order: Literal["reverse", "shuffle"] = "reverse",
                times: int | None = None, probability: float = 1.0) -> DeliveryFault:
        """Hold events bound for `target` for `window` seconds, then deliver them reversed or
        shuffled (by the seed). Every held event is delivered: none is lost."""
        return self._delivery(target, "reorder", times, probability, window=window, order=order)

    # -- the record -----------------------------------------------------------------------------

    def apply(self, plan: FaultPlan) -> None:
        """Add every rule of a plan (a faults file, or `random_plan`)."""
        plan.apply_to(self)

    def clear(self) -> None:
        """Remove every rule (what was injected stays recorded)."""
        for rules in (self.api, self.functions, self.states, self.stops, self.deliveries):
            rules.clear()

    def summary(self) -> dict[str, int]:
        """Counts of injected faults by kind, their `total`, and `retried`: how often a caller
        made a call again right after an injected error on it."""
        counts = Counter(fault.kind for fault in self.injected)
        return {**dict(sorted(counts.items())), "total": len(self.injected), "retried": sum(self._retried.values())}

    def record(self, kind: FaultKind, target: str, effect: str, **detail: Any) -> InjectedFault:
        fault = InjectedFault(kind, target, effect, self.clock(), detail)
        self.injected.append(fault)
        self.trace.record("fault", f"fault: {target} → {effect}", status=FAILED, ref=fault, **detail)
        return fault

    # -- internals ------------------------------------------------------------------------------

    def _function(self, function: str, effect: FunctionEffect, times: int | None, probability: float, *,
                  before: str | None, after: str | None, **extra: str) -> FunctionFault:
        if before is not None and after is not None:
            raise FaultError("give before= or after=, not both")
        rule = FunctionFault(self._logical(function, FUNCTION_TYPES, "function"), effect, Budget(times, probability),
                             before=CallPattern.parse(before) if before else None,
                             after=CallPattern.parse(after) if after else None, **extra)
        self.functions.append(rule)
        return rule

    def _delivery(self, target: str, effect: DeliveryEffect, times: int | None, probability: float,
                  **settings: Any) -> DeliveryFault:
        if settings.get("copies", 2) < 2:
            raise FaultError(f"{effect} needs copies of at least 2, not {settings['copies']}")
        if settings.get("delay", 0.0) < 0 or settings.get("window", 0.0) < 0:
            raise FaultError("delays and windows are seconds of virtual time, never negative")
        logical = self._logical(target, None, "resource")
        rule = DeliveryFault(logical, effect, Budget(times, probability), **settings)
        self.deliveries.append(rule)
        return rule

    def _logical(self, reference: str, types: tuple[str, ...] | None, what: str) -> str:
        logical = reference if reference in self.resources else self.names(reference)
        if logical is None or (types is not None and self.resources.get(logical) not in types):
            known = sorted(name for name, kind in self.resources.items() if types is None or kind in types)
            raise FaultError(f"no {what} {reference!r} in the template ({what}s: {', '.join(known) or 'none'})")
        return logical


def _identity(params: dict[str, Any]) -> str:
    """Enough of a call's parameters to tell a retry of it from another call, the same in every run:
    a body by its content, never by an object's address (`<_io.BytesIO object at 0x…>` differs from
    run to run, and a freed one's address may come back for the next call)."""
    return repr(sorted((key, _stable(value)) for key, value in params.items()))


_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def _stable(value: Any) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        return f"bytes:{hashlib.sha256(bytes(value)).hexdigest()}"
    getvalue = getattr(value, "getvalue", None)
    if callable(getvalue):  # an in-memory stream (botocore's PutObject Body): its content, unread
        content = getvalue()
        return _stable(content.encode() if isinstance(content, str) else content)
    return _ADDRESS.sub("", repr(value))[:200]
