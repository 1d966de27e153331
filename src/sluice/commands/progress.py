"""Live progress for long and real-time runs, on stderr: a rich spinner line when stderr is a
terminal, one plain line per step when it is not (a CI log keeps every step; stdout stays the
result's alone).

Example:
    >>> with live_progress("chaos", total=10) as tick:
    ...     for run in range(10):
    ...         tick(f"run {run + 1}/10")
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO, TypeVar

Tick = Callable[[str], None]
T = TypeVar("T")
R = TypeVar("R")


@contextmanager
def live_progress(title: str, *, total: int | None = None, stream: TextIO | None = None) -> Iterator[Tick]:
    """`tick(message)` reports one step done; `total` steps when known."""
    stream = stream or sys.stderr
    if not stream.isatty():
        def plain(message: str) -> None:
            print(f"{title}: {message}", file=stream, flush=True)

        yield plain
        return
    from rich.console import Console  # noqa: PLC0415
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn  # noqa: PLC0415

    columns = [SpinnerColumn(), TextColumn("{task.description}")]
    if total is not None:
        columns += [BarColumn(), MofNCompleteColumn()]
    with Progress(*columns, console=Console(file=stream), transient=True) as progress:
        task = progress.add_task(title, total=total)

        def live(message: str) -> None:
            progress.update(task, advance=1, description=f"{title}: {message}")

        yield live


def counted(step: Callable[[T], R], tick: Tick, name: Callable[[T], str] = str) -> Callable[[T], R]:
    """`step`, ticking once after each call with `name(argument)` (e.g. a conformance case's id)."""

    def wrapped(argument: T) -> R:
        result = step(argument)
        tick(name(argument))
        return result

    return wrapped
