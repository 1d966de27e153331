"""Retriers and Catchers (Task, Parallel and Map states).

ASL spec and AWS "Handling errors": `ErrorEquals` is a non-empty array of error names, and
`States.ALL` must appear alone in it and only in the last Retrier/Catcher; `MaxAttempts` ≥ 0,
`IntervalSeconds` ≥ 1, `BackoffRate` ≥ 1.0, `MaxDelaySeconds` ≥ 1, `JitterStrategy` is `FULL` or
`NONE`. A Catcher needs `Next` (whose target `transitions.py` checks) and may take `ResultPath`
(JSONPath, a reference path) or `Output` (JSONata), and `Assign`.

Example:
    >>> from sluice.asl.validation import validate_definition
    >>> task = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True,
    ...         "Retry": [{"ErrorEquals": ["States.ALL", "X"]}]}
    >>> [d.message for d in validate_definition({"StartAt": "T", "States": {"T": task}})]
    ["'States.ALL' must appear alone in 'ErrorEquals'"]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sluice.asl.errors import ErrorName
from sluice.asl.validation.diagnostics import Report
from sluice.asl.validation.fields import (
    gated_language,
    is_integer,
    is_number,
    missing,
    unsupported,
    wrong_language,
    wrong_type,
)
from sluice.asl.validation.paths import check_path
from sluice.asl.validation.walk import StateContext, pointer

MAX_SECONDS = 99_999_999
MAX_DELAY_SECONDS = 31_622_400


def _integer(low: int, high: int) -> Callable[[Any], bool]:
    return lambda value: is_integer(value, low, high)


_RETRIER_VALUES: dict[str, tuple[str, Callable[[Any], bool]]] = {
    "IntervalSeconds": (f"an integer between 1 and {MAX_SECONDS}", _integer(1, MAX_SECONDS)),
    "MaxAttempts": (f"an integer between 0 and {MAX_SECONDS}", _integer(0, MAX_SECONDS)),
    "MaxDelaySeconds": (f"an integer between 1 and {MAX_DELAY_SECONDS}", _integer(1, MAX_DELAY_SECONDS)),
    "BackoffRate": (
        "a number greater than or equal to 1.0",
        lambda value: is_number(value) and value >= 1,
    ),
    "JitterStrategy": ("one of [FULL, NONE]", lambda value: value in ("FULL", "NONE")),
    "Comment": ("a string", lambda value: isinstance(value, str)),
}
_RETRIER_FIELDS = frozenset({"ErrorEquals", *_RETRIER_VALUES})
_CATCHER_FIELDS = frozenset({"ErrorEquals", "Next", "ResultPath", "Output", "Assign", "Comment"})


def check_state(ctx: StateContext, report: Report) -> None:
    for field, kind in (("Retry", "Retrier"), ("Catch", "Catcher")):
        items = ctx.body.get(field)
        if not isinstance(items, list):
            continue  # absent, or a type error reported by fields.py
        for index, item in enumerate(items):
            where = ctx.at(field, index)
            if not isinstance(item, Mapping):
                report.schema(f"A {kind} must be a JSON object", where, ctx.name)
                continue
            _check_error_equals(item, where, kind, ctx.name, report, is_last=index == len(items) - 1)
            if field == "Retry":
                _check_retrier(item, where, ctx.name, report)
            else:
                _check_catcher(ctx, item, where, report)


def _check_error_equals(
    item: Mapping[str, Any], where: str, kind: str, state: str, report: Report, *, is_last: bool
) -> None:
    names = item.get("ErrorEquals")
    if "ErrorEquals" not in item:
        missing(report, "ErrorEquals", where, state)
        return
    if not isinstance(names, list) or not names or not all(isinstance(name, str) for name in names):
        wrong_type(
            report, "ErrorEquals", "a non-empty array of error names", pointer(where, "ErrorEquals"), state
        )
        return
    if ErrorName.ALL in names:
        if len(names) > 1:
            report.schema(
                f"'{ErrorName.ALL}' must appear alone in 'ErrorEquals'", pointer(where, "ErrorEquals"), state
            )
        if not is_last:
            report.schema(f"A {kind} with '{ErrorName.ALL}' must be the last one", where, state)


def _check_retrier(item: Mapping[str, Any], where: str, state: str, report: Report) -> None:
    for field, value in item.items():
        if field not in _RETRIER_FIELDS:
            unsupported(report, field, where, state)
        elif field in _RETRIER_VALUES:
            description, accepts = _RETRIER_VALUES[field]
            if not accepts(value):
                wrong_type(report, field, description, pointer(where, field), state)


def _check_catcher(ctx: StateContext, item: Mapping[str, Any], where: str, report: Report) -> None:
    for field in item:
        if field not in _CATCHER_FIELDS:
            unsupported(report, field, where, ctx.name)
        elif gated_language(field, ctx.language) is not None:
            wrong_language(report, field, ctx.language, where, ctx.name)
    if "Next" not in item:
        missing(report, "Next", where, ctx.name)
    elif not isinstance(item["Next"], str) or not item["Next"]:
        wrong_type(report, "Next", "a non-empty string", pointer(where, "Next"), ctx.name)
    if "ResultPath" in item and gated_language("ResultPath", ctx.language) is None:
        check_path(
            report, "ResultPath", item["ResultPath"], pointer(where, "ResultPath"), ctx.name, reference=True
        )
