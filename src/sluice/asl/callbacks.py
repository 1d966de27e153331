"""Task tokens: `.waitForTaskToken` callbacks, answered by SendTaskSuccess/Failure/Heartbeat.

A Task whose resource ends in `.waitForTaskToken` makes its call (e.g. sends an SQS message that
carries `$$.Task.Token`), records `TaskSubmitted`, and then waits — for as long as it takes — until
someone calls `SendTaskSuccess` / `SendTaskFailure` with that token. The wait is an asyncio future
on the engine's clock, registered as an `OutsideWait`: the virtual clock does not jump onto its
deadline (`TimeoutSeconds`, the next `HeartbeatSeconds`, the execution's own timeout), because
whether it passes unanswered is up to a party outside the engine. "Run until idle" returns with the
task waiting; `clock.advance()` or `run_until_idle(fire_callback_timeouts=True)` let it pass.

`HeartbeatSeconds` is a timer on the same clock, restarted by each `SendTaskHeartbeat`; when it
runs out the task fails with `States.HeartbeatTimeout`. A token is only good while its task waits:
afterwards (answered, timed out, execution stopped) AWS answers `TaskTimedOut`.

An activity task (`sluice.asl.tasks.activities`) waits here too, but *held* until a worker takes it
with GetActivityTask (`release`): until then nobody outside knows its token, so it cannot be
answered, and its HeartbeatSeconds do not run yet (only TimeoutSeconds, from the scheduling).

Example:
    >>> tokens = TaskTokens()
    >>> tokens.succeed("not a token", {})
    Traceback (most recent call last):
    ...
    sluice.asl.callbacks.TaskTokenError: InvalidToken: Invalid token: 'not a token'
"""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sluice.asl.clock import running_clock
from sluice.asl.errors import ErrorName, StatesError

if TYPE_CHECKING:
    from sluice.asl.tasks.dispatch import TaskRequest

# AWS: a task token is 1 to 1024 characters long.
MAX_TOKEN_LENGTH = 1024
_TOKEN = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class TaskTokenError(Exception):
    """A SendTask* call that AWS rejects; `code` is its API error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass
class PendingTask:
    """A task waiting for its token, as `TaskTokens.pending()` lists it (times are clock times)."""

    token: str
    execution_arn: str
    state_name: str
    heartbeat_seconds: float | None
    future: asyncio.Future[Any] = field(repr=False)
    started: float = 0.0
    last_beat: float = 0.0
    timeout_seconds: float | None = None
    execution_deadline: float = math.inf
    # Set by SendTaskHeartbeat: wakes the heartbeat wait so that its timer moves with the beat.
    beat: asyncio.Future[None] | None = field(default=None, repr=False)
    # An activity task no worker has taken yet (see the module docstring).
    held: bool = False

    def deadline(self) -> float:
        """When time alone ends the wait: TimeoutSeconds counts from the start whatever the
        heartbeats (SendTaskHeartbeat API reference), HeartbeatSeconds from the last beat."""
        ends = [self.execution_deadline]
        if self.timeout_seconds is not None:
            ends.append(self.started + self.timeout_seconds)
        if self.heartbeat_seconds is not None and not self.held:
            ends.append(self.last_beat + self.heartbeat_seconds)
        return min(ends)


class TaskTokens:
    """The callbacks of one engine, keyed by task token."""

    def __init__(self) -> None:
        self._pending: dict[str, PendingTask] = {}
        self._closed: set[str] = set()

    def pending(self) -> list[PendingTask]:
        """Tasks waiting for a callback right now, oldest first (handy in tests); held activity
        tasks are not listed: nobody can answer them yet."""
        return [waiting for waiting in self._pending.values() if not waiting.held]

    async def run(self, request: TaskRequest, call: Callable[[TaskRequest], Awaitable[Any]], *,
                  held: bool = False) -> Any:
        """Make the task's call, report it submitted, then wait for its token to be answered.

        `held=True`: the token cannot be answered, nor its heartbeat run out, before `release`.
        """
        token = request.task_token
        assert token is not None, "waitForTaskToken tasks always carry a token"
        loop = asyncio.get_running_loop()
        waiting = PendingTask(token, request.execution_arn, request.state_name, request.heartbeat_seconds,
                              loop.create_future(), started=loop.time(), last_beat=loop.time(),
                              timeout_seconds=request.timeout_seconds,
                              execution_deadline=request.execution_deadline, held=held)
        # Registered before the call: an in-process Lambda may answer while it is being invoked.
        self._pending[token] = waiting
        try:
            with running_clock().outside_wait(waiting):
                submitted = await call(request)
                if request.on_submitted is not None:
                    request.on_submitted(submitted)
                return await self._answer(waiting)
        finally:
            self._pending.pop(token, None)
            self._closed.add(token)
            if not waiting.future.done():
                waiting.future.cancel()

    def release(self, token: str) -> None:
        """A worker took the held task: its token is answerable and its heartbeat runs from now."""
        waiting = self._pending[token]
        waiting.held = False
        waiting.last_beat = waiting.future.get_loop().time()

    # -- SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat ----------------------------

    def succeed(self, token: str, output: Any) -> None:
        waiting = self._waiting(token)
        waiting.future.set_result(output)

    def fail(self, token: str, error: str | None, cause: str | None) -> None:
        waiting = self._waiting(token)
        # AWS leaves the error name empty when the caller gives none; Catch matches it with States.ALL.
        waiting.future.set_exception(StatesError(error or "", cause))

    def heartbeat(self, token: str) -> None:
        waiting = self._waiting(token)
        waiting.last_beat = waiting.future.get_loop().time()
        if waiting.beat is not None and not waiting.beat.done():
            waiting.beat.set_result(None)

    # -- internals -----------------------------------------------------------------------

    def _waiting(self, token: str) -> PendingTask:
        waiting = self._pending.get(token)
        if waiting is not None and waiting.held:
            waiting = None  # known to no worker yet: answered as an unknown token
        elif waiting is not None and not waiting.future.done():
            return waiting
        if waiting is not None or token in self._closed:
            raise TaskTokenError("TaskTimedOut", "Task Timed Out: 'Provided task does not exist anymore'")
        if not 1 <= len(token) <= MAX_TOKEN_LENGTH or not _TOKEN.match(token):
            raise TaskTokenError("InvalidToken", f"Invalid token: '{token}'")
        raise TaskTokenError("TaskDoesNotExist", f"Task does not exist: '{token}'")

    async def _answer(self, waiting: PendingTask) -> Any:
        if waiting.heartbeat_seconds is None:
            return await waiting.future
        loop = asyncio.get_running_loop()
        while True:
            remaining = waiting.last_beat + waiting.heartbeat_seconds - loop.time()
            if remaining <= 0:
                raise StatesError(ErrorName.HEARTBEAT_TIMEOUT, None)
            # One timer, at the heartbeat deadline: a beat replaces it at once (no timer at the
            # old deadline that the clock would jump to for nothing), and asyncio.wait leaves the
            # answer's future alone when it times out.
            waiting.beat = loop.create_future()
            await asyncio.wait((waiting.future, waiting.beat), timeout=remaining,
                               return_when=asyncio.FIRST_COMPLETED)
            if waiting.future.done():
                return waiting.future.result()
