"""Static validation: every AWS-accepted definition passes, every rule has a failing example.

Expected codes, messages and locations marked "(AWS)" were measured against
ValidateStateMachineDefinition/CreateStateMachine and published (cfn-lint issues 4073/4074,
floci PRs 2786/2972, LocalStack PR 12487); the others follow the ASL spec and AWS docs.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sluice.asl import Engine
from sluice.asl.validation import DefinitionInvalid, Diagnostic, ensure_valid, validate_definition
from tests.asl.helpers import CORPUS

SUCCEED = {"Type": "Succeed"}
TASK = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke"}


def machine(states: dict[str, Any], **top: Any) -> dict[str, Any]:
    """A definition starting at the first state."""
    return {"StartAt": next(iter(states)), "States": states, **top}


def found(definition: Any) -> list[tuple[str, str, str | None]]:
    return [(d.code, d.path, d.state) for d in validate_definition(definition)]


def only(definition: Any) -> Diagnostic:
    diagnostics = validate_definition(definition)
    assert len(diagnostics) == 1, diagnostics
    return diagnostics[0]


def expect(definition: Any, code: str, path: str, state: str | None, message: str) -> None:
    diagnostic = only(definition)
    assert (diagnostic.code, diagnostic.path, diagnostic.state) == (code, path, state)
    assert message in diagnostic.message


SCHEMA = "SCHEMA_VALIDATION_FAILED"
MISSING_TARGET = "MISSING_TRANSITION_TARGET"


# --- AWS-accepted definitions --------------------------------------------------------------------


def corpus_cases() -> list[Any]:
    cases = [json.loads(line) for line in CORPUS.read_text().splitlines()]
    return [pytest.param(case["definition"], id=case["id"].split("::")[-1]) for case in cases]


def test_the_corpus_holds_every_recorded_definition() -> None:
    assert len(corpus_cases()) == 353


@pytest.mark.parametrize("definition", corpus_cases())
def test_every_aws_accepted_definition_is_valid(definition: dict[str, Any]) -> None:
    assert validate_definition(definition) == []


# --- Top level -----------------------------------------------------------------------------------


def test_definition_must_be_an_object() -> None:
    expect(["not", "an", "object"], SCHEMA, "/", None, "must be a JSON object")


def test_start_at_and_states_are_required() -> None:
    assert found({"States": {"A": SUCCEED}})[0] == (SCHEMA, "/", None)
    assert "'StartAt' is required" in validate_definition({"States": {"A": SUCCEED}})[0].message
    assert found({"StartAt": "A"}) == [(SCHEMA, "/", None)]
    expect({"StartAt": "A", "States": {}}, SCHEMA, "/States", None, "at least one state")


def test_states_must_be_objects() -> None:
    assert found(machine({"A": SUCCEED, "B": "Succeed"}))[0] == (SCHEMA, "/States/B", "B")


def test_unknown_top_level_field() -> None:
    expect(machine({"A": SUCCEED}, Foo=1), SCHEMA, "/", None, "Field 'Foo' is not supported")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("QueryLanguage", "jsonata", "Value should be one of the following: [JSONPath, JSONata]"),
        ("TimeoutSeconds", 0, "must be an integer between 1 and 99999999"),
        ("TimeoutSeconds", "10", "must be an integer"),
        ("Version", "2.0", "[1.0]"),
        ("Comment", 5, "must be a string"),
    ],
)
def test_top_level_field_values(field: str, value: Any, message: str) -> None:
    expect(machine({"A": SUCCEED}, **{field: value}), SCHEMA, f"/{field}", None, message)


def test_start_at_must_name_a_state() -> None:
    # (AWS) cfn-lint issue 4074: the missing target, then the state nothing routes to.
    definition = {
        "StartAt": "Not sure",
        "States": {"Pass One": {"Type": "Pass", "Next": "Success"}, "Success": SUCCEED},
    }
    assert [str(d) for d in validate_definition(definition)] == [
        "MISSING_TRANSITION_TARGET: Missing 'Next' target: Not sure at /StartAt",
        'MISSING_TRANSITION_TARGET: State "Pass One" is not reachable. at /States/Pass One',
    ]


# --- State fields --------------------------------------------------------------------------------


def test_type_is_required_and_known() -> None:
    expect(machine({"A": {"End": True}}), SCHEMA, "/States/A", "A", "The field 'Type' is required")
    expect(
        machine({"A": {"Type": "Sleep", "End": True}}), SCHEMA, "/States/A/Type", "A", "[Pass, Task, Choice"
    )


@pytest.mark.parametrize(
    ("state", "field"),
    [
        ({"Type": "Pass", "End": True, "Foo": 1}, "Foo"),
        ({"Type": "Pass", "End": True, "TimeoutSeconds": 5}, "TimeoutSeconds"),  # (AWS) floci #2735
        ({"Type": "Pass", "End": True, "Catch": []}, "Catch"),  # (AWS) floci #2735
        ({"Type": "Wait", "Seconds": 1, "End": True, "Retry": []}, "Retry"),  # (AWS) floci #2735
        ({"Type": "Succeed", "Next": "A"}, "Next"),
        ({"Type": "Fail", "End": True}, "End"),
        ({"Type": "Fail", "Assign": {}}, "Assign"),
    ],
)
def test_fields_a_state_type_does_not_have(state: dict[str, Any], field: str) -> None:
    expect(machine({"A": state}), SCHEMA, "/States/A", "A", f"Field '{field}' is not supported")


@pytest.mark.parametrize(
    ("state", "field"),
    [
        ({"Type": "Task", "End": True}, "Resource"),
        ({"Type": "Choice", "Default": "B"}, "Choices"),
        ({"Type": "Parallel", "End": True}, "Branches"),
        ({"Type": "Map", "End": True}, "ItemProcessor"),
    ],
)
def test_required_state_fields(state: dict[str, Any], field: str) -> None:
    states = {"A": state, "B": SUCCEED}
    diagnostics = [d for d in validate_definition(machine(states)) if d.code == SCHEMA]
    assert [(d.path, d.state, d.message) for d in diagnostics] == [
        ("/States/A", "A", f"The field '{field}' is required but was missing")
    ]


@pytest.mark.parametrize("parameters", [[{"Item.$": "$.Item"}, "x"], "text", 7, True])
def test_a_pass_states_parameters_may_be_any_json_value(parameters: Any) -> None:
    """The service takes a Pass state's `Parameters` array (serverless-patterns'
    eventbridge-pipes-sqs-to-lambda-with-stepfunction-enrichment deploys one; the AWS Toolkit's and
    asl-validator's schemas were changed to accept any JSON value "to match the service")."""
    definition = machine({"A": {"Type": "Pass", "Parameters": parameters, "End": True}})
    assert not validate_definition(definition)
    engine = Engine()
    try:
        execution = engine.run(definition, {"Item": {"a": 1}})
    finally:
        engine.close()
    expected = [{"Item": {"a": 1}}, "x"] if isinstance(parameters, list) else parameters
    assert (execution.status, execution.output) == ("SUCCEEDED", expected)


