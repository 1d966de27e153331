"""One clock for the whole local world: an asyncio event loop that runs on virtual time.

Why asyncio and not a hand-written scheduler: Parallel branches, Map iterations, several
executions, task-token waits and pollers are all "concurrent work that sleeps or waits", which is
exactly what coroutines, `asyncio.gather`, `Semaphore`, `Future` and `wait_for` already express.
Only time itself needs replacing. `VirtualClock` does that by giving the loop a selector that,
instead of blocking for `timeout` seconds, *advances* virtual time by `timeout` — so the loop jumps
straight to its next timer. An hour of retry back-off costs microseconds, and because nothing runs
on threads the order of work is a pure function of the program: runs are reproducible.

When no callback is ready and no timer is pending, the world is idle (every execution has ended or
waits for something outside, e.g. a task token): the selector stops the loop, which is how
`run_until_idle()` returns.

Example:
    >>> clock = VirtualClock(start=0.0)
    >>> async def nap() -> float:
    ...     await asyncio.sleep(3600)
    ...     return clock.now()
    >>> clock.run(nap())
    3600.0
"""

from __future__ import annotations

import asyncio
import selectors
import time
from collections.abc import Coroutine, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

T = TypeVar("T")


class _SimulationSelector(selectors.BaseSelector):
    """Wraps a real selector; in virtual mode a blocking wait becomes a jump in time."""

    def __init__(self, clock: VirtualClock) -> None:
        self._real = selectors.DefaultSelector()
        self._clock = clock
        self.owner: asyncio.AbstractEventLoop | None = None  # the loop to stop when idle

    def register(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._real.register(fileobj, events, data)

    def unregister(self, fileobj: Any) -> selectors.SelectorKey:
        return self._real.unregister(fileobj)

    def modify(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._real.modify(fileobj, events, data)

    def get_map(self) -> Mapping[Any, selectors.SelectorKey]:
        return self._real.get_map()

    def close(self) -> None:
        self._real.close()

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        clock = self._clock
        assert self.owner is not None
        if clock.real_time or clock.external_work:
            # Something outside the loop (a real sleep, a thread) will wake us: block for real.
            events = self._real.select(timeout)
            if timeout is None and not events and not clock.external_work:
                self.owner.stop()
            return events
        events = self._real.select(0)
        if events or timeout == 0:
            return events
        if timeout is None:
            self.owner.stop()  # idle: nothing ready, nothing scheduled
            return []
        clock.advance(timeout)
        return []


class _SimulationLoop(asyncio.SelectorEventLoop):
    def __init__(self, clock: VirtualClock) -> None:
        self._sim_clock = clock
        selector = _SimulationSelector(clock)
        super().__init__(selector)
        selector.owner = self

    def time(self) -> float:
        return self._sim_clock.monotonic()


class VirtualClock:
    """The scheduler that owns time for engines, executions and the local stack.

    `now()` is epoch seconds (what `$$.Execution.StartTime` and history timestamps show).
    In virtual mode (default) time only moves when every piece of work is waiting; with
    `real_time=True` the same loop sleeps for real, for demos.
    """

    def __init__(self, start: float | None = None, *, real_time: bool = False) -> None:
        self.real_time = real_time
        # Whole milliseconds: AWS timestamps carry millisecond precision.
        self._epoch_start = round(time.time() if start is None else start, 3)
        self._virtual = 0.0
        self._real_origin = time.monotonic()
        self.external_work = 0
        self.loop = _SimulationLoop(self)

    def monotonic(self) -> float:
        """Seconds since the clock started (the loop's own time base)."""
        if self.real_time:
            return time.monotonic() - self._real_origin
        return self._virtual

    def advance(self, seconds: float) -> None:
        """Move virtual time forward; used by the selector and by tests that age the world."""
        if seconds > 0:
            self._virtual += seconds

    def now(self) -> float:
        """Current time as epoch seconds."""
        return self._epoch_start + self.monotonic()

    def now_datetime(self) -> datetime:
        return datetime.fromtimestamp(self.now(), tz=UTC)

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run one coroutine to completion on this clock (other scheduled work runs too)."""
        return self.loop.run_until_complete(coroutine)

    def run_nested(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run `coroutine` to completion from *inside* a callback of the running loop.

        For synchronous code that blocks on the simulated world — a Lambda handler calling
        StartSyncExecution waits for the Express run to finish. A second loop on the same virtual
        time runs the coroutine while the outer loop is suspended (asyncio allows one running loop
        per thread, hence the swap): to everybody else the call takes no time, like any other
        synchronous call a handler makes.
        """
        nested = _SimulationLoop(self)
        outer = asyncio.events._get_running_loop()
        asyncio.events._set_running_loop(None)
        try:
            return nested.run_until_complete(coroutine)
        finally:
            nested.close()
            asyncio.events._set_running_loop(outer)

    def run_until_idle(self) -> None:
        """Drain the world: run until nothing is ready and no timer is pending."""
        self.loop.run_forever()

    def close(self) -> None:
        self.loop.close()


def iso_timestamp(epoch_seconds: float) -> str:
    """Render epoch seconds the way Step Functions shows timestamps in the context object.

    Example: `2024-01-01T00:00:00.000Z`.
    """
    moment = datetime.fromtimestamp(epoch_seconds, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
