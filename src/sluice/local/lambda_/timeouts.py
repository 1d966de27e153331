"""Enforce a function's `Timeout` on handler code running in this process, with `time.sleep` virtual.

A handler is ordinary Python on the caller's thread, so the only way to stop it is to raise inside
it. On the main thread a `SIGALRM` interval timer does that; elsewhere a watchdog thread injects the
exception with `PyThreadState_SetAsyncExc` (taking effect at the handler's next bytecode).
`FunctionTimeout` derives from `BaseException`, so a handler's `except Exception:` cannot swallow it.

Sleeping costs no real time. While a deadline is set on a thread, `time.sleep` there returns at once
and its seconds count against the thread's deadlines (and move the handler's wall clock,
`handler_time`); a sleep that reaches a deadline ends in `FunctionTimeout` there, as the timer would
have fired during it. Why: everything around a handler runs on the stack's virtual clock, so a
handler that backs off for a minute, or a recorded Lambda that sleeps past its Task's
`TimeoutSeconds`, should not hold a test up for that minute; the work a handler really does (CPU,
I/O) is still timed on the host's clock. Sleeps on other threads (a server's, one a handler starts)
are real, as are those of code that bound `time.sleep` to a name of its own before the deadline was
set (`from time import sleep`), and every sleep under a stack that runs in real time
(`limit(..., virtual_sleep=False)`: demos, `sluice up`), where the world waits too. The one
pattern this misjudges is a handler polling a thread of its own with `time.sleep`: the poll spends
virtual seconds while the thread works in real ones (waiting on the thread itself is unaffected).

Deadlines nest (a handler may invoke another function synchronously): the earliest one arms the
timer, and each invocation only treats its *own* deadline's exception as its timeout.

Example:
    >>> with limit(1):
    ...     time.sleep(60)  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    FunctionTimeout: Task timed out
"""

from __future__ import annotations

import ctypes
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from types import FrameType
from typing import Any, SupportsIndex

from sluice.asl.tasks.lambda_runtime import HandlerInterrupt

_real_sleep = time.sleep


class ThreadTime:
    """One thread's time as its deadlines count it: the host's monotonic clock plus every second the
    thread has slept virtually. Also what a sleep there must tell: timers to re-arm (they fire sooner
    now) and listeners that move a clock along (`on_virtual_sleep`)."""

    def __init__(self) -> None:
        self.slept = 0.0
        self.deadlines: list[Deadline] = []
        self.rearm: list[Callable[[], None]] = []
        self.listeners: list[Callable[[float], None]] = []

    def now(self) -> float:
        return time.monotonic() + self.slept

    def sleep(self, seconds: float) -> None:
        """Let `seconds` pass without waiting; at the first deadline they reach, raise its timeout."""
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")  # as time.sleep says
        pending = [deadline for deadline in self.deadlines if not deadline.fired]
        # min() keeps the first of equals: the outermost invocation ends, and everything it called with it.
        first = min(pending, key=Deadline.remaining, default=None)
        if first is not None and first.remaining() <= seconds:
            # The clock moves on to the deadline as it stands in slept time alone, so what listeners are
            # told does not shift with how long the handler computed in real time before it slept.
            self._pass(max(first.slept_remaining(), 0.0))
            first.fired = True
            raise FunctionTimeout(first)
        self._pass(seconds)
        for rearm in self.rearm:
            rearm()

    def _pass(self, seconds: float) -> None:
        self.slept += seconds
        for listener in self.listeners:
            listener(seconds)


_threads: dict[int, ThreadTime] = {}


@contextmanager
def _this_thread() -> Iterator[ThreadTime]:
    """This thread's `ThreadTime`, forgotten once nothing on the thread uses it."""
    ident = threading.get_ident()
    clock = _threads.get(ident) or _threads.setdefault(ident, ThreadTime())
    try:
        yield clock
    finally:
        if not (clock.deadlines or clock.listeners):
            _threads.pop(ident, None)


class Deadline:
    """`seconds` of a thread's time (`ThreadTime`), from when it was set."""

    def __init__(self, seconds: float, clock: ThreadTime, *, virtual_sleep: bool = True) -> None:
        self.seconds = seconds
        self.virtual_sleep = virtual_sleep
        self.fired = False
        self._clock = clock
        self._start = clock.now()
        self._slept_at_start = clock.slept

    def remaining(self) -> float:
        return self.seconds - (self._clock.now() - self._start)

    def slept_remaining(self) -> float:
        """What is left counting only the seconds slept, not the real time the thread computed."""
        return self.seconds - (self._clock.slept - self._slept_at_start)


class FunctionTimeout(HandlerInterrupt):
    """Raised inside a handler whose time is up."""

    deadline: Deadline | None = None

    def __init__(self, deadline: Deadline | None = None) -> None:
        super().__init__("Task timed out")
        if deadline is not None:
            self.deadline = deadline


