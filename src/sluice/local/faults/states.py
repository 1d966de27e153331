"""Step Functions faults at the engine's Task dispatcher: fail a named Task state, and stop an
execution midway as `StopExecution` does (status ABORTED, `ExecutionAborted` in its history).

Example:
    >>> engine = Engine(dispatcher=StateFaults(TracingDispatcher(base, trace), faults, late_engine), ...)
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sluice.asl.errors import StatesError
from sluice.asl.tasks.dispatch import TaskDispatcher, TaskRequest

if TYPE_CHECKING:
    from sluice.asl import Engine
    from sluice.asl.callbacks import TaskTokens
    from sluice.asl.execution import Execution
    from sluice.asl.tasks.activities import Activities
    from sluice.local.faults.api import Faults


class StateFaults(TaskDispatcher):
    """Wraps the engine's dispatcher; Task states reach `base` unless a fault fires."""

    def __init__(self, base: TaskDispatcher, faults: Faults, engine: Callable[[], Engine]) -> None:
        # `engine` is the engine this dispatcher is given to, built after it (`sluice.local.late`).
        super().__init__(base.lambdas, base.resolver, virtual_sleep=base.virtual_sleep)
        self.base = base
        self.faults = faults
        self.engine = engine
        self._timed: set[str] = set()

    @property
    def tokens(self) -> TaskTokens:
        # `.waitForTaskToken` tasks wait on the base's tokens: SendTaskSuccess must find them there.
        return self.base.tokens

    @property
    def activities(self) -> Activities:
        # Activity tasks queue on the base's activities: GetActivityTask must find them there.
        return self.base.activities

    async def perform(self, request: TaskRequest) -> Any:
        execution = self._execution(request.execution_arn)
        machine = self.faults.names(execution.state_machine_arn) if execution is not None else None
        if execution is None or machine is None:
            return await self.base.perform(request)
        self._arm_timed_stops(execution, machine)
        for rule in self.faults.states:
            if rule.state_machine == machine and rule.state == request.state_name \
                    and rule.budget.take(self.faults.random):
                self.faults.record("state", f"{machine}.{rule.state}", f"{rule.error}: {rule.cause}".rstrip(": "),
                                   execution=execution.name)
                raise StatesError(rule.error, rule.cause or None)
        result = await self.base.perform(request)
        for stop in self.faults.stops:
            if stop.state_machine == machine and stop.after_state == request.state_name \
                    and stop.budget.take(self.faults.random):
                self._stop(execution, machine, f"stopped after {request.state_name}", stop.error, stop.cause)
                await asyncio.sleep(0)  # the execution's task is cancelled: it ends here
        return result

    def _arm_timed_stops(self, execution: Execution, machine: str) -> None:
        """Stops `at` seconds after the start are scheduled when an execution's first Task runs."""
        if execution.arn in self._timed:
            return
        self._timed.add(execution.arn)
        for stop in self.faults.stops:
            if stop.state_machine == machine and stop.at is not None and stop.budget.take(self.faults.random):
                delay = max(execution.start_time + stop.at - self.faults.clock(), 0.0)
                self.faults.loop.call_later(delay, self._stop, execution, machine, f"stopped at +{stop.at:g}s",
                                            stop.error, stop.cause)

    def _stop(self, execution: Execution, machine: str, effect: str, error: str | None, cause: str | None) -> None:
        if execution.done:
            return
        self.faults.record("stop", machine, f"{effect}: ABORTED", execution=execution.name)
        self.engine().stop_execution(execution, error=error, cause=cause)

    def _execution(self, arn: str) -> Execution | None:
        # Distributed Map children have ARNs below their parent's: `<execution arn>/<label>`.
        top = arn.split("/", 1)[0]
        for machine in self.engine().state_machines.values():
            for execution in machine.executions.values():
                if execution.arn == top:
                    return execution
        return None