def test_next_and_end() -> None:
    # Without Next or End the workflow has no terminal state either.
    assert [d.message for d in validate_definition(machine({"A": {"Type": "Pass"}}))] == [
        "The state must have either a 'Next' field or \"End\": true",
        "Workflow has no terminal state",
    ]
    expect(
        machine({"A": {"Type": "Pass", "Next": "B", "End": True}, "B": SUCCEED}),
        SCHEMA,
        "/States/A",
        "A",
        "Only one of the fields [Next, End] may be specified",
    )


@pytest.mark.parametrize(
    ("state", "field", "message"),
    [
        ({"Type": "Wait", "Seconds": "10", "End": True}, "Seconds", "an integer between 0 and 99999999"),
        ({"Type": "Wait", "Seconds": 1.5, "End": True}, "Seconds", "an integer"),
        ({**TASK, "TimeoutSeconds": 0, "End": True}, "TimeoutSeconds", "between 1 and 99999999"),
        ({**TASK, "Parameters": [], "End": True}, "Parameters", "a JSON object"),
        ({"Type": "Pass", "End": "yes", "Next": "B"}, "End", "a boolean"),
        ({"Type": "Fail", "Error": 5}, "Error", "a string"),
        (
            {
                "Type": "Map",
                "ItemProcessor": {"StartAt": "B", "States": {"B": SUCCEED}},
                "MaxConcurrency": -1,
                "End": True,
            },
            "MaxConcurrency",
            "a non-negative integer",
        ),
    ],
)
def test_field_value_types(state: dict[str, Any], field: str, message: str) -> None:
    diagnostics = [
        d for d in validate_definition(machine({"A": state, "B": SUCCEED})) if d.path.endswith(field)
    ]
    assert [(d.code, d.path, d.state) for d in diagnostics] == [(SCHEMA, f"/States/A/{field}", "A")]
    assert message in diagnostics[0].message


