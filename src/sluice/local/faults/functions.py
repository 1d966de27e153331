"""Function faults: an invocation fails, times out, or crashes around an AWS call.

The Lambda runtime runs each handler inside `InvocationGuard(invocation)`. A fault that fires at
the start raises `InvocationAborted` before the handler runs; faults tied to a call are *armed*
for the duration of the handler, and the botocore hooks (`sluice.local.faults.calls`) fire them
just before the call is sent or just after it returned. `InvocationAborted` is a `BaseException`,
so the handler's `except Exception` cannot swallow it, exactly as it cannot stop its process from
being killed.

What the invocation then reports is what Lambda reports (Lambda Developer Guide, "Troubleshoot
invocation issues"): `Runtime.ExitError` with "RequestId: … Error: Runtime exited with error: exit
status 1" for a process exit, `Sandbox.Timedout` with "Task timed out after N.00 seconds" for a
timeout (both reset the execution environment: the next invocation is a cold start).

Example:
    >>> runtime = LambdaRuntime(specs, ..., guard=InvocationGuard(faults, specs))
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sluice.asl.tasks.lambda_runtime import SANDBOX_TIMEOUT
from sluice.local.lambda_.invocation import FunctionError, Invocation
from sluice.local.lambda_.runtime import InvocationAborted

if TYPE_CHECKING:
    from sluice.local.faults.api import Faults
    from sluice.local.faults.rules import FunctionFault
    from sluice.local.lambda_.spec import FunctionSpec


@dataclass
class _Armed:
    """Faults waiting for a call of one running invocation. Work the handler *scheduled* inherits
    the context variable too, so `running` tells whether the invocation is still the caller."""

    invocation: Invocation
    rules: list[FunctionFault]
    running: bool = True


_armed: ContextVar[_Armed | None] = ContextVar("sluice_armed_faults", default=None)


class InvocationGuard:
    """The runtime's `guard`: fires the function faults of each invocation."""

    def __init__(self, faults: Faults, specs: Mapping[str, FunctionSpec]) -> None:
        self.faults = faults
        self.timeouts = {logical_id: spec.timeout for logical_id, spec in specs.items()}

    @contextmanager
    def __call__(self, invocation: Invocation) -> Iterator[None]:
        rules = [rule for rule in self.faults.functions if rule.function == invocation.function]
        for rule in rules:
            if rule.before is None and rule.after is None and rule.budget.take(self.faults.random):
                raise self._abort(rule, invocation, "at the start")
        armed = _Armed(invocation, [rule for rule in rules if rule.before is not None or rule.after is not None])
        token = _armed.set(armed if armed.rules else None)
        try:
            yield
        finally:
            armed.running = False
            _armed.reset(token)

    def before_call(self, service: str, operation: str) -> None:
        """A handler is about to make this call: crash (or fail) first if a rule says so."""
        self._at_call(service, operation, before=True)

    def after_call(self, service: str, operation: str) -> None:
        """The call returned (it took effect): crash (or fail) now if a rule says so."""
        self._at_call(service, operation, before=False)

    def _at_call(self, service: str, operation: str, *, before: bool) -> None:
        armed = _armed.get()
        if armed is None or not armed.running:
            return
        for rule in armed.rules:
            point = rule.before if before else rule.after
            if point is not None and point.matches(service, operation) and rule.budget.take(self.faults.random):
                where = f"{'before' if before else 'after'} {service}:{operation}"
                raise self._abort(rule, armed.invocation, where)

    def _abort(self, rule: FunctionFault, invocation: Invocation, where: str) -> InvocationAborted:
        request_id = invocation.request_id
        if rule.effect == "crash":
            error = FunctionError("Runtime.ExitError",
                                  f"RequestId: {request_id} Error: Runtime exited with error: exit status 1")
        elif rule.effect == "timeout":
            seconds = self.timeouts.get(invocation.function, 3.0)
            error = FunctionError(SANDBOX_TIMEOUT,
                                  f"RequestId: {request_id} Error: Task timed out after {seconds:.2f} seconds")
        else:
            error = FunctionError(rule.error_type, rule.message)
        self.faults.record("function", invocation.function, f"{rule.effect} {where}: {error.error_type}",
                           request_id=request_id)
        return InvocationAborted(error, cold=rule.effect != "error")
