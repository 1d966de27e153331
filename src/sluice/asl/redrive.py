"""What RedriveExecution reuses: the outputs of Map iterations, Parallel branches and Distributed
Map children that succeeded before the execution failed.

AWS redrives only the iterations, branches and child executions that failed or were aborted.
While an execution runs, each inline Map, Parallel or Distributed Map run records its successful
units by *position*: the state's name plus the iteration/branch path enclosing it (`Frame.path`),
so nested Maps and Parallels keep separate memories. A normal run starts every position afresh;
after `redrive()` the first run of each remembered position — inside a unit that is itself being
redriven (`Frame.replaying`) — gets back what it recorded and runs only the rest. Later runs of the
same position (a loop, a Retry of the state) start afresh, as they would on AWS.
"""

from __future__ import annotations

from typing import Any

# (*enclosing path, state name): e.g. ("Outer", 2, "Inner") is Map "Inner" in iteration 2 of "Outer".
Position = tuple[Any, ...]


class RedriveMemory:
    """Per execution: position → (the input it ran on, {iteration/branch index: what it produced})."""

    __slots__ = ("_reusable", "done")

    def __init__(self) -> None:
        self.done: dict[Position, tuple[Any, dict[int, Any]]] = {}
        self._reusable: set[Position] = set()

    def begin(self, position: Position, data: Any, replaying: bool) -> tuple[dict[int, Any], bool]:
        """A Map/Parallel starts at `position` on `data`: the dict to record its successes in (by
        iteration or branch index) and whether it holds those of the run being redriven."""
        if replaying and position in self._reusable:
            self._reusable.discard(position)
            before, done = self.done[position]
            if before == data:  # else an older run of the position (a loop): start afresh
                return done, True
        done = {}
        self.done[position] = data, done
        return done, False

    def redrive(self) -> None:
        """The execution is redriven: everything recorded so far may be reused, once."""
        self._reusable = set(self.done)

    def clear(self) -> None:
        """The execution succeeded: it can no longer be redriven."""
        self.done.clear()
        self._reusable.clear()
