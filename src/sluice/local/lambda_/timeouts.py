"""Enforce a function's `Timeout` on handler code running in this process.

A handler is ordinary Python on the caller's thread, so the only way to stop it is to raise inside
it. On the main thread a `SIGALRM` interval timer does that, and it also interrupts blocking
calls such as `time.sleep`. Elsewhere a watchdog thread injects the exception with
`PyThreadState_SetAsyncExc` (taking effect at the handler's next bytecode). `FunctionTimeout`
derives from `BaseException`, so a handler's `except Exception:` cannot swallow it.

Deadlines nest (a handler may invoke another function synchronously): the earliest one arms the
timer, and each invocation only treats its *own* deadline's exception as its timeout.

Example:
    >>> with limit(0.05) as deadline:
    ...     time.sleep(1)
    Traceback (most recent call last):
    FunctionTimeout: ...
"""

from __future__ import annotations

import ctypes
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expires_at = time.monotonic() + seconds
        self.fired = False


class FunctionTimeout(BaseException):
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
    def limit(self, seconds: float) -> Iterator[Deadline]:
        deadline = Deadline(seconds)
        if not self.active:
            self._previous_handler = signal.signal(signal.SIGALRM, self._on_alarm)
            self._previous_timer = signal.setitimer(signal.ITIMER_REAL, 0)
            self._started = time.monotonic()
        self.active.append(deadline)
        self._arm()
        try:
            yield deadline
        finally:
            self.active.remove(deadline)
            if self.active:
                self._arm()
            else:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, self._previous_handler)
                remaining, interval = self._previous_timer
                if remaining > 0:  # give back whatever timer was running before us
                    elapsed = time.monotonic() - self._started
                    signal.setitimer(signal.ITIMER_REAL, max(remaining - elapsed, 0.001), interval)

    def _arm(self) -> None:
        pending = [deadline.expires_at for deadline in self.active if not deadline.fired]
        if pending:
            signal.setitimer(signal.ITIMER_REAL, max(min(pending) - time.monotonic(), 0.000_1))

    def _on_alarm(self, signum: int, frame: FrameType | None) -> None:
        now = time.monotonic()
        expired = [deadline for deadline in self.active if not deadline.fired and deadline.expires_at <= now]
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
def _watchdog(seconds: float) -> Iterator[Deadline]:
    deadline = Deadline(seconds)
    target = threading.get_ident()
    error_type = type("FunctionTimeout", (FunctionTimeout,), {"deadline": deadline})

    def fire() -> None:
        deadline.fired = True
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(target), ctypes.py_object(error_type))

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()
    try:
        yield deadline
    finally:
        timer.cancel()
        if deadline.fired:
            # The injection may still be pending if the handler returned at the last instant.
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(target), None)


@contextmanager
def limit(seconds: float) -> Iterator[Deadline]:
    """Raise `FunctionTimeout` in the code inside the block once `seconds` have passed."""
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):
        with _alarm.limit(seconds) as deadline:
            yield deadline
    else:
        with _watchdog(seconds) as deadline:
            yield deadline
