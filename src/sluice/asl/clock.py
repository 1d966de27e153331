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

The clock jumps only over time that no outside party can affect (ADR 0007). While a task waits for
an answer only an outside party can give (a task token's SendTaskSuccess/Failure/Heartbeat), the
wait is registered with `outside_wait()` and its deadline (TimeoutSeconds, HeartbeatSeconds, the
execution's own timeout) is a wall the selector does not jump to: `run_until_idle()` returns with
the wait pending, as if the answer might still come — on AWS the token is valid until then. Time
only the engine controls (Wait states, retry back-off, Lambda timeouts, pollers) still jumps, up
to that wall. Letting a deadline pass is explicit: `advance(seconds)` / `advance_to(moment)`, or
`run_until_idle(fire_callback_timeouts=True)`.

Example:
    >>> clock = VirtualClock(start=0.0)
    >>> async def nap() -> float:
    ...     await asyncio.sleep(3600)
    ...     return clock.now()
    >>> clock.run(nap())
    3600.0
    >>> clock.advance(60)  # a minute passes; whatever falls due in it runs at its own moment
    >>> clock.now()
    3660.0
"""

from __future__ import annotations

import asyncio
import math
import selectors
import time
from collections.abc import Coroutine, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

T = TypeVar("T")

# Deadlines and timers are computed by different float sums (`start + timeout` and
# `now + (start + timeout - now)`); a microsecond of slack, far below AWS's millisecond
# timestamps, keeps the clock from treating them as distinct moments.
_SLACK = 1e-6


class OutsideWait(Protocol):
    """A wait that only a party outside the local world can end, e.g. a task token's answer."""

    def deadline(self) -> float:
        """Clock time (`VirtualClock.monotonic()`) at which time alone ends the wait (`math.inf`: never)."""
        ...


class _SimulationSelector(selectors.BaseSelector):
    """Wraps a real selector; in virtual mode a blocking wait becomes a jump in time."""

    def __init__(self, clock: VirtualClock) -> None:
        self._real = selectors.DefaultSelector()
        self._clock = clock
        self.owner: _SimulationLoop | None = None  # the loop to stop when idle

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
            if timeout is None and clock._draining and not clock.external_work:
                # run_until_idle() in real time: nothing is ready and no timer is pending, so
                # nothing can happen any more — blocking would wait forever on the loop's own
                # wake-up pipe. (A server's run_forever() does block: its threads schedule work.)
                self.owner.stop()
                return self._real.select(0)
            # Something outside the loop (a real sleep, a thread) will wake us: block for real.
            return self._real.select(timeout)
        events = self._real.select(0)
        if events or timeout == 0:
            return events
        timer = self.owner.next_timer()
        horizon = clock._horizon
        if self.owner.nested or timer is None:
            # A nested run is one synchronous call: it runs to its end whatever waits outside.
            pass
        elif horizon is not None:
            # advance(): every timer up to the horizon fires, outside deadlines included.
            if timer > horizon + _SLACK:
                timer = None
        elif timer >= clock.outside_deadline() - _SLACK:
            # Run until idle: the next timer lies at or beyond a deadline that an outside party
            # could still prevent by answering. Time stops here.
            timer = None
        if timer is None:
            if horizon is not None and math.isfinite(horizon) and not self.owner.nested:
                clock._move_to(horizon)  # the time advance() asked for has passed
            self.owner.stop()
            return []
        clock._move_to(timer)
        return []


class _SimulationLoop(asyncio.SelectorEventLoop):
    def __init__(self, clock: VirtualClock, *, nested: bool = False) -> None:
        self.clock = clock
        self.nested = nested  # see VirtualClock.run_nested
        selector = _SimulationSelector(clock)
        super().__init__(selector)
        selector.owner = self

    def time(self) -> float:
        return self.clock.monotonic()

    def next_timer(self) -> float | None:
        """When the earliest pending timer is due (None: no timer).

        Read from the loop's timer heap because asyncio caps the timeout it hands the selector at
        one day (`MAXIMUM_SELECT_TIMEOUT`): jumping by that would move time to a moment where
        nothing happens. The loop has just dropped cancelled timers from the head.
        """
        scheduled: list[asyncio.TimerHandle] = self._scheduled  # type: ignore[attr-defined]
        return scheduled[0].when() if scheduled else None


class VirtualClock:
    """The scheduler that owns time for engines, executions and the local stack.

    `now()` is epoch seconds (what `$$.Execution.StartTime` and history timestamps show).
    In virtual mode (default) time only moves when every piece of work is waiting, and never
    onto a deadline of an `OutsideWait` unless told to; with `real_time=True` the same loop
    sleeps for real, for demos.
    """

    def __init__(self, start: float | None = None, *, real_time: bool = False) -> None:
        self.real_time = real_time
        # Whole milliseconds: AWS timestamps carry millisecond precision.
        self._epoch_start = round(time.time() if start is None else start, 3)
        self._virtual = 0.0
        self._real_origin = time.monotonic()
        self.external_work = 0
        # While advance() runs: the monotonic time up to which timers may fire, outside deadlines
        # included (math.inf: run_until_idle(fire_callback_timeouts=True)).
        self._horizon: float | None = None
        self._outside: dict[int, OutsideWait] = {}
        self._held = 0  # see hold()
        self._draining = False  # inside run_until_idle()
        self.loop = _SimulationLoop(self)

    def monotonic(self) -> float:
        """Seconds since the clock started (the loop's own time base)."""
        if self.real_time:
            return time.monotonic() - self._real_origin
        return self._virtual

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Keep the world still while synchronous code runs outside the clock, as if the clock ran it.

        For a handler invoked directly (`LocalStack.invoke`): a StartExecution it makes must be
        answered at once, as on AWS, and the execution left for the next drive of the clock, not
        run to its end inside the call (the Step Functions API drives the clock only when not
        `busy()`). A StartSyncExecution still runs its workflow to the end, nested.

        Example: `with clock.hold(): handler(event, context)`.
        """
        self._held += 1
        try:
            yield
        finally:
            self._held -= 1

    def busy(self) -> bool:
        """True while the clock runs code (a callback of its loop) or is held (`hold()`)."""
        return self._held > 0 or self.loop.is_running()

    # -- waits only an outside party can end ------------------------------------------------

    @contextmanager
    def outside_wait(self, wait: OutsideWait) -> Iterator[None]:
        """Register `wait` for as long as the block runs: the clock will not jump onto its deadline.

        Example (in a coroutine on this clock): `with clock.outside_wait(task): await task.future`.
        """
        self._outside[id(wait)] = wait
        try:
            yield
        finally:
            del self._outside[id(wait)]

    def outside_deadline(self) -> float:
        """The earliest deadline of the registered outside waits (`math.inf` if none)."""
        return min((wait.deadline() for wait in self._outside.values()), default=math.inf)

    # -- letting time pass --------------------------------------------------------------------

    def advance(self, seconds: float) -> None:
        """Let `seconds` of clock time pass: every timer due by then fires at its own moment,
        deadlines of outside waits (task tokens) included; the clock ends exactly `seconds` later.

        Example: `engine.clock.advance(86_400)` — a day passes and a callback whose TimeoutSeconds
        is a day fails with States.Timeout at that day's end.
        """
        if seconds < 0:
            raise ValueError(f"advance() needs a duration of zero or more seconds, not {seconds}")
        if self.busy():
            raise RuntimeError("advance() cannot be called from code the clock is running")
        if self.real_time:
            stop = self.loop.call_later(seconds, self.loop.stop)
            try:
                self.loop.run_forever()
            finally:
                stop.cancel()
            return
        self._horizon = self._virtual + seconds
        try:
            self.loop.run_forever()
        finally:
            self._horizon = None

    def advance_to(self, moment: float | datetime) -> None:
        """`advance()` until `moment` (epoch seconds or an aware datetime)."""
        epoch = moment.timestamp() if isinstance(moment, datetime) else moment
        # Rounded to the microsecond: epoch floats carry sub-microsecond noise.
        seconds = round(epoch - self.now(), 6)
        if seconds < 0:
            raise ValueError(f"advance_to({iso_timestamp(epoch)}) is before the clock's current time "
                             f"({iso_timestamp(self.now())})")
        self.advance(seconds)

    def _move_to(self, moment: float) -> None:
        """The selector's jump: virtual time becomes `moment` (never goes back)."""
        self._virtual = max(self._virtual, moment)

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
        synchronous call a handler makes. Nothing outside can answer during it, so its time jumps
        even past the deadline of a task waiting for its token (which fires once the outer loop resumes).
        """
        nested = _SimulationLoop(self, nested=True)
        outer = asyncio.events._get_running_loop()
        asyncio.events._set_running_loop(None)
        try:
            return nested.run_until_complete(coroutine)
        finally:
            nested.close()
            asyncio.events._set_running_loop(outer)

    def run_until_idle(self, *, fire_callback_timeouts: bool = False) -> None:
        """Drain the world: run until nothing is ready and no timer is due before the deadline of a
        wait only an outside party can end (see the module docstring).

        `fire_callback_timeouts=True` drops that wall — "nobody will answer": such deadlines fire
        like any other timer, and the call returns only when no timer is pending at all.
        """
        self._draining = True
        if fire_callback_timeouts:
            self._horizon = math.inf
        try:
            self.loop.run_forever()
        finally:
            self._draining = False
            self._horizon = None

    def close(self) -> None:
        self.loop.close()


def running_clock() -> VirtualClock:
    """The clock whose loop runs the calling coroutine (engines and stacks always run on one)."""
    loop = asyncio.get_running_loop()
    if not isinstance(loop, _SimulationLoop):
        raise RuntimeError("this coroutine does not run on a VirtualClock's event loop")
    return loop.clock


def iso_timestamp(epoch_seconds: float) -> str:
    """Render epoch seconds the way Step Functions shows timestamps in the context object.

    Example: `2024-01-01T00:00:00.000Z`.
    """
    moment = datetime.fromtimestamp(epoch_seconds, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
