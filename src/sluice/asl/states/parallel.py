"""Parallel: runs every branch on the same input concurrently; the output is their outputs, in
branch order. If one branch fails the others are stopped and the state fails with that error.
After a RedriveExecution only the branches that did not succeed run again (`sluice.asl.redrive`)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from sluice.asl.concurrency import gather_or_cancel
from sluice.asl.errors import StatesError
from sluice.asl.frame import Frame
from sluice.asl.states.base import State

if TYPE_CHECKING:
    from sluice.asl.program import Program


class ParallelState(State):
    TYPE = "Parallel"
    HAS_RESULT = True
    FAILED_EVENT = "ParallelStateFailed"

    def __init__(self, name: str, spec: dict[str, Any], query_language: str) -> None:
        from sluice.asl.program import compile_program  # noqa: PLC0415 - programs contain states

        super().__init__(name, spec, query_language)
        language = "JSONata" if self.jsonata else "JSONPath"
        self.branches = [compile_program(branch, language) for branch in spec["Branches"]]

    async def produce(self, effective: Any, raw: Any, frame: Frame) -> tuple[Any, str | None]:
        from sluice.asl.program import record_aborted, record_failed_child_aborted, run_program  # noqa: PLC0415

        started = frame.record("ParallelStateStarted")
        position = (*frame.path, self.name)
        done, replaying = frame.runtime.redrive.begin(position, effective, frame.replaying)

        async def run_branch(index: int, branch: Program) -> Any:
            if index in done:
                return done[index]
            thread = frame.branch(path=(*position, index), replaying=replaying, last_event_id=started)
            # The state's next event (ParallelStateFailed, or its exit) follows from the last event
            # of the branch that failed, or else of the branch that ended last.
            try:
                result = await run_program(branch, effective, thread)
            except StatesError:
                frame.last_event_id = thread.last_event_id
                raise
            except asyncio.CancelledError:
                # Another branch failed: this one is stopped, following from that failure's event.
                record_aborted(thread, previous=frame.last_event_id)
                raise
            done[index] = result
            frame.last_event_id = thread.last_event_id
            return result

        try:
            results = await gather_or_cancel(
                [run_branch(index, branch) for index, branch in enumerate(self.branches)])
        except StatesError as failure:
            record_failed_child_aborted(failure, frame)  # after the stopped branches' aborts
            raise
        frame.record("ParallelStateSucceeded", advance=False)
        return results, self.next
