"""Keep the cyclic garbage collector out of a Lambda cold start.

Why: a cold start allocates some 100,000 container objects that live as long as the execution
environment (modules, classes, botocore's service models, pydantic's validators) and almost no garbage
cycles: about 520 objects, 155 KiB, over the imports and the first call of any handler here (counted by
collecting after a cold start run with the collector off). With CPython's default thresholds (2,000
allocations, then 10 and 10) the collector runs some 40-50 times during a first call and scans those
survivors over and over: 35-45 ms, about 0.1x of `import boto3`, to free next to nothing. A higher
threshold alone does not help: fewer collections, each scanning more, add up to the same work.

What: `begin()`, run when the layer's package is first imported (the first line of every handler's
imports), raises the first threshold to `COLD_START_THRESHOLD`, above what a cold start allocates, so
that no collection runs during it; `end()`, run once the first invocation has returned or raised
(`observability.instrument`), moves every object the init and the first call built into the permanent
generation (`gc.freeze()`: no later collection scans them, so warm invocations do not pay for them
either) and puts the thresholds back. A first invocation that allocates far more than a cold start
(a huge batch) is still collected, once per `COLD_START_THRESHOLD` objects, so its garbage cannot grow
without bound.

The trade-off: the few cycles a cold start leaves behind (the 155 KiB above) are frozen with the rest
and never reclaimed. What a cold start builds is meant to live for the environment anyway.

Only inside Lambda (`AWS_EXECUTION_ENV` names a Lambda runtime): under `sam local` or sluice's local
stack (`AWS_SAM_LOCAL`) the handler shares its process, and that process's collector is not the
layer's to tune.

Example:
    >>> begin()        # in a Lambda execution environment: no collection until end()
    >>> ...            # import the handler's modules, run the first invocation
    >>> end()          # init objects frozen, thresholds back to CPython's
"""

from __future__ import annotations

import gc
import os

#: The first-generation threshold during a cold start (CPython's default is 2,000): five times what
#: a cold start here allocates.
COLD_START_THRESHOLD = 500_000

_default_thresholds: tuple[int, int, int] | None = None


def in_lambda() -> bool:
    """Whether this process is a Lambda execution environment (not `sam local`, not sluice's local stack)."""
    return os.environ.get("AWS_EXECUTION_ENV", "").startswith("AWS_Lambda_") and "AWS_SAM_LOCAL" not in os.environ


def begin() -> None:
    """Raise the collector's first threshold for the cold start (inside Lambda; run once, when the
    package is imported)."""
    global _default_thresholds
    if _default_thresholds is None and in_lambda():
        _default_thresholds = gc.get_threshold()
        gc.set_threshold(COLD_START_THRESHOLD, *_default_thresholds[1:])


def end() -> None:
    """Freeze what the cold start built and restore the collector's thresholds (no-op after the first time)."""
    global _default_thresholds
    if _default_thresholds is not None:
        gc.freeze()
        gc.set_threshold(*_default_thresholds)
        _default_thresholds = None


def during_cold_start() -> bool:
    """Whether `begin()` raised the thresholds and `end()` has not run yet."""
    return _default_thresholds is not None
