"""Asynchronous invocation (`InvocationType=Event`), with Lambda's retry and failure semantics.

As documented in "Asynchronous invocation" and "Error handling and automatic retries": an event
is queued and the function runs soon after; on a function error Lambda tries again twice (after
one, then two more minutes) or as often as `MaximumRetryAttempts` says; an event older than
`MaximumEventAgeInSeconds` (six hours by default) is discarded; a throttled event is retried with
back-off (one second doubling to five minutes) until it is too old. Success and failure go to
`DestinationConfig` destinations as an invocation record; failures also to the dead-letter queue
(with `RequestID`/`ErrorCode`/`ErrorMessage` message attributes). All waiting happens on the
virtual clock, so a six-hour retry story completes in milliseconds.

Example:
    >>> request_id = invoker.submit("IngestFunction", event)
    >>> stack.run_until_idle()
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from sluice.local.lambda_.destinations import (
    ASYNC_ON_FAILURE,
    ASYNC_ON_SUCCESS,
    EVENT_AGE_EXCEEDED,
    RETRIES_EXHAUSTED,
    SUCCESS,
    Destination,
    InvocationRecord,
    Use,
    async_record,
)
from sluice.local.lambda_.invocation import ASYNC, LATEST, Invocation
from sluice.local.lambda_.runtime import FunctionNotRunnable, LambdaRuntime, LocalFunction, Throttled

# AWS: "one minute before the first retry, two minutes before the second".
RETRY_DELAYS = (60.0, 120.0)
THROTTLE_FIRST_DELAY = 1.0
THROTTLE_MAX_DELAY = 300.0


class DestinationSender(Protocol):
    def destination(self, destination: Destination, record: InvocationRecord, use: Use) -> bool: ...

    def dead_letter(self, destination: Destination, event: Any, *, request_id: str, error_message: str) -> bool: ...


@dataclass
class AsyncEvent:
    function: LocalFunction
    event: Any
    request_id: str
    received: float
    attempts: int = 0
    last: Invocation | None = None
    version: str = LATEST  # what an `Invoke` by version or alias runs (see `LambdaRuntime.call`)
    invoked_arn: str = ""  # the (qualified) ARN it was invoked by


class AsyncInvoker:
    """Queues and runs asynchronous invocations on the clock's event loop."""

    def __init__(self, runtime: LambdaRuntime, *, loop: asyncio.AbstractEventLoop, now: Callable[[], float],
                 sender: DestinationSender, on_dropped: Callable[[AsyncEvent, str], None]) -> None:
        self.runtime = runtime
        self.loop = loop
        self.now = now
        self.sender = sender
        self.on_dropped = on_dropped  # an event nothing kept: never silent
        self.pending: set[asyncio.Task[None]] = set()

    def submit(self, function: str, event: Any, *, request_id: str | None = None, version: str | None = None,
               invoked_arn: str | None = None) -> str:
        """Queue an event (raises FunctionNotFound at once, as the Invoke API would). It runs the
        version `function` names (an alias ARN: the alias's version), unless `version` and
        `invoked_arn` say (a caller that resolved `FunctionName` + `Qualifier`)."""
        local, target = self.runtime.target(function)
        queued = AsyncEvent(local, event, request_id or self.runtime.new_request_id(), self.now(),
                            version=version or target.version, invoked_arn=invoked_arn or target.arn)
        task = self.loop.create_task(self._process(queued))
        self.pending.add(task)
        task.add_done_callback(self.pending.discard)
        return queued.request_id

    async def _process(self, queued: AsyncEvent) -> None:
        config = queued.function.spec.async_config
        throttle_delay = THROTTLE_FIRST_DELAY
        while True:
            if self.now() - queued.received > config.maximum_event_age:
                self._fail(queued, EVENT_AGE_EXCEEDED)
                return
            try:
                invocation = self.runtime.call(queued.function.spec.logical_id, queued.event,
                                               request_id=queued.request_id, invocation_type=ASYNC,
                                               attempt=queued.attempts + 1, version=queued.version,
                                               invoked_arn=queued.invoked_arn)
            except Throttled:
                await asyncio.sleep(throttle_delay)
                throttle_delay = min(throttle_delay * 2, THROTTLE_MAX_DELAY)
                continue
            except FunctionNotRunnable as error:
                self.on_dropped(queued, str(error))
                return
            queued.attempts += 1
            queued.last = invocation
            if invocation.ok:
                if config.on_success is not None:
                    self.sender.destination(config.on_success, self._record(queued, SUCCESS), ASYNC_ON_SUCCESS)
                return
            if queued.attempts > config.maximum_retry_attempts:
                self._fail(queued, RETRIES_EXHAUSTED)
                return
            await asyncio.sleep(RETRY_DELAYS[min(queued.attempts - 1, len(RETRY_DELAYS) - 1)])

    def _fail(self, queued: AsyncEvent, condition: str) -> None:
        """Lambda discards the event; it survives only where a destination or the dead-letter queue
        took it, so an event neither could take is reported as dropped."""
        config = queued.function.spec.async_config
        kept = False
        if config.on_failure is not None:
            kept = self.sender.destination(config.on_failure, self._record(queued, condition), ASYNC_ON_FAILURE)
        if config.dead_letter is not None:
            message = queued.last.error.message if queued.last is not None and queued.last.error else condition
            kept = self.sender.dead_letter(config.dead_letter, queued.event, request_id=queued.request_id,
                                           error_message=message) or kept
        if not kept:
            self.on_dropped(queued, condition if config.on_failure is None and config.dead_letter is None
                            else f"{condition}, and no destination took it")

    def _record(self, queued: AsyncEvent, condition: str) -> InvocationRecord:
        last = queued.last
        spec = queued.function.spec
        return async_record(at=self.now(), request_id=queued.request_id, function_arn=spec.arn,
                            invoked_arn=queued.invoked_arn, version=queued.version, function_name=spec.name,
                            condition=condition, invoke_count=queued.attempts,
                            event=queued.event, response=None if last is None else last.response,
                            function_error=last is not None and last.error is not None)