class _AlarmClock:
    """SIGALRM-based deadlines for the main thread."""

    def __init__(self) -> None:
        self.active: list[Deadline] = []
        self._previous_handler: Any = None
        self._previous_timer: tuple[float, float] = (0.0, 0.0)
        self._started = 0.0

    @contextmanager
    def limit(self, deadline: Deadline, clock: ThreadTime) -> Iterator[Deadline]:
        if not self.active:
            self._previous_handler = signal.signal(signal.SIGALRM, self._on_alarm)
            self._previous_timer = signal.setitimer(signal.ITIMER_REAL, 0)
            self._started = time.monotonic()
            clock.rearm.append(self._arm)
        self.active.append(deadline)
        self._arm()
        try:
            yield deadline
        finally:
            self.active.remove(deadline)
            if self.active:
                self._arm()
            else:
                clock.rearm.remove(self._arm)
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, self._previous_handler)
                remaining, interval = self._previous_timer
                if remaining > 0:  # give back whatever timer was running before us
                    elapsed = time.monotonic() - self._started
                    signal.setitimer(signal.ITIMER_REAL, max(remaining - elapsed, 0.001), interval)

    def _arm(self) -> None:
        pending = [deadline.remaining() for deadline in self.active if not deadline.fired]
        if pending:
            signal.setitimer(signal.ITIMER_REAL, max(min(pending), 0.000_1))

    def _on_alarm(self, signum: int, frame: FrameType | None) -> None:
        expired = [deadline for deadline in self.active if not deadline.fired and deadline.remaining() <= 0]
        if not expired:
            self._arm()
            return
        # The outermost expired invocation ends: everything it called unwinds with it.
        deadline = expired[0]
        deadline.fired = True
        self._arm()
        raise FunctionTimeout(deadline)


_alarm = _AlarmClock()


@contextmanager
def _watchdog(deadline: Deadline, clock: ThreadTime) -> Iterator[Deadline]:
    target = threading.get_ident()
    error_type = type("FunctionTimeout", (FunctionTimeout,), {"deadline": deadline})
    wake, done = threading.Event(), threading.Event()

    def watch() -> None:
        while not done.is_set():
            remaining = deadline.remaining()
            if remaining <= 0:
                if not deadline.fired:  # a virtual sleep may have reached it first
                    deadline.fired = True
                    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(target), ctypes.py_object(error_type))
                return
            wake.wait(remaining)  # a virtual sleep wakes it early: the deadline came closer
            wake.clear()

    watcher = threading.Thread(target=watch, name="sluice-lambda-timeout", daemon=True)
    watcher.start()
    clock.rearm.append(wake.set)
    try:
        yield deadline
    finally:
        clock.rearm.remove(wake.set)
        done.set()
        wake.set()
        if deadline.fired:
            # The injection may still be pending if the handler returned at the last instant.
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(target), None)


class _VirtualSleep:
    """`time.sleep` replaced while any thread has a deadline set, by a sleep that is virtual on such a
    thread and real on every other one."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users = 0

    def __call__(self, seconds: float | SupportsIndex) -> None:
        clock = _threads.get(threading.get_ident())
        if clock is None or not any(deadline.virtual_sleep for deadline in clock.deadlines):
            _real_sleep(seconds)
        else:
            clock.sleep(float(seconds))

    @contextmanager
    def installed(self) -> Iterator[None]:
        with self._lock:
            if self._users == 0:
                time.sleep = self
            self._users += 1
        try:
            yield
        finally:
            with self._lock:
                self._users -= 1
                if self._users == 0:
                    time.sleep = _real_sleep


_virtual_sleep = _VirtualSleep()


@contextmanager
def limit(seconds: float, *, virtual_sleep: bool = True) -> Iterator[Deadline]:
    """Raise `FunctionTimeout` in the code inside the block once `seconds` have passed, counting the
    seconds it sleeps as passed at once; with `virtual_sleep=False` (a stack in real time, for demos
    and `sluice up`) a sleep waits, interrupted by the timer."""
    on_main = threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
    with _this_thread() as clock, _virtual_sleep.installed() if virtual_sleep else nullcontext():
        deadline = Deadline(seconds, clock, virtual_sleep=virtual_sleep)
        clock.deadlines.append(deadline)
        try:
            with _alarm.limit(deadline, clock) if on_main else _watchdog(deadline, clock):
                yield deadline
        finally:
            clock.deadlines.remove(deadline)


@contextmanager
def on_virtual_sleep(listener: Callable[[float], None]) -> Iterator[None]:
    """Call `listener(seconds)` for every second this thread sleeps virtually while the block runs
    (`handler_time` moves the handler's wall clock with it)."""
    with _this_thread() as clock:
        clock.listeners.append(listener)
        try:
            yield
        finally:
            clock.listeners.remove(listener)
