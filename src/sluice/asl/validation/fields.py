"""Which fields each workflow level and state type accepts, which it requires, and their types.

Field sets follow the AWS state reference pages (Pass, Task, Choice, Wait, Succeed, Fail,
Parallel, Map) including the JSONata additions. AWS reports a field a state type does not have as
`Field 'X' is not supported` at the state (measured: `TimeoutSeconds` on Pass, `Catch`/`Retry`
on Pass, Wait, Choice, Succeed and Fail), and a field of the other query language with its own
message (see `query_language.py`), so the two are told apart here.

Example:
    >>> from sluice.asl.validation import validate_definition
    >>> state = {"Type": "Pass", "Foo": 1, "End": True}
    >>> print(*validate_definition({"StartAt": "A", "States": {"A": state}}))
    SCHEMA_VALIDATION_FAILED: Field 'Foo' is not supported at /States/A
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sluice.asl.jsonata_expr import is_jsonata_template
from sluice.asl.validation.diagnostics import Report
from sluice.asl.validation.walk import JSONATA, JSONPATH, StateContext, Workflow, pointer

_COMMON = frozenset({"Type", "Comment", "QueryLanguage"})
_TRANSITION = frozenset({"Next", "End"})
_IO = frozenset({"InputPath", "OutputPath", "Output"})
_RESULT = frozenset({"ResultPath", "Parameters", "ResultSelector", "Arguments"})
_ERRORS = frozenset({"Retry", "Catch"})

STATE_FIELDS: dict[str, frozenset[str]] = {
    "Pass": _COMMON | _TRANSITION | _IO | {"ResultPath", "Parameters", "Result", "Assign"},
    "Task": _COMMON
    | _TRANSITION
    | _IO
    | _RESULT
    | _ERRORS
    | {
        "Resource",
        "TimeoutSeconds",
        "TimeoutSecondsPath",
        "HeartbeatSeconds",
        "HeartbeatSecondsPath",
        "Credentials",
        "Assign",
    },
    "Choice": _COMMON | _IO | {"Choices", "Default", "Assign"},
    "Wait": _COMMON | _TRANSITION | _IO | {"Seconds", "Timestamp", "SecondsPath", "TimestampPath", "Assign"},
    "Succeed": _COMMON | _IO,
    "Fail": _COMMON | {"Error", "ErrorPath", "Cause", "CausePath"},
    "Parallel": _COMMON | _TRANSITION | _IO | _RESULT | _ERRORS | {"Branches", "Assign"},
    "Map": _COMMON
    | _TRANSITION
    | _IO
    | _ERRORS
    | {
        "ItemProcessor",
        "Iterator",
        "ItemsPath",
        "Items",
        "ItemSelector",
        "Parameters",
        "ItemReader",
        "ItemBatcher",
        "ResultWriter",
        "ResultPath",
        "ResultSelector",
        "MaxConcurrency",
        "MaxConcurrencyPath",
        "ToleratedFailurePercentage",
        "ToleratedFailurePercentagePath",
        "ToleratedFailureCount",
        "ToleratedFailureCountPath",
        "Label",
        "Assign",
    },
}
STATE_TYPES = tuple(STATE_FIELDS)

REQUIRED: dict[str, tuple[str, ...]] = {
    "Task": ("Resource",),
    "Choice": ("Choices",),
    "Parallel": ("Branches",),
}

JSONPATH_ONLY = frozenset(
    {
        "InputPath",
        "OutputPath",
        "ResultPath",
        "Parameters",
        "ResultSelector",
        "Result",
        "ItemsPath",
        "SecondsPath",
        "TimestampPath",
        "TimeoutSecondsPath",
        "HeartbeatSecondsPath",
        "MaxConcurrencyPath",
        "ToleratedFailureCountPath",
        "ToleratedFailurePercentagePath",
        "ErrorPath",
        "CausePath",
    }
)
JSONATA_ONLY = frozenset({"Arguments", "Output", "Items"})

_WORKFLOW_FIELDS = {
    "top": frozenset({"StartAt", "States", "Comment", "Version", "TimeoutSeconds", "QueryLanguage"}),
    "branch": frozenset({"StartAt", "States", "Comment"}),
    "processor": frozenset({"StartAt", "States", "Comment", "ProcessorConfig"}),
}
MAX_SECONDS = 99_999_999


def unsupported(report: Report, field: str, path: str, state: str | None) -> None:
    report.schema(f"Field '{field}' is not supported", path, state)


def missing(report: Report, field: str, path: str, state: str | None) -> None:
    report.schema(f"The field '{field}' is required but was missing", path, state)


def wrong_type(report: Report, field: str, description: str, path: str, state: str | None) -> None:
    report.schema(f"Field '{field}' must be {description}", path, state)


def wrong_language(report: Report, field: str, language: str, path: str, state: str | None) -> None:
    other = JSONPATH if language == JSONATA else JSONATA
    report.schema(
        f"The QueryLanguage is set to '{language}', but field '{field}' is only supported for the "
        f"'{other}' QueryLanguage",
        path,
        state,
    )


def gated_language(field: str, language: str) -> str | None:
    """The language a field belongs to when it is not `language`, else None."""
    if language == JSONATA and field in JSONPATH_ONLY:
        return JSONPATH
    if language == JSONPATH and field in JSONATA_ONLY:
        return JSONATA
    return None


# --- Workflow level ------------------------------------------------------------------------------


def check_workflow(workflow: Workflow, report: Report) -> None:
    """Fields of a definition, branch or item processor; `StartAt` and `States` present."""
    body, where = workflow.body, workflow.pointer or "/"
    for field in body:
        if field not in _WORKFLOW_FIELDS[workflow.kind]:
            unsupported(report, field, where, None)
    start_at = body.get("StartAt")
    if "StartAt" not in body:
        missing(report, "StartAt", where, None)
    elif not isinstance(start_at, str) or not start_at:
        wrong_type(report, "StartAt", "a non-empty string", pointer(workflow.pointer, "StartAt"), None)
    states = body.get("States")
    if "States" not in body:
        missing(report, "States", where, None)
    elif not isinstance(states, Mapping) or not states:
        wrong_type(
            report,
            "States",
            "a JSON object with at least one state",
            pointer(workflow.pointer, "States"),
            None,
        )
    else:
        for name, state in states.items():
            if not isinstance(state, Mapping):
                report.schema(
                    f"The state '{name}' must be a JSON object",
                    pointer(workflow.pointer, "States", name),
                    name,
                )
    if "Comment" in body and not isinstance(body["Comment"], str):
        wrong_type(report, "Comment", "a string", pointer(workflow.pointer, "Comment"), None)
    if workflow.kind == "top":
        _check_top_level(body, report)


def _check_top_level(body: Mapping[str, Any], report: Report) -> None:
    if "Version" in body and body["Version"] != "1.0":
        report.schema("Value should be one of the following: [1.0]", "/Version")
    timeout = body.get("TimeoutSeconds")
    if "TimeoutSeconds" in body and not is_integer(timeout, 1, MAX_SECONDS):
        wrong_type(
            report, "TimeoutSeconds", f"an integer between 1 and {MAX_SECONDS}", "/TimeoutSeconds", None
        )


# --- State level ---------------------------------------------------------------------------------


def check_state(ctx: StateContext, report: Report) -> None:
    """Type, unknown fields, required fields, Next/End and value types of one state."""
    state_type = ctx.body.get("Type")
    if "Type" not in ctx.body:
        missing(report, "Type", ctx.pointer, ctx.name)
        return
    if not isinstance(state_type, str) or state_type not in STATE_FIELDS:
        report.schema(
            f"Value should be one of the following: [{', '.join(STATE_TYPES)}]", ctx.at("Type"), ctx.name
        )
        return
    allowed = STATE_FIELDS[state_type]
    for field in ctx.body:
        if field not in allowed:
            unsupported(report, field, ctx.pointer, ctx.name)
    for field in REQUIRED.get(state_type, ()):
        if field not in ctx.body:
            missing(report, field, ctx.pointer, ctx.name)
    if _TRANSITION & allowed:
        _check_transition(ctx, report)
    for field, value in ctx.body.items():
        checker = _VALUE_TYPES.get(field)
        if state_type == "Pass" and field == "Parameters":
            # A Pass state's payload template may be any JSON value: the service takes an array (deployed:
            # serverless-patterns' eventbridge-pipes-sqs-to-lambda-with-stepfunction-enrichment; the AWS
            # Toolkit's schema and asl-validator were changed to accept it "to match the service").
            continue
        if checker is not None and field in allowed and gated_language(field, ctx.language) is None:
            description, accepts = checker
            jsonata_allowed = ctx.language == JSONATA and field in _JSONATA_EXPRESSION_FIELDS
            if not accepts(value) and not (jsonata_allowed and is_jsonata_template(value)):
                wrong_type(report, field, description, ctx.at(field), ctx.name)


def exclusive(ctx: StateContext, report: Report, *fields: str) -> None:
    """At most one of `fields` may be present."""
    present = [field for field in fields if field in ctx.body]
    if len(present) > 1:
        report.schema(f"Only one of the fields [{', '.join(fields)}] may be specified", ctx.pointer, ctx.name)


def _check_transition(ctx: StateContext, report: Report) -> None:
    exclusive(ctx, report, "Next", "End")
    if "Next" not in ctx.body and ctx.body.get("End") is not True:
        report.schema("The state must have either a 'Next' field or \"End\": true", ctx.pointer, ctx.name)


def is_number(value: Any) -> bool:
    """A JSON number (booleans are not numbers here, unlike in Python)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_integer(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _is_object(value: Any) -> bool:
    return isinstance(value, Mapping)


def _non_empty_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value)


