"""Event sources: things that produce invocations from state in the backend (queues, streams,
schedules), as opposed to pushes (S3, EventBridge, SNS).

A source never polls in a loop — an idle world must be able to stop. It wakes up when it
`observe`s a write to what it reads (a `SendMessage` to its queue, a `PutRecords` to its stream)
and when a timer it set falls due (a visibility timeout ending, a batching window closing, a retry
back-off). Schedules only run inside `LocalStack.advance()`: `arm(seconds)` plans the firings due
in that window and `disarm()` cancels the rest, since a recurring schedule is never "done".

The sources are the services': `sluice.local.sqs.poller`, `sluice.local.kinesis.poller` and
`sluice.local.eventbridge.schedules`; `sluice.local.builder` makes one per mapping and schedule.

Example:
    >>> class Audit(EventSource):
    ...     def observe(self, call): print(call.operation)
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sluice.asl.clock import VirtualClock
    from sluice.local.delivery import Deliverer
    from sluice.local.eventbridge.bus import EventRouter
    from sluice.local.hooks import ApiCall
    from sluice.local.lambda_.runtime import LambdaRuntime
    from sluice.local.sqs.queues import Queues
    from sluice.local.template.model import SamTemplate
    from sluice.local.trace import Trace


@dataclass(frozen=True)
class SourceHost:
    """What a source may use of the stack."""

    template: SamTemplate
    clock: VirtualClock
    trace: Trace
    runtime: LambdaRuntime
    deliverer: Deliverer
    router: EventRouter
    queues: Queues
    region: str
    account: str
    #: A boto3 client of the stack's region, by service name.
    client: Callable[[str], Any]
    #: The logical id of a physical name, URL or ARN of the template (see `LocalStack.logical_id`).
    logical_id: Callable[[str], str | None]


class EventSource:
    """Base class; every hook is optional."""

    def observe(self, call: ApiCall) -> None:
        """A call completed somewhere in the process."""

    def arm(self, seconds: float) -> None:
        """`LocalStack.advance(seconds)` is about to let time pass."""

    def disarm(self) -> None:
        """The advance is over."""

    def close(self) -> None:
        """The stack is closing."""


class Wakeup:
    """One pending timer per source: asking for an earlier wake-up replaces a later one."""

    def __init__(self, loop: asyncio.AbstractEventLoop, callback: Callable[[], None]) -> None:
        self.loop = loop
        self.callback = callback
        self._handle: asyncio.TimerHandle | None = None

    def at(self, delay: float) -> None:
        when = self.loop.time() + max(delay, 0.0)
        if self._handle is not None and not self._handle.cancelled() and self._handle.when() <= when:
            return
        self.cancel()
        self._handle = self.loop.call_at(when, self._fire)

    def cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _fire(self) -> None:
        self._handle = None
        self.callback()
