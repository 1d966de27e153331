"""State names and Map labels, across the whole definition.

State names are 1 to 80 characters and unique in the whole state machine, branches and item
processors included (`DUPLICATE_STATE_NAME`, `INVALID_STATE_NAME`). A Distributed Map `Label` is
at most 40 characters, free of whitespace, brackets, wildcards, the special characters
``" # % \\ ^ | ~ ` $ & , ; : /`` and control characters, and unique in the state machine
(`INVALID_LABEL_NAME`, `DUPLICATE_LABEL_NAME`).

Example:
    >>> problem_in_label("batch run")
    'it must not contain whitespace, brackets, wildcards or any of " # % \\\\ ^ | ~ ` $ & , ; : /'
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sluice.asl.validation.diagnostics import Code, Report
from sluice.asl.validation.walk import StateContext, Workflow, pointer

MAX_STATE_NAME = 80
MAX_LABEL = 40
_LABEL_FORBIDDEN = re.compile(r"[\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]")


def problem_in_label(label: str) -> str | None:
    if not label or len(label) > MAX_LABEL:
        return f"it must be between 1 and {MAX_LABEL} characters"
    if _LABEL_FORBIDDEN.search(label):
        return 'it must not contain whitespace, brackets, wildcards or any of " # % \\ ^ | ~ ` $ & , ; : /'
    return None


def check_state_names(workflows: Iterable[Workflow], report: Report) -> None:
    seen: set[str] = set()
    for workflow in workflows:
        for name in workflow.states:
            where = pointer(workflow.pointer, "States", name)
            if not 1 <= len(name) <= MAX_STATE_NAME:
                report.add(
                    Code.INVALID_STATE_NAME,
                    f"State name must be between 1 and {MAX_STATE_NAME} characters: {name}",
                    where,
                    name,
                )
            if name in seen:
                report.add(Code.DUPLICATE_STATE_NAME, f"Duplicate State name: {name}", where, name)
            seen.add(name)


def check_labels(states: Iterable[StateContext], report: Report) -> None:
    seen: set[str] = set()
    for ctx in states:
        label = ctx.body.get("Label")
        if ctx.type != "Map" or not isinstance(label, str):
            continue
        problem = problem_in_label(label)
        if problem is not None:
            report.add(
                Code.INVALID_LABEL_NAME, f"Invalid Label '{label}': {problem}", ctx.at("Label"), ctx.name
            )
        if label in seen:
            report.add(Code.DUPLICATE_LABEL_NAME, f"Duplicate Label: {label}", ctx.at("Label"), ctx.name)
        seen.add(label)
