"""Put moto's SQS on the stack's virtual clock.

moto's SQS reads wall-clock time for visibility timeouts, delays, retention and timestamps. The
local world runs on virtual time, so a failed batch must become visible again after
`VisibilityTimeout` *virtual* seconds — which happens instantly when the clock jumps. While a
stack is open, the time functions moto's SQS module imported are replaced by the clock's.

Example:
    >>> with virtual_sqs_time(clock.now):
    ...     ...   # visibility timeouts now elapse as the virtual clock advances
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def virtual_sqs_time(now: Callable[[], float]) -> Iterator[None]:
    from moto.sqs import models  # noqa: PLC0415 - moto is loaded by the stack already

    saved = {name: getattr(models, name) for name in ("unix_time", "unix_time_millis") if hasattr(models, name)}

    def unix_time(dt: object = None) -> float:
        return now()

    def unix_time_millis(dt: object = None) -> float:
        return now() * 1000.0

    replacements = {"unix_time": unix_time, "unix_time_millis": unix_time_millis}
    for name in saved:
        setattr(models, name, replacements[name])
    try:
        yield
    finally:
        for name, function in saved.items():
            setattr(models, name, function)
