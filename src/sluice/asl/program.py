"""A compiled workflow (top level, Parallel branch or Map processor) and the loop that runs it.

`compile_program` turns a definition into immutable state objects once; `run_program` walks
them: record `<Type>StateEntered`, let the state do its work, record `<Type>StateExited`, follow
`Next`. This loop is the engine's hot path, so it does as little as possible per transition.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sluice.asl.errors import StatesError
from sluice.asl.frame import Frame
from sluice.asl.states.base import State, check_size, qualify, record_evaluation_failure


class _StateTypes(Mapping[str, type[State]]):
    """`Type` -> state class, each module imported when a definition first uses its type: a
    Pass/Choice loop never pays for Map, Parallel or Task (and the task dispatch behind it)."""

    _MODULES = {
        "Pass": ("sluice.asl.states.pass_", "PassState"),
        "Task": ("sluice.asl.states.task", "TaskState"),
        "Choice": ("sluice.asl.states.choice", "ChoiceState"),
        "Wait": ("sluice.asl.states.wait", "WaitState"),
        "Succeed": ("sluice.asl.states.succeed", "SucceedState"),
        "Fail": ("sluice.asl.states.fail", "FailState"),
        "Parallel": ("sluice.asl.states.parallel", "ParallelState"),
        "Map": ("sluice.asl.states.map", "MapState"),
    }

    def __getitem__(self, type_name: str) -> type[State]:
        module, name = self._MODULES[type_name]
        state: type[State] = getattr(importlib.import_module(module), name)
        return state

    def __contains__(self, type_name: object) -> bool:
        return type_name in self._MODULES  # without importing the state's module

    def __iter__(self) -> Iterator[str]:
        return iter(self._MODULES)

    def __len__(self) -> int:
        return len(self._MODULES)


STATE_TYPES: Mapping[str, type[State]] = _StateTypes()


@dataclass(frozen=True)
class Program:
    start_at: str
    states: Mapping[str, State]
    query_language: str
    timeout_seconds: float | None = None


def compile_program(definition: Mapping[str, Any], query_language: str = "JSONPath") -> Program:
    """Compile a (validated) definition; nested branches inherit the query language."""
    language = definition.get("QueryLanguage", query_language)
    states = {name: STATE_TYPES[spec["Type"]](name, spec, language) for name, spec in definition["States"].items()}
    return Program(definition["StartAt"], states, language, definition.get("TimeoutSeconds"))


async def run_program(program: Program, data: Any, frame: Frame) -> Any:
    """Run from StartAt to a terminal state; return its output or raise its StatesError."""
    runtime = frame.runtime
    now = runtime.clock.now
    states = program.states
    # Events not kept (an Express run nobody shows, never limited) are only counted: no details.
    history = runtime.history
    keep = history.keep or history.limit is not None
    name: str | None = program.start_at
    while name is not None:
        state = states[name]
        frame.state_name, frame.state_type = name, state.TYPE
        frame.entered_time = now()
        frame.retry_count = 0
        frame.task_token = None
        frame.assigned = None
        frame.entered_from_id = frame.last_event_id
        frame.entered_event_id = frame.record(
            state.entered_event, "stateEnteredEventDetails", {"name": name, "input": data}
        ) if keep else frame.follow(history.count())
        runtime.transitions += 1
        try:
            output, name = await state.run(data, frame)
            if output is not data:
                check_size(output, state.name)
        except StatesError as failure:
            qualify(failure, frame)
            record_evaluation_failure(failure, frame, state)
            if state.TYPE == "Task" and failure.aborted_state is None:
                failure.aborted_state = "TaskStateAborted"
            raise
        if state.exited_event is not None:
            if keep:
                frame.record(state.exited_event, "stateExitedEventDetails", exited_details(state.name, output, frame))
            else:
                frame.follow(history.count())
        data = output
    return data


# The states a stopped branch or iteration records as aborted (the `…StateAborted` event types).
ABORTABLE = frozenset({"Task", "Wait", "Map", "Parallel"})


def record_aborted(thread: Frame, previous: int) -> None:
    """A Parallel branch or Map iteration stopped because another one failed: its running state is
    `<Type>StateAborted`, following from the failure's last event, as AWS records it (LocalStack's
    test_service_lambda_map_timeout: every other iteration's TaskStateAborted and MapIterationAborted
    follow from the TaskTimedOut that failed the Map)."""
    if thread.state_type in ABORTABLE:
        thread.runtime.history.add(f"{thread.state_type}StateAborted", previous=previous)


def record_failed_child_aborted(failure: StatesError, frame: Frame) -> None:
    """The Task that failed a Parallel branch or a Map iteration is aborted too, once the others
    are stopped and before the container's own `…StateFailed` (recorded: test_parallel_catch_error,
    test_sqs_failure_in_wait_for_task_tok_no_error_field[SQS_PARALLEL_WAIT_FOR_TASK_TOKEN]: TaskFailed,
    TaskStateAborted, ParallelStateFailed, both following from the TaskFailed)."""
    if failure.aborted_state is not None:
        frame.runtime.history.add(failure.aborted_state, previous=frame.last_event_id)
        failure.aborted_state = None


def exited_details(name: str, output: Any, frame: Frame) -> dict[str, Any]:
    """StateExited details: the output, and the variables the state assigned (AWS shows them
    as `assignedVariables`, each value as JSON text)."""
    if not frame.assigned:  # an empty `Assign` shows nothing (recorded: LocalStack's BASE_EMPTY)
        return {"name": name, "output": output}
    return {"name": name, "output": output, "assignedVariables": frame.assigned}
