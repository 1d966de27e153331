"""The readable log of `sluice up`: each piece of work the world did, printed as the tree `sluice
drop` prints, once it has settled.

A root of the trace (an object written through the endpoint, a scheduled rule firing, a message
sent) is printed when nothing under it is still running and it did not grow since the previous
look — so a file's whole chain (event → rule → function → execution → states → outputs) comes out
as one tree, after it ran. `flush(final=True)` prints the rest as it stands (on shutdown).

Example:
    >>> log = TraceLog(stack.trace, sys.stderr)
    >>> log.flush()        # every second, on the clock's thread
"""

from __future__ import annotations

from typing import TextIO

from sluice.local.trace import RETRYING, RUNNING, Activity, Trace


class TraceLog:
    def __init__(self, trace: Trace, stream: TextIO, *, logs: bool = False) -> None:
        self.trace = trace
        self.stream = stream
        self.logs = logs  # each invocation's logs under it in the tree
        self._printed: set[int] = set()
        self._sizes: dict[int, int] = {}

    def flush(self, *, final: bool = False) -> None:
        from sluice.commands._io import console  # noqa: PLC0415 - rich only when printing
        from sluice.local.tree import render  # noqa: PLC0415

        for root in self.trace.roots:
            key = id(root)
            if key in self._printed:
                continue
            size = sum(1 for _ in root.walk())
            settled = self._sizes.get(key) == size and not _running(root)
            self._sizes[key] = size
            if settled or final:
                self._printed.add(key)
                console(self.stream).print(render([root], start=root.at, logs=self.logs))
        self.stream.flush()


def _running(root: Activity) -> bool:
    for activity in root.walk():
        if activity.status in (RUNNING, RETRYING):
            return True
        if activity.kind == "execution" and getattr(activity.ref, "status", None) == "RUNNING":
            return True
    return False
