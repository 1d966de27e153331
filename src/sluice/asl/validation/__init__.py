"""Static validation of state machine definitions, before anything runs.

`validate_definition` returns the problems CreateStateMachine would reject a definition for, each
with AWS's diagnostic code, a message, the JSON pointer AWS prints (`/States/A/Next`) and the
state's name; `ensure_valid` raises `DefinitionInvalid` listing them. One module per concern:

* `fields` — fields each workflow level and state type accepts or requires, and their types;
* `query_language` — `QueryLanguage` rules and JSONata expressions;
* `paths` — `*Path` fields, `.$` payload keys and intrinsic calls of JSONPath states;
* `choice`, `states`, `retry_catch`, `variables` — Choice Rules, per-type rules (Task, Wait,
  Fail, Map), Retriers/Catchers and `Assign`;
* `names`, `transitions` — names across the definition, transitions inside each workflow.

Example:
    >>> validate_definition({"StartAt": "A", "States": {"A": {"Type": "Succeed"}}})
    []
    >>> ensure_valid({"StartAt": "B", "States": {"A": {"Type": "Succeed"}}})
    Traceback (most recent call last):
    ...
    sluice.asl.validation.diagnostics.DefinitionInvalid: Invalid State Machine Definition: \
MISSING_TRANSITION_TARGET: Missing 'Next' target: B at /StartAt, \
MISSING_TRANSITION_TARGET: State "A" is not reachable. at /States/A
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sluice.asl.limits import MAX_JSON_DEPTH, MAX_STATE_NESTING, json_problem, state_nesting
from sluice.asl.validation import (
    choice,
    fields,
    names,
    paths,
    query_language,
    retry_catch,
    states,
    transitions,
    variables,
)
from sluice.asl.validation.diagnostics import Code, DefinitionInvalid, Diagnostic, Report
from sluice.asl.validation.walk import JSONPATH, StateContext, iter_states, iter_workflows, language_of

__all__ = ["Code", "DefinitionInvalid", "Diagnostic", "ensure_shallow", "ensure_valid", "validate_definition"]

_STATE_RULES: tuple[Callable[[StateContext, Report], None], ...] = (
    fields.check_state,
    query_language.check_state,
    paths.check_state,
    choice.check_state,
    states.check_state,
    retry_catch.check_state,
    variables.check_state,
    query_language.check_expressions,
)


def validate_definition(definition: Mapping[str, Any], *, placeholders: bool = False) -> list[Diagnostic]:
    """Every problem found, in a stable order; `[]` when the definition is valid.

    `placeholders=True` reads a definition file before SAM substitutes its `${Name}` placeholders (`sluice
    validate`, `lint`, `graph`): a Task `Resource` that holds one is left to their own placeholder
    diagnostic. Step Functions receives the text as it is, so by default such a Resource is no ARN.
    """
    report = Report()
    if not isinstance(definition, Mapping):
        report.schema("The state machine definition must be a JSON object", "/")
        return report.diagnostics
    if _too_deep(definition, report):
        return report.diagnostics  # every rule below walks the definition recursively
    query_language.check_top_level(definition, report)
    top_language = language_of(definition, JSONPATH)
    workflows = list(iter_workflows(definition))
    all_states: list[StateContext] = []
    for workflow in workflows:
        fields.check_workflow(workflow, report)
        for ctx in iter_states(workflow, top_language):
            all_states.append(ctx)
            for rule in _STATE_RULES:
                rule(ctx, report)
            states.check_resource(ctx, report, placeholders=placeholders)
    names.check_state_names(workflows, report)
    names.check_labels(all_states, report)
    for workflow in workflows:
        transitions.check_workflow(workflow, report)
    return report.diagnostics


def _too_deep(definition: Mapping[str, Any], report: Report) -> bool:
    """Nesting past `sluice.asl.limits` (checked without recursion), reported AWS-style."""
    nesting = state_nesting(definition)
    if nesting > MAX_STATE_NESTING:
        report.add(
            Code.TOO_DEEPLY_NESTED,
            f"The states are too deeply nested: Parallel and Map states nest {nesting} levels deep, "
            f"more than the {MAX_STATE_NESTING} sluice accepts",
            "",
        )
        return True
    problem = json_problem(definition, MAX_JSON_DEPTH)
    if problem is not None:
        report.schema(f"The definition is not valid JSON: {problem}", "")
        return True
    return False


def ensure_valid(definition: Mapping[str, Any]) -> None:
    """Raise DefinitionInvalid when `validate_definition` finds anything."""
    diagnostics = validate_definition(definition)
    if diagnostics:
        raise DefinitionInvalid(diagnostics)


def ensure_shallow(definition: Mapping[str, Any]) -> None:
    """Only the nesting limits: what an engine built with `validate=False` still needs, because
    compiling a definition nested past them would exhaust Python's stack."""
    report = Report()
    if _too_deep(definition, report):
        raise DefinitionInvalid(report.diagnostics)
