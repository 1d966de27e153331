"""`Assign`: on a state, on a top-level Choice Rule and on a Catcher.

Each top-level key of an `Assign` object names a workflow variable (in JSONPath states a key
ending in `.$` takes its value from a path or intrinsic call, like a payload template). AWS
"Variable name syntax": a Unicode identifier (a letter or `_`, then letters, digits or `_`) of
at most 80 characters; `states` is reserved for the `$states` binding of JSONata.

Example:
    >>> problem_in_name("order-id")
    "it must start with a letter or '_' and contain only letters, digits and '_'"
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sluice.asl.validation.diagnostics import Report
from sluice.asl.validation.fields import wrong_type
from sluice.asl.validation.paths import check_expression, check_template
from sluice.asl.validation.walk import JSONPATH, StateContext, pointer

MAX_NAME_LENGTH = 80
RESERVED_NAMES = frozenset({"states"})


def problem_in_name(name: str) -> str | None:
    if not name.isidentifier():
        return "it must start with a letter or '_' and contain only letters, digits and '_'"
    if len(name) > MAX_NAME_LENGTH:
        return f"it is longer than {MAX_NAME_LENGTH} characters"
    if name in RESERVED_NAMES:
        return f"'{name}' is reserved"
    return None


def check_state(ctx: StateContext, report: Report) -> None:
    # The type of a state-level `Assign` is reported by fields.py with the other state fields.
    if isinstance(ctx.body.get("Assign"), Mapping):
        _check_assign(ctx, ctx.body["Assign"], ctx.at("Assign"), report)
    for container in ("Choices", "Catch"):
        items = ctx.body.get(container)
        if not isinstance(items, list):
            continue
        for index, item in enumerate(items):
            if isinstance(item, Mapping) and "Assign" in item:
                where = ctx.at(container, index, "Assign")
                if isinstance(item["Assign"], Mapping):
                    _check_assign(ctx, item["Assign"], where, report)
                else:
                    wrong_type(report, "Assign", "a JSON object", where, ctx.name)


def _check_assign(ctx: StateContext, assign: Mapping[str, Any], where: str, report: Report) -> None:
    for key, value in assign.items():
        dynamic = ctx.language == JSONPATH and key.endswith(".$")
        name = key[:-2] if dynamic else key
        problem = problem_in_name(name)
        if problem is not None:
            report.schema(
                f"The variable name '{name}' is not valid: {problem}", pointer(where, key), ctx.name
            )
        if ctx.language != JSONPATH:
            continue  # JSONata expressions are parsed by query_language.py
        if dynamic:
            check_expression(report, key, value, pointer(where, key), ctx.name)
        else:
            check_template(report, value, pointer(where, key), ctx.name)
