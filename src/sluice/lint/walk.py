"""Every state of a compiled workflow, nested ones included, with a readable path.

Example:
    >>> [path for path, _ in iter_states(workflow.program)][:3]
    ['Validate', 'Route', 'ProcessChunks']
    >>> 'ProcessChunks/TransformChunk' in dict(iter_states(workflow.program))
    True
"""

from __future__ import annotations

from collections.abc import Iterator

from sluice.asl.program import Program
from sluice.asl.states.base import State
from sluice.asl.states.map import MapState
from sluice.asl.states.parallel import ParallelState
from sluice.asl.states.task import TaskState
from sluice.asl.tasks.resources import ACTIVITY, SYNC, SYNC_2, WAIT_FOR_TASK_TOKEN


def iter_states(program: Program, prefix: str = "") -> Iterator[tuple[str, State]]:
    """(path, state) for each state, parents before the states of their branches or processor."""
    for name, state in program.states.items():
        path = f"{prefix}{name}"
        yield path, state
        if isinstance(state, MapState):
            yield from iter_states(state.program, f"{path}/")
        elif isinstance(state, ParallelState):
            for index, branch in enumerate(state.branches, start=1):
                yield from iter_states(branch, f"{path}/branch{index}/")


def iter_tasks(program: Program) -> Iterator[tuple[str, TaskState]]:
    for path, state in iter_states(program):
        if isinstance(state, TaskState):
            yield path, state


def waits_for_callback(task: TaskState) -> bool:
    """`.waitForTaskToken` and activities: the task ends only when a worker calls back."""
    return task.resource.pattern == WAIT_FOR_TASK_TOKEN or task.resource.kind == ACTIVITY


def runs_a_job(task: TaskState) -> bool:
    """`.sync` integrations: the task lasts as long as the job it started."""
    return task.resource.pattern in (SYNC, SYNC_2)
