"""Handlers read the stack's clock: while one runs, `time.time()`, `datetime.now()` and friends start
at the virtual "now" and tick from there (`time-machine`, which patches them at the C level).

Why: the world around a handler runs on virtual time - Lambda's retry back-off, SQS visibility,
Step Functions waits - so a handler that reads the host's wall clock sees time stand still between
two invocations a virtual minute apart. Powertools' idempotency stamps an INPROGRESS claim with
`datetime.now()` plus the remaining invocation time; after a crash, Lambda's async retry a minute
later must find that claim expired, as it would on AWS, and re-take it. TTLs, `published_at`
stamps and S3 `LastModified` written by handlers agree with the trace's clock the same way.
A virtual `time.sleep` (`timeouts`: sleeping under a deadline costs no real time) moves this clock
along by the seconds slept, so a handler that sleeps a minute reads a minute later. `time.monotonic()`
is left alone: the function's timeout counts the host's time plus what was slept (`timeouts`).

Example:
    >>> with limit(900), handler_clock(1718096400.0):
    ...     time.sleep(60)
    ...     datetime.now(tz=UTC).isoformat()[:19]
    '2024-06-11T09:01:00'
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

from sluice.local.lambda_.timeouts import on_virtual_sleep


def _time_machine() -> ModuleType:
    """`time_machine`, imported without pytest outside a test run: it imports pytest (~0.2 s) only
    to offer its fixture, which a process that is not running pytest never uses. Under pytest it is
    imported as is (pytest is already loaded, and its plugin needs the fixture)."""
    if "pytest" in sys.modules:
        import time_machine  # noqa: PLC0415

        return time_machine
    sys.modules["pytest"] = None  # type: ignore[assignment] # `import pytest` raises ImportError
    try:
        import time_machine  # noqa: PLC0415
    finally:
        del sys.modules["pytest"]
    return time_machine


_TIME_MACHINE = _time_machine()


@contextmanager
def handler_clock(now: float) -> Iterator[None]:
    """Run the block with the wall clock at `now` (epoch seconds), ticking, and moved on by every
    virtual sleep."""
    with _TIME_MACHINE.travel(now, tick=True) as traveller, on_virtual_sleep(traveller.shift):
        yield
