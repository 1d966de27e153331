"""Read one execution's `GetExecutionHistory` events into an `ExecutionReport`.

The same reading serves the local engine (`execution.history`) and a running `sluice serve`
(boto3's `get_execution_history`): both yield AWS's event shapes with `datetime` timestamps.

How events map to states, since the history only names a state on its `…StateEntered` /
`…StateExited` events:
- a `…Scheduled` event (`LambdaFunctionScheduled`, `TaskScheduled`, `ActivityScheduled`) is an
  attempt of the most recently entered Task state still open whose `Resource` matches it;
- its `…Succeeded` / `…Failed` / `…TimedOut` closes the oldest attempt still open — with Map
  iterations running side by side this can pair two different states' attempts the wrong way
  round when they finish at the same instant; each visit's own entered/exited events stay right;
- a Task left by an error that a `Catch` handled still gets `TaskStateExited` (its output is the
  error); a state the error left uncaught never exits. So: exited after a failed last attempt (or
  `MapStateFailed` / `ParallelStateFailed`) is **caught**, never exited is **failed**;
- a `…StateAborted` (which names no state) stops an open visit of its type when a sibling Parallel
  branch or Map iteration failed: **cancelled**, as the console shows it; the failed Task's own
  `TaskStateAborted` comes last and leaves it **failed**.
  AWS: https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html

Example:
    >>> report = read_execution(execution.describe(), execution.history, definition, anchor="x1")
    >>> report.states["Validate"].outcome
    'succeeded'
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

from sluice import json_text
from sluice.report.model import (
    CANCELLED,
    CAUGHT,
    FAILED,
    RETRIED,
    RUNNING,
    SUCCEEDED,
    Attempt,
    ExecutionReport,
    Iteration,
    Problem,
    StateRun,
    Visit,
)

_ATTEMPT_PREFIXES = ("LambdaFunction", "Task", "Activity")
_ATTEMPT_ENDS = ("Succeeded", "Failed", "TimedOut", "StartFailed", "ScheduleFailed", "SubmitFailed")
_EXECUTION_ENDS = ("ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted")


def read_execution(description: Mapping[str, Any], events: Iterable[Mapping[str, Any]],
                   definition: Mapping[str, Any] | None, *, anchor: str, type: str = "STANDARD") -> ExecutionReport:
    """An execution's report from DescribeExecution, its history and (if known) its definition."""
    start = _seconds(description["startDate"])
    stop = _seconds(description["stopDate"]) if description.get("stopDate") is not None else None
    error = description.get("error")
    report = ExecutionReport(
        anchor=anchor, name=str(description.get("name", "")), arn=str(description["executionArn"]),
        state_machine_arn=str(description.get("stateMachineArn", "")), status=str(description["status"]),
        start=start, stop=stop, input=description.get("input"), output=description.get("output"),
        problem=Problem(str(error), description.get("cause")) if error is not None else None,
        definition=dict(definition) if definition is not None else None, type=type,
    )
    specs = dict(_states(definition or {}))
    report.states = {name: StateRun(name, str(spec.get("Type", "?"))) for name, spec in specs.items()}
    _Reader(report, specs).read(events)
    return report


def child_arns(report: ExecutionReport) -> Iterator[tuple[str, str]]:
    """(state name, execution ARN) of each execution a `states:startExecution` Task started."""
    for state in report.states.values():
        for visit in state.visits:
            for arn in visit.children:
                yield state.name, arn


