"""Paths in JSONPath states: `*Path` fields, `.$` keys of payload templates, intrinsic calls.

What each field accepts (AWS's grammar, as LocalStack's AWS-tested parser encodes it):

* `InputPath`, `OutputPath`, `ItemsPath`, `SecondsPath`, … — a path rooted at `$` (the data),
  `$$` (the context object) or `$name` (a variable);
* `ResultPath` and a Catcher's `ResultPath` — a *reference* path: rooted at `$`, fields and
  indexes only (no wildcard, filter or slice);
* `ErrorPath`, `CausePath` and every `"key.$"` of `Parameters`/`ResultSelector`/`ItemSelector`/
  `Assign`/… — a path or an intrinsic function call.

Paths are checked with the interpreter's own parser (`sluice.asl.paths.compile_path`) so that
what validates is exactly what runs; intrinsic calls with `parse_intrinsic`, including the paths
passed to them as arguments.

Example:
    >>> print(problem_in_expression("States.Format('{}', $.a[0)"))
    Invalid intrinsic function call "States.Format('{}', $.a[0)": mismatched ')' in path (at position 25)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sluice.asl.intrinsics import IntrinsicSyntaxError, parse_intrinsic
from sluice.asl.paths import ROOT_INPUT, PathSyntaxError, compile_path
from sluice.asl.validation.diagnostics import Report
from sluice.asl.validation.walk import JSONPATH, StateContext, pointer

SAMPLER_FIELDS = (
    "InputPath",
    "OutputPath",
    "ItemsPath",
    "SecondsPath",
    "TimestampPath",
    "TimeoutSecondsPath",
    "HeartbeatSecondsPath",
    "MaxConcurrencyPath",
    "ToleratedFailureCountPath",
    "ToleratedFailurePercentagePath",
)
NULLABLE = frozenset({"InputPath", "OutputPath", "ResultPath"})
EXPRESSION_FIELDS = ("ErrorPath", "CausePath")
TEMPLATE_FIELDS = ("Parameters", "ResultSelector", "ItemSelector", "Credentials")

# Paths and templates inside Map's ItemReader / ItemBatcher / ResultWriter objects.
_NESTED_SAMPLERS = {
    "ItemReader": (("ReaderConfig", "MaxItemsPath"),),
    "ItemBatcher": (("MaxItemsPerBatchPath",), ("MaxInputBytesPerBatchPath",)),
}
_NESTED_TEMPLATES = {
    "ItemReader": ("Parameters",),
    "ItemBatcher": ("BatchInput",),
    "ResultWriter": ("Parameters",),
}


def problem_in_path(value: Any, *, reference: bool = False) -> str | None:
    """Why `value` is not a path (a reference path when `reference`), or None."""
    if not isinstance(value, str):
        return "it is not a string"
    try:
        path = compile_path(value)
    except PathSyntaxError as error:
        return str(error)
    if reference and (path.root != ROOT_INPUT or not path.is_reference):
        return f"'{value}' must start with '$' and select a single node (fields and indexes only)"
    return None


def problem_in_expression(value: Any) -> str | None:
    """Why `value` is neither a path nor a well-formed intrinsic call, or None."""
    # `States.` without the closing parenthesis is a broken call rather than a broken path.
    if isinstance(value, str) and value.startswith("States."):
        try:
            call = parse_intrinsic(value)
        except IntrinsicSyntaxError as error:
            return str(error)
        for argument in call.paths():
            problem = problem_in_path(argument)
            if problem is not None:
                return problem
        return None
    return problem_in_path(value)


def check_path(
    report: Report, field: str, value: Any, where: str, state: str | None, *, reference: bool = False
) -> None:
    if value is None and field in NULLABLE:
        return
    problem = problem_in_path(value, reference=reference)
    if problem is not None:
        kind = "reference path" if reference else "JSONPath"
        report.schema(f"The value for the field '{field}' must be a valid {kind}: {problem}", where, state)


def check_expression(report: Report, field: str, value: Any, where: str, state: str | None) -> None:
    problem = problem_in_expression(value)
    if problem is not None:
        report.schema(
            f"The value for the field '{field}' must be a valid JSONPath or a valid intrinsic function "
            f"call: {problem}",
            where,
            state,
        )


def check_template(report: Report, template: Any, where: str, state: str | None) -> None:
    """Every `"key.$"` inside a payload template holds a path or an intrinsic call."""
    if isinstance(template, Mapping):
        for key, value in template.items():
            if key.endswith(".$"):
                check_expression(report, key, value, pointer(where, key), state)
            else:
                check_template(report, value, pointer(where, key), state)
    elif isinstance(template, list):
        for index, item in enumerate(template):
            check_template(report, item, pointer(where, index), state)


def check_state(ctx: StateContext, report: Report) -> None:
    if ctx.language != JSONPATH:
        return  # the JSONPath fields of a JSONata state are refused by query_language.py
    body = ctx.body
    for field in SAMPLER_FIELDS:
        if field in body:
            check_path(report, field, body[field], ctx.at(field), ctx.name)
    if "ResultPath" in body:
        check_path(report, "ResultPath", body["ResultPath"], ctx.at("ResultPath"), ctx.name, reference=True)
    for field in EXPRESSION_FIELDS:
        if field in body:
            check_expression(report, field, body[field], ctx.at(field), ctx.name)
    for field in TEMPLATE_FIELDS:
        if isinstance(body.get(field), Mapping):
            check_template(report, body[field], ctx.at(field), ctx.name)
    for field, locations in _NESTED_SAMPLERS.items():
        for location in locations:
            value = _dig(body.get(field), location)
            if value is not None:
                check_path(report, location[-1], value, ctx.at(field, *location), ctx.name)
    for field, names in _NESTED_TEMPLATES.items():
        for name in names:
            template = _dig(body.get(field), (name,))
            if isinstance(template, Mapping):
                check_template(report, template, ctx.at(field, name), ctx.name)


def _dig(value: Any, keys: tuple[str, ...]) -> Any:
    for key in keys:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value
