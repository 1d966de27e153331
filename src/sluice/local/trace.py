"""What happened in the local stack, as a tree of causes and effects.

Every piece of work records an `Activity` under the activity that caused it: an object written
to S3, the event S3 sent, the rule that matched it, the function invocation it triggered, the
AWS calls that invocation made, the execution it started, that execution's task invocations…
The current activity travels in a context variable, which asyncio copies into every task it
creates — so work scheduled on the virtual clock stays attached to its cause.

`sluice drop` renders this tree; tests query it:

Example:
    >>> [activity.title for activity in stack.trace.find("invoke")]
    ['IngestFunction']
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

OK = "ok"
FAILED = "failed"
RUNNING = "running"
RETRYING = "retrying"
SKIPPED = "skipped"

_current: ContextVar[Activity | None] = ContextVar("sluice_activity", default=None)


@dataclass(eq=False)
class Activity:
    """One step in the local world. `ref` points at the underlying object when there is one
    (an `Invocation`, an `Execution`, an event dict)."""

    kind: str
    title: str
    at: float
    detail: dict[str, Any] = field(default_factory=dict)
    status: str = OK
    ref: Any = None
    parent: Activity | None = field(default=None, repr=False)
    children: list[Activity] = field(default_factory=list, repr=False)

    def walk(self) -> Iterator[Activity]:
        yield self
        for child in self.children:
            yield from child.walk()

    def find(self, kind: str) -> list[Activity]:
        return [activity for activity in self.walk() if activity.kind == kind]

    @property
    def ok(self) -> bool:
        """True when nothing in this subtree failed."""
        return all(activity.status != FAILED for activity in self.walk())


class Trace:
    """All activities of a stack, in the order their roots happened."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.roots: list[Activity] = []
        self.by_execution: dict[str, Activity] = {}

    @staticmethod
    def current() -> Activity | None:
        return _current.get()

    def record(self, kind: str, title: str, *, parent: Activity | None = None, ref: Any = None,
               status: str = OK, root: bool = False, **detail: Any) -> Activity:
        """Add an activity under `parent` (default: the current one; a new root if none)."""
        owner = None if root else (parent or _current.get())
        activity = Activity(kind=kind, title=title, at=self.clock(), detail=detail, status=status, ref=ref,
                            parent=owner)
        if owner is None:
            self.roots.append(activity)
        else:
            owner.children.append(activity)
        return activity

    @contextmanager
    def within(self, activity: Activity | None) -> Iterator[Activity | None]:
        """Make `activity` the cause of everything done (or scheduled) inside the block."""
        token = _current.set(activity)
        try:
            yield activity
        finally:
            _current.reset(token)

    def mark(self) -> int:
        """A bookmark: `since(mark)` returns the roots recorded after it."""
        return len(self.roots)

    def since(self, mark: int) -> list[Activity]:
        return self.roots[mark:]

    def walk(self) -> Iterator[Activity]:
        for root in self.roots:
            yield from root.walk()

    def find(self, kind: str) -> list[Activity]:
        return [activity for activity in self.walk() if activity.kind == kind]
