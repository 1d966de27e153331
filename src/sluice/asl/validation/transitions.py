"""Transitions inside each workflow: targets that exist, a terminal state, reachable states.

AWS's behaviour, as measured with ValidateStateMachineDefinition:

* a `StartAt`, `Next`, `Default`, `Choices[i].Next` or `Catch[i].Next` naming no state of the same
  workflow is `MISSING_TRANSITION_TARGET: Missing 'Next' target: <name>` — the word is always
  `Next` — located at the field (`/StartAt`, `/States/C/Choices[0]/Next`, `/States/A/Default`);
* a workflow without any terminal state (`"End": true`, Succeed, Fail) is one
  `MISSING_END_STATE: Workflow has no terminal state` without a location, and then no
  reachability diagnostics are reported;
* a state that is neither the `StartAt` nor the target of any transition is
  `MISSING_TRANSITION_TARGET: State "X" is not reachable.` at `/States/X`. (AWS checks that each
  state is referenced, not that it is reachable from the start: `Pass One → Success` with a
  missing StartAt reports only `Pass One`.)

Transitions never cross workflow boundaries: a branch's `Next` names a state of that branch.

Example:
    >>> from sluice.asl.validation import validate_definition
    >>> states = {"A": {"Type": "Pass", "Next": "NOPE"}}
    >>> print(*validate_definition({"StartAt": "A", "States": states}), sep="\\n")
    MISSING_TRANSITION_TARGET: Missing 'Next' target: NOPE at /States/A/Next
    MISSING_END_STATE: Workflow has no terminal state
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from sluice.asl.validation.diagnostics import Code, Report
from sluice.asl.validation.walk import Workflow, pointer

_TERMINAL_TYPES = ("Succeed", "Fail")


def check_workflow(workflow: Workflow, report: Report) -> None:
    states = workflow.states
    if not states:
        return  # reported by fields.py
    start_at = workflow.body.get("StartAt")
    targets: set[str] = set()
    if isinstance(start_at, str) and start_at:
        targets.add(start_at)
        if start_at not in states:
            _missing_target(report, start_at, pointer(workflow.pointer, "StartAt"), None)
    for name, state in states.items():
        if not isinstance(state, Mapping):
            continue
        for target, where in _transitions(state, pointer(workflow.pointer, "States", name)):
            targets.add(target)
            if target not in states:
                _missing_target(report, target, where, name)
    if not any(isinstance(state, Mapping) and _is_terminal(state) for state in states.values()):
        report.add(Code.MISSING_END_STATE, "Workflow has no terminal state", workflow.pointer)
        return
    for name in states:
        if name not in targets:
            report.add(
                Code.MISSING_TRANSITION_TARGET,
                f'State "{name}" is not reachable.',
                pointer(workflow.pointer, "States", name),
                name,
            )


def _missing_target(report: Report, target: str, where: str, state: str | None) -> None:
    report.add(Code.MISSING_TRANSITION_TARGET, f"Missing 'Next' target: {target}", where, state)


def _is_terminal(state: Mapping[str, Any]) -> bool:
    return state.get("End") is True or state.get("Type") in _TERMINAL_TYPES


def _transitions(state: Mapping[str, Any], where: str) -> Iterator[tuple[str, str]]:
    """(target, location) for every transition out of a state."""
    for field in ("Next", "Choices", "Default", "Catch"):
        value = state.get(field)
        if isinstance(value, str) and field in ("Next", "Default"):
            yield value, pointer(where, field)
        elif isinstance(value, list) and field in ("Choices", "Catch"):
            for index, item in enumerate(value):
                if isinstance(item, Mapping) and isinstance(item.get("Next"), str):
                    yield item["Next"], pointer(where, field, index, "Next")