@pytest.mark.parametrize("resource", ["createToken", "arn", "arn:aws:s3:::bucket", "\ud800"])
def test_a_task_resource_must_be_a_resource_arn(resource: str) -> None:
    # AWS refuses these at CreateStateMachine ("Value is not a valid resource ARN", as Step Functions Local
    # repeats it, aws/aws-sam-cli-app-templates#185). sluice accepted them and then failed in compiling
    # the state with a bare ValueError (found by mutating the corpus's definitions).
    expect(machine({"A": {"Type": "Task", "Resource": resource, "End": True}}), SCHEMA, "/States/A/Resource", "A",
           "Value is not a valid resource ARN")


def test_a_sam_placeholder_resource_is_no_arn_unless_the_definition_is_read_before_substitution() -> None:
    # Step Functions receives `${FnArn}` as it is (CreateStateMachine through the API crashed compiling it);
    # `sluice validate`, `lint` and `graph` read definition files whose placeholders SAM has yet to fill.
    definition = machine({"A": {"Type": "Task", "Resource": "${FnArn}", "End": True}})
    expect(definition, SCHEMA, "/States/A/Resource", "A", "Value is not a valid resource ARN")
    assert validate_definition(definition, placeholders=True) == []


@pytest.mark.parametrize("resource", [
    "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST",
    "arn:aws-cn:states:::sqs:sendMessage.waitForTaskToken",
    "arn:aws:states:::aws-sdk:s3:listObjectsV2",
    "arn:aws:states:eu-west-1:123456789012:activity:review",
])
def test_resource_arns_of_every_kind_are_valid(resource: str) -> None:
    assert validate_definition(machine({"A": {"Type": "Task", "Resource": resource, "End": True}})) == []


# --- Query language ------------------------------------------------------------------------------


def test_jsonata_field_in_a_jsonpath_state() -> None:
    # (AWS) floci #2968, rule 1.
    expect(
        machine({"A": {"Type": "Pass", "Output": {}, "End": True}}),
        SCHEMA,
        "/States/A",
        "A",
        "The QueryLanguage is set to 'JSONPath', but field 'Output' is only supported for the 'JSONata' "
        "QueryLanguage",
    )


@pytest.mark.parametrize("field", ["Parameters", "ResultPath", "InputPath", "Result"])
def test_jsonpath_field_in_a_jsonata_state(field: str) -> None:
    state = {"Type": "Pass", field: {} if field in ("Parameters", "Result") else "$", "End": True}
    expect(
        machine({"A": state}, QueryLanguage="JSONata"),
        SCHEMA,
        "/States/A",
        "A",
        f"The QueryLanguage is set to 'JSONata', but field '{field}' is only supported for the 'JSONPath'",
    )


def test_a_state_cannot_be_jsonpath_in_a_jsonata_machine() -> None:
    # (AWS) floci #2968, rule 2 — while a JSONata state in a JSONPath machine is fine.
    state = {"Type": "Pass", "QueryLanguage": "JSONPath", "End": True}
    expect(
        machine({"A": state}, QueryLanguage="JSONata"),
        SCHEMA,
        "/States/A",
        "A",
        "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine",
    )
    jsonata_state = {"Type": "Pass", "QueryLanguage": "JSONata", "Output": "{% 1 %}", "End": True}
    assert validate_definition(machine({"A": jsonata_state})) == []


def test_state_query_language_value() -> None:
    state = {"Type": "Pass", "QueryLanguage": "XPath", "End": True}
    expect(machine({"A": state}), SCHEMA, "/States/A/QueryLanguage", "A", "[JSONPath, JSONata]")


def test_map_query_language_is_not_inherited_by_its_item_processor() -> None:
    # (AWS) floci #2968: the inner Pass is still JSONPath, so its Output is refused.
    inner = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Output": "{% 1 %}", "End": True}}}
    map_state = {"Type": "Map", "QueryLanguage": "JSONata", "ItemProcessor": inner, "End": True}
    expect(
        machine({"M": map_state}),
        SCHEMA,
        "/States/M/ItemProcessor/States/P",
        "P",
        "field 'Output' is only supported for the 'JSONata' QueryLanguage",
    )


@pytest.mark.parametrize("field", ["ItemProcessor", "Iterator"])
def test_item_processor_cannot_declare_a_query_language(field: str) -> None:
    # (AWS) floci #2968, rule 3.
    inner = {"QueryLanguage": "JSONPath", "StartAt": "P", "States": {"P": SUCCEED}}
    expect(
        machine({"M": {"Type": "Map", field: inner, "End": True}}),
        SCHEMA,
        f"/States/M/{field}",
        None,
        "Field 'QueryLanguage' is not supported",
    )


