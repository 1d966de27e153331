"""Attribute work to its place in the trace: a Task state's Lambda calls and AWS calls belong to
that state of that execution; an invocation is an activity of its own.

The engine runs Task states through its `TaskDispatcher`; `TracingDispatcher` wraps it so that,
while a Task is being performed, the trace's current activity is the execution's and a context
variable names the state.

Example:
    >>> engine = Engine(dispatcher=TracingDispatcher(TaskDispatcher(runtime, integrations), trace), ...)
    >>> runtime = LambdaRuntime(specs, ..., observer=invocation_observer(trace))
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from typing import Any

from sluice.asl.tasks.dispatch import TaskDispatcher, TaskRequest
from sluice.local.lambda_.invocation import Invocation
from sluice.local.trace import FAILED, OK, RUNNING, Activity, Trace

# The Task state whose work is being done, with the execution's activity.
_task_state: ContextVar[tuple[str, Activity | None] | None] = ContextVar("sluice_task_state", default=None)


def task_state(trace: Trace) -> str | None:
    """The Task state making the current call, if the call comes straight from a Task."""
    task = _task_state.get()
    # Work a task's handler *scheduled* inherits the context variable too, but is not part of
    # the state: only calls made directly under the execution count.
    return task[0] if task is not None and task[1] is trace.current() else None


class TracingDispatcher(TaskDispatcher):
    """The engine's dispatcher, recording each Task under its execution in the trace."""

    def __init__(self, base: TaskDispatcher, trace: Trace) -> None:
        super().__init__(base.lambdas, base.resolver, virtual_sleep=base.virtual_sleep)
        self.trace = trace

    async def perform(self, request: TaskRequest) -> Any:
        # Distributed Map children have ARNs below their parent's: `<execution arn>/<label>`.
        execution = self.trace.by_execution.get(request.execution_arn.split("/", 1)[0])
        parent = execution or self.trace.current()
        token = _task_state.set((request.state_name, parent))
        try:
            with self.trace.within(parent):
                return await super().perform(request)
        finally:
            _task_state.reset(token)


def invocation_observer(trace: Trace) -> Callable[[Invocation], AbstractContextManager[None]]:
    """The runtime's observer: each invocation becomes an activity, current while it runs."""

    @contextmanager
    def observe(invocation: Invocation) -> Iterator[None]:
        title = invocation.function
        if invocation.attempt > 1:
            title += f" (attempt {invocation.attempt})"
        activity = trace.record("invoke", title, ref=invocation, status=RUNNING, state=task_state(trace))
        with trace.within(activity):
            yield
        activity.status = OK if invocation.ok else FAILED

    return observe
