"""Handlers read the stack's clock: while one runs, `time.time()`, `datetime.now()` and friends start
at the virtual "now" and tick from there (`time-machine`, which patches them at the C level).

Why: the world around a handler runs on virtual time - Lambda's retry back-off, SQS visibility,
Step Functions waits - so a handler that reads the host's wall clock sees time stand still between
two invocations a virtual minute apart. Powertools' idempotency stamps an INPROGRESS claim with
`datetime.now()` plus the remaining invocation time; after a crash, Lambda's async retry a minute
later must find that claim expired, as it would on AWS, and re-take it. TTLs, `published_at`
stamps and S3 `LastModified` written by handlers agree with the trace's clock the same way.
`time.monotonic()` is left alone: the Lambda context counts its remaining time on it, and the
function's timeout is enforced in real time (`timeouts`).

Example:
    >>> with handler_clock(1718096400.0):
    ...     datetime.now(tz=UTC).isoformat()[:19]
    '2024-06-11T09:00:00'
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import time_machine


@contextmanager
def handler_clock(now: float) -> Iterator[None]:
    """Run the block with the wall clock at `now` (epoch seconds), ticking."""
    with time_machine.travel(now, tick=True):
        yield