def test_jsonata_expressions_must_parse() -> None:
    state = {"Type": "Pass", "Output": {"v": "{% 1 + %}", "ok": "{% $states.input %}"}, "End": True}
    expect(
        machine({"E": state}, QueryLanguage="JSONata"),
        "INVALID_JSONATA_EXPRESSION",
        "/States/E/Output/v",
        "E",
        "Unexpected end of expression",
    )
    # The same text in a JSONPath state is a plain string (AWS-recorded BASE_CONSTANT_LITERALS).
    assert (
        validate_definition(machine({"E": {"Type": "Pass", "Result": {"v": "{% 1 + %}"}, "End": True}})) == []
    )


def test_jsonata_choice_condition_must_parse() -> None:
    choice = {
        "Type": "Choice",
        "Choices": [{"Condition": "{% $states.input.x > %}", "Next": "B"}],
        "Default": "B",
    }
    expect(
        machine({"C": choice, "B": SUCCEED}, QueryLanguage="JSONata"),
        "INVALID_JSONATA_EXPRESSION",
        "/States/C/Choices[0]/Condition",
        "C",
        "",
    )


# --- Paths ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["InputPath", "OutputPath"])
def test_input_and_output_paths(field: str) -> None:
    expect(
        machine({"A": {"Type": "Pass", field: "foo", "End": True}}),
        SCHEMA,
        f"/States/A/{field}",
        "A",
        f"The value for the field '{field}' must be a valid JSONPath",
    )


def test_paths_may_use_the_context_object_and_variables() -> None:
    state = {"Type": "Pass", "InputPath": "$$.Execution.Input", "OutputPath": "$myVar.items[0]", "End": True}
    assert validate_definition(machine({"A": state})) == []


@pytest.mark.parametrize("value", ["$$.Execution", "$.items[*]", "$var", "items"])
def test_result_path_must_be_a_reference_path(value: str) -> None:
    expect(
        machine({"A": {"Type": "Pass", "ResultPath": value, "End": True}}),
        SCHEMA,
        "/States/A/ResultPath",
        "A",
        "must be a valid reference path",
    )


@pytest.mark.parametrize(
    ("parameters", "where", "message"),
    [
        ({"x.$": "States.Foo()"}, "/States/A/Parameters/x.$", "unknown intrinsic function 'States.Foo'"),
        ({"x.$": "not a path"}, "/States/A/Parameters/x.$", "must start with '$'"),
        ({"a": [{"b.$": 5}]}, "/States/A/Parameters/a[0]/b.$", "it is not a string"),
        ({"x.$": "States.Format('{}', $.a..)"}, "/States/A/Parameters/x.$", "is not a valid JSONPath"),
        ({"x.$": "States.Format('\\d')"}, "/States/A/Parameters/x.$", "open escape"),
    ],
)
def test_payload_template_expressions(parameters: dict[str, Any], where: str, message: str) -> None:
    expect(
        machine({"A": {"Type": "Pass", "Parameters": parameters, "End": True}}),
        SCHEMA,
        where,
        "A",
        "must be a valid JSONPath or a valid intrinsic function call",
    )
    assert message in only(machine({"A": {"Type": "Pass", "Parameters": parameters, "End": True}})).message


def test_wrong_intrinsic_arity_is_left_to_run_time_as_aws_does() -> None:
    state = {"Type": "Pass", "Parameters": {"h.$": "States.Hash('x')"}, "End": True}
    assert validate_definition(machine({"A": state})) == []


def test_fail_error_and_cause_paths() -> None:
    state = {"Type": "Fail", "ErrorPath": "$.e", "CausePath": "States.Format('{}', $.c"}
    expect(machine({"F": state}), SCHEMA, "/States/F/CausePath", "F", "missing ')'")


# --- Choice --------------------------------------------------------------------------------------


def choice_machine(*rules: Any, language: str = "JSONPath") -> dict[str, Any]:
    choice = {"Type": "Choice", "Choices": list(rules), "Default": "B"}
    return machine({"C": choice, "B": SUCCEED}, QueryLanguage=language)