class _Reader:
    def __init__(self, report: ExecutionReport, specs: Mapping[str, Mapping[str, Any]]) -> None:
        self.report = report
        self.specs = specs
        self.open: list[tuple[str, Visit]] = []  # entered, not yet exited, in entry order
        self.pending: list[Attempt] = []  # scheduled, not yet finished, oldest first
        self.owners: dict[int, Visit] = {}  # id(attempt) -> its visit
        self.iterations: dict[tuple[str, str], dict[str, Any]] = {}
        self.last_problem: Problem | None = None

    def read(self, events: Iterable[Mapping[str, Any]]) -> None:
        for event in events:
            kind = str(event["type"])
            at = _seconds(event["timestamp"])
            details: Mapping[str, Any] = next(
                (value for key, value in event.items() if key.endswith("EventDetails") and isinstance(value, dict)), {})
            if kind.endswith("StateEntered"):
                self._entered(kind.removesuffix("StateEntered"), details, at)
            elif kind.endswith("StateExited"):
                self._exited(details, at)
            elif kind.endswith("StateAborted"):
                self._aborted(kind.removesuffix("StateAborted"))
            elif kind in ("MapStateFailed", "ParallelStateFailed"):
                self._frame_failed(kind.removesuffix("StateFailed"))
            elif kind.startswith("MapIteration") or kind.startswith("MapRun"):
                self._iteration(kind, details, at)
            elif kind.startswith(_ATTEMPT_PREFIXES) and kind.endswith("Scheduled"):
                self._scheduled(kind, details, at)
            elif kind.startswith(_ATTEMPT_PREFIXES) and kind.endswith(_ATTEMPT_ENDS):
                self._attempt_ended(kind, details, at)
            elif kind.startswith(_ATTEMPT_PREFIXES) and kind.endswith("Submitted"):
                self._children(self._current_attempt_owner(), details.get("output"))
        self._finish()

    # -- states ------------------------------------------------------------------------------

    def _entered(self, prefix: str, details: Mapping[str, Any], at: float) -> None:
        name = str(details.get("name", "?"))
        state = self.report.states.setdefault(name, StateRun(name, prefix))
        visit = Visit(entered=at, input=details.get("input"))
        state.visits.append(visit)
        self.open.append((name, visit))
        if prefix == "Fail":  # its error fails the enclosing branch, iteration or execution
            self.last_problem = _fail_problem(self.specs.get(name, {})) or self.last_problem

    def _exited(self, details: Mapping[str, Any], at: float) -> None:
        name = details.get("name")
        for index, (open_name, visit) in enumerate(self.open):
            if open_name == name:
                visit.left, visit.output = at, details.get("output")
                del self.open[index]
                return

    def _aborted(self, state_type: str) -> None:
        """`<Type>StateAborted` names no state: it stops one open visit of that type, in a Parallel branch or
        Map iteration stopped because another failed, and last the failed Task itself, which stays failed."""
        open_of_type = [(index, visit) for index, (name, visit) in enumerate(self.open)
                        if self.report.states[name].type == state_type]
        stopped = [(index, visit) for index, visit in open_of_type
                   if not visit.attempts or visit.attempts[-1].problem is None]
        if not open_of_type:
            return
        index, visit = (stopped or open_of_type)[0]
        visit.cancelled = bool(stopped)
        del self.open[index]

    def _frame_failed(self, state_type: str) -> None:
        for name, visit in reversed(self.open):
            if self.report.states[name].type == state_type:
                visit.problem = self.last_problem or Problem(f"{state_type}StateFailed")
                return

    # -- Task attempts -----------------------------------------------------------------------

    def _scheduled(self, kind: str, details: Mapping[str, Any], at: float) -> None:
        resource = str(details.get("resource", ""))
        if resource_type := details.get("resourceType"):
            resource = f"{resource_type}:{resource}"
        owner = self._owner(resource, details.get("input"))
        if owner is None:
            return  # a history without the state's entry (truncated): nothing to attach it to
        attempt = Attempt(number=len(owner.attempts) + 1, at=at, resource=resource, input=details.get("input"))
        owner.attempts.append(attempt)
        self.owners[id(attempt)] = owner
        self.pending.append(attempt)

    def _owner(self, resource: str, data: Any) -> Visit | None:
        """The open Task visit a Scheduled event belongs to: one whose Resource matches and that is not
        waiting for a call; a retry (its last attempt failed with this very input) before a first
        call (no attempt yet, earliest entered first), as Map iterations schedule side by side."""
        tasks = [(name, visit) for name, visit in self.open if self.report.states[name].type == "Task"]
        matching = [visit for name, visit in tasks if _matches(self.specs.get(name, {}).get("Resource"), resource)]
        idle = [visit for visit in matching or [visit for _, visit in tasks]
                if not visit.attempts or visit.attempts[-1].finished is not None]
        retry = [visit for visit in idle if visit.attempts and visit.attempts[-1].problem is not None
                 and visit.attempts[-1].input == data]
        first = [visit for visit in idle if not visit.attempts]
        candidates = retry or first or idle or [visit for _, visit in tasks]
        return candidates[0] if candidates else None

    def _attempt_ended(self, kind: str, details: Mapping[str, Any], at: float) -> None:
        if not self.pending:
            return
        attempt = self.pending.pop(0)
        attempt.finished = at
        owner = self.owners[id(attempt)]
        if kind.endswith("Succeeded"):
            self._children(owner, details.get("output"))
            return
        attempt.problem = self.last_problem = Problem(str(details.get("error", kind)), details.get("cause"))
        self._children(owner, details.get("cause"))

    def _current_attempt_owner(self) -> Visit | None:
        return self.owners[id(self.pending[-1])] if self.pending else None

    def _children(self, owner: Visit | None, payload: Any) -> None:
        """A nested execution's ARN in a `states:startExecution` response, description or failure cause."""
        if owner is None or not isinstance(payload, str):
            return
        try:
            value = json_text.loads(payload)
        except json.JSONDecodeError:
            return
        arn = value.get("ExecutionArn", value.get("executionArn")) if isinstance(value, dict) else None
        if isinstance(arn, str) and ":execution:" in arn and arn not in owner.children:
            owner.children.append(arn)

    # -- Map iterations and Map Runs -----------------------------------------------------------

    def _iteration(self, kind: str, details: Mapping[str, Any], at: float) -> None:
        if kind == "MapRunStarted":
            state = next((name for name, _ in reversed(self.open) if self.report.states[name].type == "Map"), "?")
            self.iterations[(state, "run")] = {"state": state, "label": str(details.get("mapRunArn", "Map Run")),
                                               "status": RUNNING.upper(), "started": at, "stopped": None}
            return
        if kind.startswith("MapRun"):
            runs = [key for key in self.iterations if key[1] == "run"]
            if runs:
                self._close_iteration(self.iterations[runs[-1]], kind.removeprefix("MapRun"), at)
            if kind == "MapRunFailed":
                self.last_problem = Problem(str(details.get("error", "MapRunFailed")), details.get("cause"))
            return
        key = (str(details.get("name", "?")), f"index {details.get('index', '?')}")
        if kind == "MapIterationStarted":
            self.iterations[key] = {"state": key[0], "label": key[1], "status": RUNNING.upper(), "started": at,
                                    "stopped": None}
        elif key in self.iterations:
            self._close_iteration(self.iterations[key], kind.removeprefix("MapIteration"), at)

    @staticmethod
    def _close_iteration(record: dict[str, Any], outcome: str, at: float) -> None:
        record["status"] = {"Succeeded": "SUCCEEDED", "Failed": "FAILED", "Aborted": "ABORTED"}.get(outcome, outcome)
        record["stopped"] = at

    # -- outcomes ----------------------------------------------------------------------------

    def _finish(self) -> None:
        report = self.report
        report.iterations = [Iteration(**record) for record in self.iterations.values()]
        for state in report.states.values():
            spec = self.specs.get(state.name, {})
            for visit in state.visits:
                failed_attempts = [attempt for attempt in visit.attempts if attempt.problem is not None]
                last = visit.attempts[-1] if visit.attempts else None
                if last is not None and last.problem is not None and visit.problem is None:
                    visit.problem = last.problem
                if state.type == "Fail":
                    visit.problem = _fail_problem(spec) or report.problem
                    visit.outcome = FAILED
                elif visit.cancelled:
                    visit.outcome = CANCELLED
                elif visit.left is None:
                    visit.outcome = RUNNING if report.status == "RUNNING" else FAILED
                    if visit.outcome == FAILED and visit.problem is None:
                        visit.problem = report.problem
                elif visit.problem is not None:
                    visit.outcome = CAUGHT
                elif failed_attempts:
                    visit.outcome = RETRIED
                else:
                    visit.outcome = SUCCEEDED


def _states(definition: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every state of a definition, nested ones (Map processors, Parallel branches) after their parent."""
    states = definition.get("States")
    if not isinstance(states, dict):
        return
    for name, spec in states.items():
        if not isinstance(spec, dict):
            continue
        yield str(name), spec
        for nested in (spec.get("ItemProcessor"), spec.get("Iterator"), *(spec.get("Branches") or [])):
            if isinstance(nested, dict):
                yield from _states(nested)


def _fail_problem(spec: Mapping[str, Any]) -> Problem | None:
    """A Fail state's static Error and Cause (ErrorPath / CausePath are only known from the run)."""
    error, cause = spec.get("Error"), spec.get("Cause")
    return Problem(error, cause if isinstance(cause, str) else None) if isinstance(error, str) else None


def _matches(declared: Any, scheduled: str) -> bool:
    """A Task's `Resource` against a Scheduled event's: the Lambda ARN, or `lambda:invoke` for an integration."""
    if not isinstance(declared, str) or not scheduled:
        return False
    return declared == scheduled or declared.split(":::", 1)[-1].split(".")[0] == scheduled.split(".", maxsplit=1)[0]


def _seconds(value: Any) -> float:
    return value.timestamp() if isinstance(value, datetime) else float(value)
