"""A process that runs sluice exits without the interpreter's final garbage-collection passes (ADR 0011).

Why: when CPython shuts down it collects garbage several times over every object still alive, only
to free memory the kernel reclaims anyway. A process holding a local stack (moto's backends,
botocore's models, the functions' modules) spends 0.3-0.4 s there on the 2-core machine, about a
sixth of a first end-to-end test. `gc.freeze()` from an `atexit` hook moves those objects to the
permanent generation, which no collection visits. Unlike `os._exit`, everything else a normal exit
does still happens: the other `atexit` hooks (logging's flush, `weakref.finalize` callbacks), the
flush of stdout and stderr, and the release of every object freed by reference counting. What is
skipped is only the `__del__` of objects kept alive by reference cycles until exit, which Python
does not promise to run ("It is not guaranteed that __del__() methods are called for objects that
still exist when the interpreter exits", the data model reference). spack and Synapse do the same.

`SLUICE_FINAL_GC=1` in the environment at exit keeps the interpreter's own shutdown.

Example:
    >>> arrange()
    >>> arranged()
    True
"""

from __future__ import annotations

import atexit
import gc
import os

#: Set to "1" to keep CPython's final collections (read when the process exits).
KEEP_FINAL_GC = "SLUICE_FINAL_GC"

_arranged = False


def arrange() -> None:
    """Skip the final collections when this process exits (registered once per process)."""
    global _arranged
    if not _arranged:
        atexit.register(_freeze_at_exit)
        _arranged = True


def arranged() -> bool:
    """Whether this process will exit without the final collections (unless `SLUICE_FINAL_GC=1`)."""
    return _arranged


def _freeze_at_exit() -> None:
    if os.environ.get(KEEP_FINAL_GC) != "1":
        gc.freeze()