@pytest.mark.parametrize(
    ("rule", "where", "message"),
    [
        ({"Variable": "$.x", "IsNull": True}, "/States/C/Choices[0]", "The field 'Next' is required"),
        ({"Variable": "$.x", "Next": "B"}, "/States/C/Choices[0]", "exactly one comparison operator"),
        (
            {"Variable": "$.x", "IsNull": True, "IsString": True, "Next": "B"},
            "/States/C/Choices[0]",
            "found: [IsNull, IsString]",
        ),
        (
            {"Variable": "$.x", "NumericEquals": "1", "Next": "B"},
            "/States/C/Choices[0]/NumericEquals",
            "a number",
        ),
        (
            {"Variable": "$.x", "BooleanEquals": 1, "Next": "B"},
            "/States/C/Choices[0]/BooleanEquals",
            "a boolean",
        ),
        (
            {"Variable": "$.x", "StringEqualsPath": "y", "Next": "B"},
            "/States/C/Choices[0]/StringEqualsPath",
            "valid JSONPath",
        ),
        ({"Variable": "x", "IsNull": True, "Next": "B"}, "/States/C/Choices[0]/Variable", "valid JSONPath"),
        ({"IsNull": True, "Next": "B"}, "/States/C/Choices[0]", "The field 'Variable' is required"),
        (
            {"And": {"Variable": "$.x", "IsNull": True}, "Next": "B"},
            "/States/C/Choices[0]/And",
            "non-empty array",
        ),
        (
            {"Not": {"Variable": "$.x", "IsNull": True, "Next": "B"}, "Next": "B"},
            "/States/C/Choices[0]/Not",
            "Field 'Next' is not supported",
        ),
        (
            {"Not": {"Variable": "$.x", "IsNull": True}, "Variable": "$.y", "IsNull": True, "Next": "B"},
            "/States/C/Choices[0]",
            "or exactly one of 'And', 'Or', 'Not'",
        ),
        (
            {"Condition": True, "Next": "B", "Variable": "$.x", "IsNull": True},
            "/States/C/Choices[0]",
            "field 'Condition' is only supported for the 'JSONata' QueryLanguage",
        ),
    ],
)
def test_jsonpath_choice_rules(rule: dict[str, Any], where: str, message: str) -> None:
    expect(choice_machine(rule), SCHEMA, where, "C", message)


def test_nested_choice_rules_are_checked() -> None:
    nested = {
        "Or": [{"Variable": "$.a", "IsNull": True}, {"Variable": "$.b", "NumericEquals": "x"}],
        "Next": "B",
    }
    expect(choice_machine(nested), SCHEMA, "/States/C/Choices[0]/Or[1]/NumericEquals", "C", "a number")


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (
            {"Variable": "$.x", "IsNull": True, "Next": "B"},
            "field 'Variable' is only supported for the 'JSONPath'",
        ),
        ({"Next": "B"}, "The field 'Condition' is required"),
        ({"Condition": "$.x == 1", "Next": "B"}, "a boolean or a JSONata expression"),
    ],
)
def test_jsonata_choice_rules(rule: dict[str, Any], message: str) -> None:
    diagnostics = validate_definition(choice_machine(rule, language="JSONata"))
    assert diagnostics
    assert all((d.code, d.state) == (SCHEMA, "C") for d in diagnostics)
    assert any(message in d.message for d in diagnostics), diagnostics


# --- Wait, Fail, Task ----------------------------------------------------------------------------


def test_wait_needs_exactly_one_duration() -> None:
    expect(
        machine({"W": {"Type": "Wait", "End": True}}), SCHEMA, "/States/W", "W", "Exactly one of the fields"
    )
    state = {"Type": "Wait", "Seconds": 1, "TimestampPath": "$.t", "End": True}
    expect(machine({"W": state}), SCHEMA, "/States/W", "W", "Only one of the fields")


def test_wait_timestamp_must_be_iso_8601() -> None:
    state = {"Type": "Wait", "Timestamp": "next tuesday", "End": True}
    expect(machine({"W": state}), SCHEMA, "/States/W/Timestamp", "W", "ISO-8601")
    ok = {"Type": "Wait", "Timestamp": "2016-03-14T01:59:00.123+02:00", "End": True}
    assert validate_definition(machine({"W": ok})) == []


def test_jsonata_wait_has_no_path_fields() -> None:
    state = {"Type": "Wait", "SecondsPath": "$.s", "End": True}
    diagnostics = validate_definition(machine({"W": state}, QueryLanguage="JSONata"))
    assert [d.message for d in diagnostics] == [
        "The QueryLanguage is set to 'JSONata', but field 'SecondsPath' is only supported for the 'JSONPath' "
        "QueryLanguage",
        "Exactly one of the fields [Seconds, Timestamp] is required",
    ]


@pytest.mark.parametrize(("first", "second"), [("Error", "ErrorPath"), ("Cause", "CausePath")])
def test_fail_fields_are_alternatives(first: str, second: str) -> None:
    state = {"Type": "Fail", first: "x", second: "$.x"}
    expect(machine({"F": state}), SCHEMA, "/States/F", "F", f"Only one of the fields [{first}, {second}]")


