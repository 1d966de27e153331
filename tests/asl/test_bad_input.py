"""Bad-input campaign for the engine (issue 10, item 4): hostile definitions and inputs.

Whatever hypothesis generates — wrong types in any field, truncated definition text, unicode
with lone surrogates, NaN/Infinity, deep nesting, payloads over 256 KiB — the engine answers
as AWS would: a definition error (`DefinitionInvalid` / `DefinitionLoadError`), an
`InvalidExecutionInput`, or an execution that ends with an AWS error name. Never another Python
exception, never "sluice internal error", never a hang (JSONata has a short time bound here and
each example a hypothesis deadline).
"""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sluice.asl import DefinitionLoadError, Engine, InvalidExecutionInput, JsonataLimits, load_definition
from sluice.asl.names import InvalidName
from sluice.asl.validation import DefinitionInvalid

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:echo"
_CAMPAIGN = settings(
    max_examples=60,
    deadline=timedelta(seconds=5),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

_PROCESSOR = {"StartAt": "Inner", "States": {"Inner": {"Type": "Pass", "End": True}}}
# One definition per state type, each using the fields a mutation can then break.
TEMPLATES: list[dict[str, Any]] = [
    {"StartAt": "S", "States": {"S": {"Type": "Pass", "InputPath": "$.a", "Parameters": {"x.$": "$.b"},
                                      "ResultPath": "$.r", "OutputPath": "$", "End": True}}},
    {"StartAt": "S", "States": {"S": {"Type": "Task", "Resource": LAMBDA, "ResultSelector": {"v.$": "$"},
                                      "TimeoutSecondsPath": "$.t", "Retry": [{"ErrorEquals": ["States.ALL"]}],
                                      "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "F"}], "End": True},
                                "F": {"Type": "Fail", "ErrorPath": "$.Error", "CausePath": "$.Cause"}}},
    {"StartAt": "S", "States": {"S": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrencyPath": "$.c",
                                      "ItemSelector": {"v.$": "$$.Map.Item.Value"}, "ItemProcessor": _PROCESSOR,
                                      "End": True}}},
    {"StartAt": "S", "States": {"S": {"Type": "Map", "ItemsPath": "$.items", "ToleratedFailureCountPath": "$.n",
                                      "ToleratedFailurePercentagePath": "$.p", "ItemProcessor": {
                                          **_PROCESSOR, "ProcessorConfig": {"Mode": "DISTRIBUTED",
                                                                            "ExecutionType": "STANDARD"}},
                                      "End": True}}},
    {"StartAt": "S", "States": {"S": {"Type": "Choice", "Choices": [
        {"Variable": "$.a", "NumericGreaterThanPath": "$.b", "Next": "D"},
        {"Variable": "$.s", "StringMatches": "x*", "Next": "D"}], "Default": "D"}, "D": {"Type": "Succeed"}}},
    {"StartAt": "S", "States": {"S": {"Type": "Wait", "TimestampPath": "$.ts", "Next": "W"},
                                "W": {"Type": "Wait", "SecondsPath": "$.sec", "End": True}}},
    {"StartAt": "S", "States": {"S": {"Type": "Parallel", "Branches": [_PROCESSOR, _PROCESSOR],
                                      "ResultPath": "$.branches", "End": True}}},
    {"StartAt": "S", "States": {"S": {"Type": "Pass", "Parameters": {
        "f.$": "States.Format('{} {}', $.a, $.b)", "j.$": "States.StringToJson($.s)",
        "h.$": "States.Hash($.a, 'SHA-256')", "g.$": "States.ArrayGetItem($.items, $.n)",
        "m.$": "States.JsonMerge($.a, $.b, false)", "r.$": "States.ArrayRange(0, $.n, 1)"}, "End": True}}},
    {"QueryLanguage": "JSONata", "StartAt": "S", "States": {"S": {
        "Type": "Pass", "Assign": {"v": "{% $states.input.a %}"},
        "Output": {"sum": "{% $sum($states.input.items) %}", "p": "{% $parse($states.input.s) %}",
                   "r": "{% $range(0, $states.input.n, 1) %}"}, "Next": "M"},
        "M": {"Type": "Map", "Items": "{% $states.input.items %}", "MaxConcurrency": "{% $states.input.c %}",
              "ItemProcessor": _PROCESSOR, "End": True}}},
]

_SURROGATES = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
_TEXT = st.text(alphabet=st.one_of(st.characters(), _SURROGATES), max_size=12)
_SPECIAL = st.sampled_from([
    "$", "$.a", "$.items", "$$.Execution.Id", "$$.Map.Item.Value", "$.a[0].b", "$..a", "$.a[?(@.x > 1)]",
    "$unset.x", "States.Format('{}', $.missing)", "States.Array(", "{% $ %}", "{% ( %}", "{% $states.input %}",
    "{% [1..99999999] %}", "STANDARD", "DISTRIBUTED", "JSONata", "x" * 300, "2016-03-14T01:59:00Z", "-1",
])
_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), _TEXT, _SPECIAL,
)
_VALUES = st.recursive(_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.one_of(_TEXT, st.sampled_from(["a", "b", "items", "n"])),
                                                 inner, max_size=4)), max_leaves=12)


