"""Choice Rules.

JSONPath rules (ASL spec, "Choice Rules"): a rule is either a comparison — `Variable` plus exactly
one operator, whose value has the operator's type (a path for the `…Path` operators) — or exactly
one of `And`/`Or` (a non-empty array of rules) and `Not` (one rule). Only the top-level rules of
`Choices` carry `Next` (and may carry `Assign`); nested ones must not.

JSONata rules are a `Condition` (a boolean or a `{% %}` expression) and `Next`; `Variable`, the
operators and `And`/`Or`/`Not` belong to JSONPath and are refused with the query-language message.

Example:
    >>> from sluice.asl.validation import validate_definition
    >>> rule = {"Variable": "$.x", "NumericEquals": "1", "Next": "B"}
    >>> states = {"C": {"Type": "Choice", "Choices": [rule]}, "B": {"Type": "Succeed"}}
    >>> print(*validate_definition({"StartAt": "C", "States": states}))
    SCHEMA_VALIDATION_FAILED: Field 'NumericEquals' must be a number at /States/C/Choices[0]/NumericEquals
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sluice.asl.jsonata_expr import is_jsonata_template
from sluice.asl.validation.diagnostics import Report
from sluice.asl.validation.fields import is_number, missing, unsupported, wrong_language, wrong_type
from sluice.asl.validation.paths import check_path
from sluice.asl.validation.walk import JSONATA, JSONPATH, StateContext, pointer

_Kind = tuple[str, Callable[[Any], bool]]
_STRING: _Kind = ("a string", lambda value: isinstance(value, str))
_NUMBER: _Kind = ("a number", is_number)
_BOOLEAN: _Kind = ("a boolean", lambda value: isinstance(value, bool))

_COMPARED: dict[str, _Kind] = {
    **{
        f"String{op}": _STRING
        for op in ("Equals", "LessThan", "GreaterThan", "LessThanEquals", "GreaterThanEquals")
    },
    **{
        f"Numeric{op}": _NUMBER
        for op in ("Equals", "LessThan", "GreaterThan", "LessThanEquals", "GreaterThanEquals")
    },
    **{
        f"Timestamp{op}": _STRING
        for op in ("Equals", "LessThan", "GreaterThan", "LessThanEquals", "GreaterThanEquals")
    },
    "BooleanEquals": _BOOLEAN,
}
OPERATORS: dict[str, _Kind] = {
    **_COMPARED,
    **{f"{name}Path": ("a path", lambda value: True) for name in _COMPARED},
    "StringMatches": _STRING,
    **{f"Is{kind}": _BOOLEAN for kind in ("Null", "Present", "Numeric", "String", "Boolean", "Timestamp")},
}
COMBINATORS = ("And", "Or", "Not")
_TOP_LEVEL_EXTRAS = frozenset({"Next", "Comment", "Assign", "Output"})
_JSONATA_FIELDS = frozenset({"Condition", "Next", "Comment", "Assign", "Output"})


def check_state(ctx: StateContext, report: Report) -> None:
    choices = ctx.body.get("Choices")
    if ctx.type != "Choice" or not isinstance(choices, list):
        return
    for index, rule in enumerate(choices):
        where = ctx.at("Choices", index)
        if not isinstance(rule, Mapping):
            report.schema("A Choice Rule must be a JSON object", where, ctx.name)
        elif ctx.language == JSONATA:
            _check_jsonata_rule(rule, where, ctx.name, report)
        else:
            _check_rule(rule, where, ctx.name, report, top_level=True)
            if "Next" not in rule:
                missing(report, "Next", where, ctx.name)


def _check_jsonata_rule(rule: Mapping[str, Any], where: str, state: str, report: Report) -> None:
    for field in rule:
        if field in OPERATORS or field in COMBINATORS or field == "Variable":
            wrong_language(report, field, JSONATA, where, state)
        elif field not in _JSONATA_FIELDS:
            unsupported(report, field, where, state)
    for field in ("Condition", "Next"):
        if field not in rule:
            missing(report, field, where, state)
    condition = rule.get("Condition")
    if "Condition" in rule and not (isinstance(condition, bool) or is_jsonata_template(condition)):
        wrong_type(
            report, "Condition", "a boolean or a JSONata expression", pointer(where, "Condition"), state
        )


def _check_rule(rule: Mapping[str, Any], where: str, state: str, report: Report, *, top_level: bool) -> None:
    operators = [field for field in rule if field in OPERATORS]
    combinators = [field for field in rule if field in COMBINATORS]
    extras = _TOP_LEVEL_EXTRAS if top_level else frozenset({"Comment"})
    for field in rule:
        if field == "Condition" or (field == "Output" and top_level):
            wrong_language(report, field, JSONPATH, where, state)
        elif (
            field not in OPERATORS
            and field not in COMBINATORS
            and field != "Variable"
            and field not in extras
        ):
            unsupported(report, field, where, state)
    if combinators:
        if len(combinators) > 1 or operators or "Variable" in rule:
            report.schema(
                "A Choice Rule must have either one comparison operator with a 'Variable', "
                "or exactly one of 'And', 'Or', 'Not'",
                where,
                state,
            )
        for combinator in combinators:
            _check_combinator(combinator, rule[combinator], pointer(where, combinator), state, report)
        return
    if "Variable" not in rule:
        missing(report, "Variable", where, state)
    else:
        check_path(report, "Variable", rule["Variable"], pointer(where, "Variable"), state)
    if not operators:
        report.schema("A Choice Rule must have exactly one comparison operator", where, state)
    elif len(operators) > 1:
        report.schema(
            f"A Choice Rule must have exactly one comparison operator, found: [{', '.join(operators)}]",
            where,
            state,
        )
    for operator in operators:
        _check_operand(operator, rule[operator], pointer(where, operator), state, report)


def _check_combinator(name: str, value: Any, where: str, state: str, report: Report) -> None:
    if name == "Not":
        if isinstance(value, Mapping):
            _check_rule(value, where, state, report, top_level=False)
        else:
            wrong_type(report, name, "a Choice Rule object", where, state)
        return
    if not isinstance(value, list) or not value:
        wrong_type(report, name, "a non-empty array of Choice Rules", where, state)
        return
    for index, nested in enumerate(value):
        if isinstance(nested, Mapping):
            _check_rule(nested, pointer(where, index), state, report, top_level=False)
        else:
            report.schema("A Choice Rule must be a JSON object", pointer(where, index), state)


def _check_operand(operator: str, value: Any, where: str, state: str, report: Report) -> None:
    if operator.endswith("Path"):
        check_path(report, operator, value, where, state)
        return
    description, accepts = OPERATORS[operator]
    if not accepts(value):
        wrong_type(report, operator, description, where, state)
