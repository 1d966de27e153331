"""Activities: Task states whose work a worker outside the engine takes, and answers.

A Task whose `Resource` is an activity ARN (`arn:aws:states:<region>:<account>:activity:<name>`)
is queued on that activity (history: `ActivityScheduled`). A worker polls with GetActivityTask,
gets the oldest queued task's token and input (`ActivityStarted`, with the `workerName` it gave,
or `{}`), and answers with SendTaskSuccess / SendTaskFailure (`ActivitySucceeded` /
`ActivityFailed`), keeping a long task alive with SendTaskHeartbeat. Timeouts are
`ActivityTimedOut` with `States.Timeout` / `States.HeartbeatTimeout`.

The wait is a *held* task token (`sluice.asl.callbacks`), so it is an outside wait on the virtual
clock (ADR 0007): "run until idle" never fires its TimeoutSeconds (counted from the scheduling) or
its HeartbeatSeconds (counted from the pick-up, as LocalStack's AWS-validated emulation arms it),
`clock.advance()` does. Its token is known to nobody before a worker takes the task.

A Task on an activity that does not exist fails the execution with `States.Runtime`, "The activity
<arn> does not exist.", before any activity event — no `ActivityScheduleFailed`: that is what AWS
recorded for an activity deleted before the execution (LocalStack's AWS-validated snapshot
`test_activities.py::test_activity_task_on_deleted`).

GetActivityTask long-polls for up to 60 seconds on AWS, then answers with no task. On the virtual
clock `take` answers at once: a poll that blocked would block the very clock that has to produce
the task, and the engine has already run until idle after StartExecution, so a task the execution
schedules is queued by the time the worker polls. On a real-time clock (`sluice serve --real-time`)
`poll` waits as AWS does.

Example:
    >>> activity = engine.create_activity("approve")
    >>> engine.activities.take(activity.arn, "worker-1") is None  # nothing queued yet
    True
"""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from sluice.asl.errors import ErrorName, StatesError

if TYPE_CHECKING:
    from sluice.asl.callbacks import TaskTokens
    from sluice.asl.tasks.dispatch import TaskRequest

# AWS: "GetActivityTask … holds the HTTP connection open for up to 60 seconds".
POLL_SECONDS = 60.0
# Activity task tokens derive from the task's request id: reproducible under a seed, one per attempt.
_TOKEN_NAMESPACE = uuid.UUID("5c1e0a2b-7d4f-4b8e-9a61-3f0c2d9e8b17")


@dataclass(frozen=True)
class Activity:
    """One activity, as DescribeActivity shows it (`creation_date`: epoch seconds)."""

    name: str
    arn: str
    creation_date: float


@dataclass
class ActivityTask:
    """A task queued on an activity until a worker takes it."""

    token: str
    input: Any
    taken: asyncio.Future[None] = field(repr=False)
    on_started: Callable[[str | None], object] | None = field(default=None, repr=False)


class ActivityDoesNotExist(LookupError):
    """An API call naming an activity that does not exist (the API's `ActivityDoesNotExist`)."""


class Activities:
    """The activities of one engine and the tasks queued on each, answered through `tokens`."""

    def __init__(self, tokens: TaskTokens) -> None:
        self.tokens = tokens
        self._activities: dict[str, Activity] = {}
        self._queues: dict[str, deque[ActivityTask]] = {}
        self._arrivals: dict[str, list[asyncio.Future[None]]] = {}

    # -- CreateActivity / DescribeActivity / ListActivities / DeleteActivity --------------

    def create(self, name: str, arn: str, *, created: float) -> Activity:
        """Register an activity; creating one that exists returns it unchanged (AWS: idempotent)."""
        return self._activities.setdefault(arn, Activity(name, arn, created))

    def get(self, arn: str) -> Activity:
        activity = self._activities.get(arn)
        if activity is None:
            raise ActivityDoesNotExist(f"Activity Does Not Exist: '{arn}'")
        return activity

    def all(self) -> list[Activity]:
        """Every activity, oldest first (ListActivities)."""
        return list(self._activities.values())

    def delete(self, arn: str) -> None:
        """Forget the activity (AWS: idempotent). Its queued tasks can no longer be taken: they wait
        until their TimeoutSeconds, or the execution's."""
        self._activities.pop(arn, None)

    def queued(self, arn: str) -> list[ActivityTask]:
        """Tasks waiting for a worker of `arn`, oldest first (handy in tests)."""
        return list(self._queues.get(arn, ()))

    # -- the engine's side ----------------------------------------------------------------

    def check(self, arn: str) -> None:
        """Before a Task schedules on `arn`: a missing activity fails the state (see the module docstring)."""
        if arn not in self._activities:
            raise StatesError(ErrorName.RUNTIME, f"The activity {arn} does not exist.", contextual=True)

    async def perform(self, request: TaskRequest) -> Any:
        """Queue the task for a worker, then wait for the answer to its token."""
        token = str(uuid.uuid5(_TOKEN_NAMESPACE, request.request_id))
        task = ActivityTask(token, request.parameters, asyncio.get_running_loop().create_future(),
                            request.on_started)
        # No TaskSubmitted for an activity: a worker taking it is its ActivityStarted.
        waiting = dataclasses.replace(request, task_token=token, on_submitted=None)
        return await self.tokens.run(waiting, partial(self._queued, task), held=True)

    async def _queued(self, task: ActivityTask, request: TaskRequest) -> None:
        arn = request.resource.arn
        queue = self._queues.setdefault(arn, deque())
        queue.append(task)
        for arrival in self._arrivals.pop(arn, []):
            if not arrival.done():
                arrival.set_result(None)
        try:
            await task.taken
        finally:
            # Timed out or stopped before a worker came: no worker may get it any more.
            if task in queue:
                queue.remove(task)

    # -- GetActivityTask --------------------------------------------------------------------

    def take(self, arn: str, worker: str | None = None) -> ActivityTask | None:
        """Hand the oldest task queued on `arn` to a worker, or None when none is queued.

        The token is answerable from this moment (also by a handler the clock is running, before
        the execution's coroutine resumes), and ActivityStarted is recorded now.
        """
        self.get(arn)
        queue = self._queues.get(arn)
        if not queue:
            return None
        task = queue.popleft()
        self.tokens.release(task.token)
        if task.on_started is not None:
            task.on_started(worker)
        task.taken.set_result(None)
        return task

    async def poll(self, arn: str, worker: str | None = None, *, seconds: float = POLL_SECONDS) -> ActivityTask | None:
        """`take`, waiting up to `seconds` for a task to be queued (a real-time clock's long poll)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while (task := self.take(arn, worker)) is None and (remaining := deadline - loop.time()) > 0:
            arrival: asyncio.Future[None] = loop.create_future()
            self._arrivals.setdefault(arn, []).append(arrival)
            await asyncio.wait((arrival,), timeout=remaining)
            if not arrival.done():  # nothing came in time
                self._arrivals[arn].remove(arrival)
        return task