def _deep(depth: int) -> Any:
    value: Any = 0
    for _ in range(depth):
        value = [value]
    return value


_INPUTS = st.one_of(
    _VALUES,
    st.fixed_dictionaries({"a": _VALUES, "b": _VALUES, "items": _VALUES, "n": _VALUES, "c": _VALUES,
                           "s": _VALUES, "p": _VALUES, "t": _VALUES, "ts": _VALUES, "sec": _VALUES}),
    st.integers(min_value=250, max_value=2_000).map(_deep),
    st.integers(min_value=200_000, max_value=300_000).map(lambda size: {"big": "x" * size}),
)


def _echo(event: Any, context: Any) -> Any:
    return event


def _assert_handled(definition: Any, data: Any) -> None:
    """The contract: an AWS-style refusal or a finished execution with an AWS error name."""
    with Engine(functions={"echo": _echo}, jsonata_limits=JsonataLimits(timeout_seconds=0.5)) as engine:
        try:
            execution = engine.run(definition, data)
        except (DefinitionInvalid, DefinitionLoadError, InvalidExecutionInput, InvalidName):
            return
    assert execution.status in {"SUCCEEDED", "FAILED"}, execution.status
    if execution.status == "FAILED":
        assert execution.error, "a failed execution names its error"
        assert "sluice internal error" not in (execution.cause or ""), execution.cause
    json.dumps(execution.describe(), default=str)  # what DescribeExecution would print
    json.dumps(list(execution.history), default=str)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
    for key, child in items:
        found += _paths(child, (*prefix, key))
    return found


@st.composite
def _mutated_definitions(draw: st.DrawFn) -> dict[str, Any]:
    """A working template with one field anywhere in it replaced by a hostile value."""
    definition: dict[str, Any] = copy.deepcopy(draw(st.sampled_from(TEMPLATES)))
    target = draw(st.sampled_from(_paths(definition)))
    container = definition
    for key in target[:-1]:
        container = container[key]
    container[target[-1]] = draw(_VALUES)
    return definition


@_CAMPAIGN
@given(definition=_mutated_definitions(), data=_INPUTS)
def test_wrong_types_in_any_field(definition: dict[str, Any], data: Any) -> None:
    _assert_handled(definition, data)


@_CAMPAIGN
@given(definition=st.sampled_from(TEMPLATES), data=_INPUTS)
def test_hostile_inputs_to_working_definitions(definition: dict[str, Any], data: Any) -> None:
    _assert_handled(definition, data)


@_CAMPAIGN
@given(definition=st.sampled_from(TEMPLATES), cut=st.floats(min_value=0, max_value=0.999))
def test_truncated_definition_text(definition: dict[str, Any], cut: float) -> None:
    text = json.dumps(definition)
    truncated = text[: int(len(text) * cut)]
    try:
        load_definition(truncated)
    except DefinitionLoadError:
        return
    raise AssertionError(f"truncated text was accepted: {truncated!r}")


@_CAMPAIGN
@given(definition=_VALUES)
def test_arbitrary_json_as_a_definition(definition: Any) -> None:
    _assert_handled(definition if isinstance(definition, dict) else {"States": definition}, {})