def test_task_timeouts() -> None:
    state = {**TASK, "TimeoutSeconds": 10, "TimeoutSecondsPath": "$.t", "End": True}
    expect(machine({"T": state}), SCHEMA, "/States/T", "T", "[TimeoutSeconds, TimeoutSecondsPath]")
    state = {**TASK, "TimeoutSeconds": 10, "HeartbeatSeconds": 10, "End": True}
    expect(machine({"T": state}), SCHEMA, "/States/T/HeartbeatSeconds", "T", "smaller than 'TimeoutSeconds'")


# --- Parallel and Map ----------------------------------------------------------------------------


def parallel(*branches: Any, **transition: Any) -> dict[str, Any]:
    return {"Type": "Parallel", "Branches": list(branches), **(transition or {"End": True})}


def test_parallel_branches_are_validated_as_workflows() -> None:
    assert found(machine({"P": parallel({"States": {"A": SUCCEED}})})) == [
        (SCHEMA, "/States/P/Branches[0]", None),  # StartAt is required …
        (MISSING_TARGET, "/States/P/Branches[0]/States/A", "A"),  # … so nothing routes to A
    ]
    expect(
        machine({"P": {"Type": "Parallel", "Branches": [], "End": True}}),
        SCHEMA,
        "/States/P/Branches",
        "P",
        "non-empty",
    )


def test_branch_transitions_stay_inside_the_branch() -> None:
    branch = {"StartAt": "X", "States": {"X": {"Type": "Pass", "Next": "After"}, "Y": SUCCEED}}
    definition = machine({"P": parallel(branch, Next="After"), "After": SUCCEED})
    assert found(definition) == [
        (MISSING_TARGET, "/States/P/Branches[0]/States/X/Next", "X"),
        (MISSING_TARGET, "/States/P/Branches[0]/States/Y", "Y"),
    ]


def test_branch_without_terminal_state() -> None:
    branch = {"StartAt": "X", "States": {"X": {"Type": "Pass", "Next": "X"}}}
    expect(
        machine({"P": parallel(branch)}),
        "MISSING_END_STATE",
        "/States/P/Branches[0]",
        None,
        "no terminal state",
    )


