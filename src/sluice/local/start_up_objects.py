"""While a stack runs, the objects it was started with are left out of CPython's full collections (ADR 0011).

Why: starting a stack imports moto's and botocore's modules and the engine's, loads service models
and fills moto's backends, about 180,000 objects that live as long as the stack. CPython's
generational collector runs a full collection whenever the objects that survived younger
collections reach a quarter of the old ones, and each full collection walks all of them again:
about 85 ms per pass on the 2-core machine, one of them in a first file drop. `gc.freeze()` once
the stack has started moves them to the permanent generation, which collections skip; the objects
made afterwards (events, executions, invocations, the handlers' own) are collected as before.

The freeze lasts as long as the stack: closing it calls `gc.unfreeze()`, so a test process that
starts stack after stack collects each closed world as usual. A process that already keeps objects
in the permanent generation (`gc.freeze()` before a fork, say) is left alone: the stack neither
adds to its permanent generation nor empties it.

Example:
    >>> import gc
    >>> with held_out_of_collections():
    ...     gc.get_freeze_count() > 0
    True
    >>> gc.get_freeze_count()
    0
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def held_out_of_collections() -> Iterator[None]:
    """Freeze every object alive now until the block ends (unless the process froze some itself)."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
