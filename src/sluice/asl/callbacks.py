"""Task tokens: `.waitForTaskToken` callbacks, answered by SendTaskSuccess/Failure/Heartbeat.

A Task whose resource ends in `.waitForTaskToken` makes its call (e.g. sends an SQS message that
carries `$$.Task.Token`), records `TaskSubmitted`, and then waits — for as long as it takes — until
someone calls `SendTaskSuccess` / `SendTaskFailure` with that token. The wait is an asyncio future
on the engine's clock, so an execution that waits for a token leaves the world idle: a virtual
clock does not run ahead while nothing but an outside answer can move it.

`HeartbeatSeconds` is a timer on the same clock, restarted by each `SendTaskHeartbeat`; when it
runs out the task fails with `States.HeartbeatTimeout`. A token is only good while its task waits:
afterwards (answered, timed out, execution stopped) AWS answers `TaskTimedOut`.

Example:
    >>> tokens = TaskTokens()
    >>> tokens.succeed("not a token", {})
    Traceback (most recent call last):
    ...
    sluice.asl.callbacks.TaskTokenError: InvalidToken: Invalid token: 'not a token'
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

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
    """A task waiting for its token, as `TaskTokens.pending()` lists it."""

    token: str
    execution_arn: str
    state_name: str
    heartbeat_seconds: float | None
    future: asyncio.Future[Any] = field(repr=False)
    last_beat: float = 0.0


class TaskTokens:
    """The callbacks of one engine, keyed by task token."""

    def __init__(self) -> None:
        self._pending: dict[str, PendingTask] = {}
        self._closed: set[str] = set()

    def pending(self) -> list[PendingTask]:
        """Tasks waiting for a callback right now, oldest first (handy in tests)."""
        return list(self._pending.values())

    async def run(self, request: TaskRequest, call: Callable[[TaskRequest], Awaitable[Any]]) -> Any:
        """Make the task's call, report it submitted, then wait for its token to be answered."""
        token = request.task_token
        assert token is not None, "waitForTaskToken tasks always carry a token"
        loop = asyncio.get_running_loop()
        waiting = PendingTask(token, request.execution_arn, request.state_name, request.heartbeat_seconds,
                              loop.create_future(), loop.time())
        # Registered before the call: an in-process Lambda may answer while it is being invoked.
        self._pending[token] = waiting
        try:
            submitted = await call(request)
            if request.on_submitted is not None:
                request.on_submitted(submitted)
            return await self._answer(waiting)
        finally:
            self._pending.pop(token, None)
            self._closed.add(token)
            if not waiting.future.done():
                waiting.future.cancel()

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

    # -- internals -----------------------------------------------------------------------

    def _waiting(self, token: str) -> PendingTask:
        waiting = self._pending.get(token)
        if waiting is not None and not waiting.future.done():
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
            try:
                # shield: a heartbeat timeout must not cancel the future an answer may still set.
                return await asyncio.wait_for(asyncio.shield(waiting.future), remaining)
            except TimeoutError:
                continue
