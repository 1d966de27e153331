"""`QueryLanguage` rules and the JSONata expressions of JSONata states.

Measured against AWS (ValidateStateMachineDefinition), all `SCHEMA_VALIDATION_FAILED`:

* `QueryLanguage` is `JSONPath` or `JSONata` (`Value should be one of the following: [...]`);
* a state cannot declare `JSONPath` when the whole machine is JSONata; the reverse is allowed;
* a field of the other language is refused at the state with
  `The QueryLanguage is set to 'JSONPath', but field 'Output' is only supported for the 'JSONata'
  QueryLanguage` (and the mirror message for `Parameters`, `ResultPath`… in JSONata states).

Every `{% %}` string of a JSONata state is parsed when the definition is created; one that does
not parse is an `INVALID_JSONATA_EXPRESSION` located at the string (`/States/E/Output/v`).

Example:
    >>> from sluice.asl.validation import validate_definition
    >>> state = {"Type": "Pass", "Output": {"v": "{% 1 + %}"}, "End": True}
    >>> print(*validate_definition({"QueryLanguage": "JSONata", "StartAt": "E", "States": {"E": state}}))
    INVALID_JSONATA_EXPRESSION: Unexpected end of expression at /States/E/Output/v
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from sluice.asl.jsonata_expr import check_syntax, is_jsonata_template, template_body
from sluice.asl.validation.diagnostics import Code, Report
from sluice.asl.validation.fields import STATE_FIELDS, gated_language, wrong_language
from sluice.asl.validation.walk import JSONATA, JSONPATH, StateContext, pointer

_LANGUAGES = f"Value should be one of the following: [{JSONPATH}, {JSONATA}]"

_STRUCTURE = frozenset(
    {"Type", "Comment", "QueryLanguage", "Next", "End", "Default", "Resource", "Label", "Retry"}
    | {"Branches", "ItemProcessor", "Iterator"}  # nested workflows: their own states are checked
)
"""State fields that never hold a JSONata expression."""

_RULE_STRUCTURE = frozenset({"Next", "Comment", "ErrorEquals", "Resource"})


def check_top_level(definition: Mapping[str, Any], report: Report) -> None:
    if "QueryLanguage" in definition and definition["QueryLanguage"] not in (JSONPATH, JSONATA):
        report.schema(_LANGUAGES, "/QueryLanguage")


def check_state(ctx: StateContext, report: Report) -> None:
    declared = ctx.body.get("QueryLanguage", None)
    if "QueryLanguage" in ctx.body and declared not in (JSONPATH, JSONATA):
        report.schema(_LANGUAGES, ctx.at("QueryLanguage"), ctx.name)
    if declared == JSONPATH and ctx.top_language == JSONATA:
        report.schema(
            "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine",
            ctx.pointer,
            ctx.name,
        )
    allowed = STATE_FIELDS.get(ctx.type or "", frozenset())
    for field in ctx.body:
        if field in allowed and gated_language(field, ctx.language) is not None:
            wrong_language(report, field, ctx.language, ctx.pointer, ctx.name)


def check_expressions(ctx: StateContext, report: Report) -> None:
    """Parse every JSONata expression of a JSONata state."""
    if ctx.language != JSONATA:
        return
    for location, value in _expression_strings(ctx.body, ctx.pointer):
        if is_jsonata_template(value):
            problem = check_syntax(template_body(value))
            if problem is not None:
                report.add(Code.INVALID_JSONATA_EXPRESSION, problem, location, ctx.name)


def _expression_strings(state: Mapping[str, Any], base: str) -> Iterator[tuple[str, str]]:
    for field, value in state.items():
        if field in _STRUCTURE:
            continue
        if field in ("Choices", "Catch", "ItemReader", "ResultWriter"):
            # Rule and catcher objects (and reader/writer configs) mix structure and expressions.
            items = enumerate(value) if isinstance(value, list) else [(None, value)]
            for index, item in items:
                where = pointer(base, field) if index is None else pointer(base, field, index)
                if isinstance(item, Mapping):
                    for key, sub in item.items():
                        if key not in _RULE_STRUCTURE:
                            yield from _strings(sub, pointer(where, key))
            continue
        yield from _strings(value, pointer(base, field))


def _strings(value: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _strings(item, pointer(where, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, pointer(where, index))