def map_state(processor: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    """A Map state; `processor` adds to (or replaces parts of) its one-state item processor."""
    item_processor = {"StartAt": "I", "States": {"I": SUCCEED}, **(processor or {})}
    return {"Type": "Map", "ItemProcessor": item_processor, "End": True, **fields}


def test_map_item_processor_and_iterator_are_alternatives() -> None:
    both = map_state(Iterator={"StartAt": "J", "States": {"J": SUCCEED}})
    expect(machine({"M": both}), SCHEMA, "/States/M", "M", "[ItemProcessor, Iterator]")


@pytest.mark.parametrize(
    ("config", "where", "message"),
    [
        ({"Mode": "PARALLEL"}, "/States/M/ItemProcessor/ProcessorConfig/Mode", "[INLINE, DISTRIBUTED]"),
        ({"Mode": "DISTRIBUTED"}, "/States/M/ItemProcessor/ProcessorConfig", "'ExecutionType' is required"),
        (
            {"Mode": "INLINE", "ExecutionType": "STANDARD"},
            "/States/M/ItemProcessor/ProcessorConfig",
            "DISTRIBUTED",
        ),
        (
            {"Mode": "DISTRIBUTED", "ExecutionType": "FAST"},
            "/States/M/ItemProcessor/ProcessorConfig/ExecutionType",
            "[STANDARD, EXPRESS]",
        ),
        ({"Size": 1}, "/States/M/ItemProcessor/ProcessorConfig", "Field 'Size' is not supported"),
    ],
)
def test_map_processor_config(config: dict[str, Any], where: str, message: str) -> None:
    expect(machine({"M": map_state(processor={"ProcessorConfig": config})}), SCHEMA, where, "M", message)


@pytest.mark.parametrize("field", ["ItemReader", "ItemBatcher", "ResultWriter"])
def test_distributed_only_fields(field: str) -> None:
    value = {"Resource": "arn:aws:states:::s3:getObject"} if field == "ItemReader" else {}
    expect(machine({"M": map_state(**{field: value})}), SCHEMA, "/States/M", "M", "Mode is DISTRIBUTED")
    distributed = {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"}}
    assert validate_definition(machine({"M": map_state(processor=distributed, **{field: value})})) == []


@pytest.mark.parametrize("field", ["MaxConcurrency", "ToleratedFailureCount", "ToleratedFailurePercentage"])
def test_map_value_and_path_are_alternatives(field: str) -> None:
    fields: dict[str, Any] = {field: 1, f"{field}Path": "$.n"}
    state = map_state(**fields)
    expect(machine({"M": state}), SCHEMA, "/States/M", "M", f"[{field}, {field}Path]")


def test_map_labels() -> None:
    expect(machine({"M": map_state(Label="a b")}), "INVALID_LABEL_NAME", "/States/M/Label", "M", "whitespace")
    expect(machine({"M": map_state(Label="x" * 41)}), "INVALID_LABEL_NAME", "/States/M/Label", "M", "40")
    inner = map_state(Label="L", processor={"StartAt": "K", "States": {"K": SUCCEED}})
    outer = map_state(Label="L", processor={"StartAt": "N", "States": {"N": inner}})
    expect(machine({"M": outer}), "DUPLICATE_LABEL_NAME", "/States/M/ItemProcessor/States/N/Label", "N", "L")


# --- Retry and Catch -----------------------------------------------------------------------------


def task_with(**fields: Any) -> dict[str, Any]:
    return machine({"T": {**TASK, "End": True, **fields}, "H": SUCCEED})


@pytest.mark.parametrize(
    ("retriers", "where", "message"),
    [
        ([{"MaxAttempts": 1}], "/States/T/Retry[0]", "The field 'ErrorEquals' is required"),
        ([{"ErrorEquals": []}], "/States/T/Retry[0]/ErrorEquals", "non-empty array"),
        ([{"ErrorEquals": ["States.ALL", "X"]}], "/States/T/Retry[0]/ErrorEquals", "must appear alone"),
        (
            [{"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["X"]}],
            "/States/T/Retry[0]",
            "must be the last one",
        ),
        ([{"ErrorEquals": ["X"], "MaxAttempts": -1}], "/States/T/Retry[0]/MaxAttempts", "between 0 and"),
        (
            [{"ErrorEquals": ["X"], "IntervalSeconds": 0}],
            "/States/T/Retry[0]/IntervalSeconds",
            "between 1 and",
        ),
        (
            [{"ErrorEquals": ["X"], "BackoffRate": 0.5}],
            "/States/T/Retry[0]/BackoffRate",
            "greater than or equal to 1.0",
        ),
        (
            [{"ErrorEquals": ["X"], "JitterStrategy": "SOME"}],
            "/States/T/Retry[0]/JitterStrategy",
            "[FULL, NONE]",
        ),
        ([{"ErrorEquals": ["X"], "Next": "H"}], "/States/T/Retry[0]", "Field 'Next' is not supported"),
    ],
)
def test_retriers(retriers: list[Any], where: str, message: str) -> None:
    diagnostic = [d for d in validate_definition(task_with(Retry=retriers)) if d.code == SCHEMA]
    assert [(d.path, d.state) for d in diagnostic] == [(where, "T")]
    assert message in diagnostic[0].message


def test_catchers() -> None:
    no_next = machine({"T": {**TASK, "End": True, "Catch": [{"ErrorEquals": ["X"]}]}})
    expect(no_next, SCHEMA, "/States/T/Catch[0]", "T", "'Next' is required")
    expect(
        task_with(Catch=[{"ErrorEquals": ["X"], "Next": "H", "ResultPath": "$.a[*]"}]),
        SCHEMA,
        "/States/T/Catch[0]/ResultPath",
        "T",
        "reference path",
    )
    expect(
        task_with(Catch=[{"ErrorEquals": ["States.ALL"], "Next": "H"}, {"ErrorEquals": ["X"], "Next": "H"}]),
        SCHEMA,
        "/States/T/Catch[0]",
        "T",
        "A Catcher with 'States.ALL' must be the last one",
    )


def test_catch_target_must_exist() -> None:
    # (AWS) floci #2786: the word is always `Next`, the location the catcher's field.
    definition = machine({"T": {**TASK, "End": True, "Catch": [{"ErrorEquals": ["X"], "Next": "Nope"}]}})
    expect(definition, MISSING_TARGET, "/States/T/Catch[0]/Next", "T", "Missing 'Next' target: Nope")


# --- Transitions and names -----------------------------------------------------------------------


def test_missing_next_target_and_no_terminal_state() -> None:
    # (AWS) floci #2786: two diagnostics, in this order, the second without a location.
    definition = machine({"A": {"Type": "Pass", "Next": "NOPE"}})
    assert [str(d) for d in validate_definition(definition)] == [
        "MISSING_TRANSITION_TARGET: Missing 'Next' target: NOPE at /States/A/Next",
        "MISSING_END_STATE: Workflow has no terminal state",
    ]


def test_no_terminal_state_suppresses_unreachable_states() -> None:
    # (AWS) floci #2786: a loop plus a state nothing routes to is still one diagnostic.
    loop = {
        "A": {"Type": "Pass", "Next": "B"},
        "B": {"Type": "Pass", "Next": "A"},
        "X": {"Type": "Pass", "Next": "A"},
    }
    assert found(machine(loop)) == [("MISSING_END_STATE", "", None)]


def test_unreachable_state() -> None:
    # (AWS) floci #2786 and cfn-lint #4073.
    loop = {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "A"}, "C": SUCCEED}
    expect(machine(loop), MISSING_TARGET, "/States/C", "C", 'State "C" is not reachable.')


def test_choice_targets_must_exist() -> None:
    # (AWS) floci #2786: /States/C/Choices[0]/Next and /States/A/Default.
    rule = {"Variable": "$.x", "IsNull": True, "Next": "Gone"}
    definition = machine({"C": {"Type": "Choice", "Choices": [rule], "Default": "Lost"}, "B": SUCCEED})
    assert found(definition)[:2] == [
        (MISSING_TARGET, "/States/C/Choices[0]/Next", "C"),
        (MISSING_TARGET, "/States/C/Default", "C"),
    ]


def test_state_names_are_unique_across_the_whole_machine() -> None:
    branch = {"StartAt": "A", "States": {"A": SUCCEED}}
    definition = machine({"A": parallel(branch, Next="Done"), "Done": SUCCEED})
    expect(
        definition, "DUPLICATE_STATE_NAME", "/States/A/Branches[0]/States/A", "A", "Duplicate State name: A"
    )


def test_state_names_are_at_most_80_characters() -> None:
    name = "S" * 81
    expect(machine({name: SUCCEED}), "INVALID_STATE_NAME", f"/States/{name}", name, "between 1 and 80")


# --- Variables -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("order-id", "must start with a letter"),
        ("1st", "must start with a letter"),
        ("states", "reserved"),
        ("v" * 81, "longer than 80"),
    ],
)
def test_variable_names(name: str, message: str) -> None:
    state = {"Type": "Pass", "Assign": {name: 1}, "End": True}
    expect(machine({"A": state}), SCHEMA, f"/States/A/Assign/{name}", "A", message)


def test_variable_names_in_rules_and_catchers_and_unicode_names() -> None:
    rule = {"Variable": "$.x", "IsNull": True, "Next": "B", "Assign": {"a b": 1}}
    expect(choice_machine(rule), SCHEMA, "/States/C/Choices[0]/Assign/a b", "C", "not valid")
    catcher = {"ErrorEquals": ["X"], "Next": "H", "Assign": {"größe": 1, "_n2": {"k.$": "$.v"}}}
    assert validate_definition(task_with(Catch=[catcher])) == []


def test_jsonpath_assign_expressions() -> None:
    state = {"Type": "Pass", "Assign": {"x.$": "States.Array(", "y": {"z.$": "nope"}}, "End": True}
    assert found(machine({"A": state})) == [
        (SCHEMA, "/States/A/Assign/x.$", "A"),
        (SCHEMA, "/States/A/Assign/y/z.$", "A"),
    ]


# --- API -----------------------------------------------------------------------------------------


def test_ensure_valid_raises_with_every_diagnostic() -> None:
    ensure_valid(machine({"A": SUCCEED}))
    with pytest.raises(DefinitionInvalid) as caught:
        ensure_valid(machine({"A": {"Type": "Pass", "Next": "NOPE"}}))
    assert [d.code for d in caught.value.diagnostics] == [MISSING_TARGET, "MISSING_END_STATE"]
    assert str(caught.value) == (
        "Invalid State Machine Definition: MISSING_TRANSITION_TARGET: Missing 'Next' target: NOPE "
        "at /States/A/Next, MISSING_END_STATE: Workflow has no terminal state"
    )


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=10,
)
FIELD_NAMES = st.sampled_from(
    [
        "Type",
        "Next",
        "End",
        "Choices",
        "Branches",
        "ItemProcessor",
        "Catch",
        "Retry",
        "Parameters",
        "Assign",
        "Seconds",
        "ResultPath",
        "QueryLanguage",
        "Output",
        "Items",
        "Label",
        "StartAt",
        "States",
        "Variable",
    ]
)
STATE = st.dictionaries(
    FIELD_NAMES, JSON | st.sampled_from(["Pass", "Map", "Choice", "Parallel", "$.x", "{% 1 %}"])
)


@settings(max_examples=300)
@given(
    st.dictionaries(
        st.sampled_from(["StartAt", "States", "QueryLanguage", "Comment"]),
        JSON | st.dictionaries(st.text(max_size=4), STATE, max_size=3),
    )
)
def test_any_input_yields_diagnostics_rather_than_a_crash(definition: dict[str, Any]) -> None:
    for diagnostic in validate_definition(definition):
        assert diagnostic.code.isupper()
        assert diagnostic.message