_Checker = tuple[str, Callable[[Any], bool]]
_STRING: _Checker = ("a string", lambda value: isinstance(value, str))
_NAME: _Checker = ("a non-empty string", lambda value: isinstance(value, str) and bool(value))
_OBJECT: _Checker = ("a JSON object", _is_object)
_PATH: _Checker = ("a string or null", lambda value: value is None or isinstance(value, str))

_VALUE_TYPES: dict[str, _Checker] = {
    "Comment": _STRING,
    "Next": _NAME,
    "Default": _NAME,
    "End": ("a boolean", lambda value: isinstance(value, bool)),
    "Resource": _NAME,
    "InputPath": _PATH,
    "OutputPath": _PATH,
    "ResultPath": _PATH,
    "Parameters": _OBJECT,
    "ResultSelector": _OBJECT,
    "ItemSelector": _OBJECT,
    "Credentials": _OBJECT,
    "Assign": _OBJECT,
    "ItemProcessor": _OBJECT,
    "Iterator": _OBJECT,
    "ItemReader": _OBJECT,
    "ItemBatcher": _OBJECT,
    "ResultWriter": _OBJECT,
    "Arguments": ("a JSON object or a JSONata expression", _is_object),
    "Items": ("an array or a JSONata expression", lambda value: isinstance(value, list)),
    "Seconds": (f"an integer between 0 and {MAX_SECONDS}", lambda value: is_integer(value, 0, MAX_SECONDS)),
    "Timestamp": _STRING,
    "TimeoutSeconds": (
        f"an integer between 1 and {MAX_SECONDS}",
        lambda value: is_integer(value, 1, MAX_SECONDS),
    ),
    "HeartbeatSeconds": (
        f"an integer between 1 and {MAX_SECONDS}",
        lambda value: is_integer(value, 1, MAX_SECONDS),
    ),
    "MaxConcurrency": ("a non-negative integer", lambda value: is_integer(value, 0, 2**31 - 1)),
    "ToleratedFailureCount": ("a non-negative integer", lambda value: is_integer(value, 0, 2**31 - 1)),
    "ToleratedFailurePercentage": (
        "a number between 0 and 100",
        lambda value: is_number(value) and 0 <= value <= 100,
    ),
    "Error": _STRING,
    "Cause": _STRING,
    "Label": _STRING,
    "Choices": ("a non-empty array of Choice Rules", _non_empty_list),
    "Branches": ("a non-empty array of workflows",
                 lambda value: _non_empty_list(value) and all(isinstance(branch, Mapping) for branch in value)),
    "Retry": ("an array of Retriers", lambda value: isinstance(value, list)),
    "Catch": ("an array of Catchers", lambda value: isinstance(value, list)),
}
_JSONATA_EXPRESSION_FIELDS = frozenset(
    {
        "Arguments",
        "Items",
        "Seconds",
        "Timestamp",
        "TimeoutSeconds",
        "HeartbeatSeconds",
        "MaxConcurrency",
        "ToleratedFailureCount",
        "ToleratedFailurePercentage",
        "Error",
        "Cause",
    }
)
"""Fields a JSONata state may give as a `{% %}` expression instead of a literal value."""
