"""Error causes, context objects and JSONata results exactly as AWS records them.

Each expectation is quoted from an AWS recording: LocalStack's AWS-validated snapshot tests
(`tests/aws/services/stepfunctions/v2/**/*.snapshot.json` in localstack/localstack, recorded
against AWS); the test's id is named next to each case. Where no recording exists the source is
named too.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from sluice.asl import Engine
from sluice.asl.engine import EXPRESS
from sluice.conformance import run_case
from tests.asl.helpers import lambda_arn

PREFIX = "An error occurred while executing the state '{state}' (entered at the event id #{event}). "


def _failure(definition: dict[str, Any], data: Any, **engine: Any) -> tuple[str | None, str | None]:
    with Engine(seed=0, **engine) as instance:
        execution = instance.run(definition, data)
    assert execution.status == "FAILED", execution.output
    return execution.error, execution.cause


def _single(state: dict[str, Any], *, jsonata: bool = False) -> dict[str, Any]:
    definition: dict[str, Any] = {"StartAt": "S", "States": {"S": {**state, "End": True}}}
    if jsonata:
        definition["QueryLanguage"] = "JSONata"
    return definition


# -- InputPath / OutputPath that match nothing (Jayway JsonPath's words) -------------------------


@pytest.mark.parametrize(
    ("field", "path", "data", "reason"),
    [
        # test_invalid_jsonpath[ST.INVALID_JSONPATH_IN_INPUTPATH]
        ("InputPath", "$.NoSuchInputPath", {"a": 1}, "No results for path: $['NoSuchInputPath']"),
        # test_invalid_jsonpath[ST.INVALID_JSONPATH_IN_OUTPUTPATH]
        ("OutputPath", "$.NoSuchOutputPath", {"a": 1}, "No results for path: $['NoSuchOutputPath']"),
        # test_catch_states_runtime: an earlier step that is missing is a "Missing property".
        ("OutputPath", "$.no.such.result.path", {}, "Missing property in path $['no']"),
        ("InputPath", "$.a.b.c", {"a": {}}, "Missing property in path $['a']['b']"),
        ("InputPath", "$.a[3]", {"a": [1]}, "No results for path: $['a'][3]"),
    ],
)
def test_a_path_that_matches_nothing_is_worded_as_aws(field: str, path: str, data: Any, reason: str) -> None:
    error, cause = _failure(_single({"Type": "Pass", field: path}), data)
    assert error == "States.Runtime"
    assert cause == PREFIX.format(state="S", event=2) + f"Invalid path '{path}' : {reason}"


def test_an_output_path_failure_is_not_caught_even_by_a_states_runtime_catcher() -> None:
    # test_catch_states_runtime: AWS records LambdaFunctionSucceeded then ExecutionFailed.
    definition = {
        "StartAt": "RaiseRuntime",
        "States": {
            "RaiseRuntime": {
                "Type": "Task",
                "Resource": lambda_arn("identity"),
                "OutputPath": "$.no.such.result.path",
                "Catch": [{"ErrorEquals": ["States.Runtime"], "Next": "CaughtRuntime"}],
                "End": True,
            },
            "CaughtRuntime": {"Type": "Pass", "End": True},
        },
    }
    with Engine(seed=0, functions={"identity": lambda event, context: event}) as engine:
        execution = engine.run(definition, {})
    assert (execution.status, execution.error) == ("FAILED", "States.Runtime")
    assert execution.cause is not None and execution.cause.endswith("Missing property in path $['no']")
    assert execution.history.types()[-2:] == ["LambdaFunctionSucceeded", "ExecutionFailed"]


# -- JSONata expressions that return nothing name their place in the field -----------------------


@pytest.mark.parametrize(
    ("state", "location"),
    [
        # test_undefined_reference[BASE_UNDEFINED_OUTPUT]
        ({"Type": "Pass", "Output": "{% $doesNotExist %}"}, "Output"),
        # test_undefined_reference[BASE_UNDEFINED_OUTPUT_FIELD]
        ({"Type": "Pass", "Output": {"result": "{% $doesNotExist %}"}}, "Output/result"),
        # test_undefined_reference[BASE_UNDEFINED_ASSIGN]
        ({"Type": "Pass", "Assign": {"result": "{% $doesNotExist %}"}}, "Assign/result"),
        # test_undefined_reference[BASE_UNDEFINED_ARGUMENTS_FIELD]
        (
            {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
             "Arguments": {"FunctionName": "{% $doesNotExist %}"}},
            "Arguments/FunctionName",
        ),
        # Array items by index (floci-io/floci#2689, checked against AWS there: "[i] per array index").
        ({"Type": "Pass", "Output": {"a": [1, {"b": "{% $doesNotExist %}"}]}}, "Output/a[1]/b"),
    ],
)
def test_jsonata_that_returns_nothing_names_the_field_as_aws(state: dict[str, Any], location: str) -> None:
    with Engine(seed=0) as engine:
        execution = engine.run(_single(state, jsonata=True), {})
    expected = (
        PREFIX.format(state="S", event=2)
        + f"The JSONata expression '$doesNotExist' specified for the field '{location}' returned nothing (undefined)."
    )
    assert (execution.error, execution.cause) == ("States.QueryEvaluationError", expected)
    # The EvaluationFailed event reports the same place as its location.
    failed = next(event for event in execution.history if event["type"] == "EvaluationFailed")
    assert failed["evaluationFailedEventDetails"]["location"] == location


MISSING = "{% $doesNotExist %}"
DONE = {"Done": {"Type": "Succeed"}}


def _choice(*rules: dict[str, Any], **state: Any) -> dict[str, Any]:
    choices = [{"Next": "Done"} | rule for rule in rules]
    return {"QueryLanguage": "JSONata", "StartAt": "S",
            "States": {"S": {"Type": "Choice", "Choices": choices, **state}, **DONE}}


def _caught(*catchers: dict[str, Any]) -> dict[str, Any]:
    branch = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Boom", "Cause": "boom"}}}
    catch = [{"Next": "Done"} | catcher for catcher in catchers]
    return {"QueryLanguage": "JSONata", "StartAt": "S",
            "States": {"S": {"Type": "Parallel", "Branches": [branch], "Catch": catch, "End": True}, **DONE}}


@pytest.mark.parametrize(
    ("definition", "location"),
    [
        # floci-io/floci#2689 measured these against AWS (LocalStack's recordings hold no Choice or
        # Catch case): a rule's and a clause's fields are named under their index.
        (_choice({"Condition": MISSING}), "Choices[0]/Condition"),
        (_choice({"Condition": "{% false %}"}, {"Condition": MISSING}), "Choices[1]/Condition"),
        (_choice({"Condition": "{% false %}"}, {"Condition": "{% true %}", "Output": {"v": MISSING}}),
         "Choices[1]/Output/v"),
        (_choice({"Condition": "{% true %}", "Assign": {"x": MISSING}}), "Choices[0]/Assign/x"),
        (_caught({"ErrorEquals": ["Other"]}, {"ErrorEquals": ["States.ALL"], "Output": {"v": MISSING}}),
         "Catch[1]/Output/v"),
        (_caught({"ErrorEquals": ["Boom"], "Assign": {"x": MISSING}}), "Catch[0]/Assign/x"),
        # The state's own Output, taken with Default, is not under a rule.
        (_choice({"Condition": "{% false %}"}, Default="Done", Output={"v": MISSING}), "Output/v"),
    ],
)
def test_jsonata_in_a_choice_rule_or_catch_clause_is_named_under_its_index(
    definition: dict[str, Any], location: str
) -> None:
    error, cause = _failure(definition, {})
    assert (error, cause) == ("States.QueryEvaluationError", PREFIX.format(state="S", event=2) + (
        f"The JSONata expression '$doesNotExist' specified for the field '{location}' returned nothing (undefined)."
    ))


def test_a_choice_condition_that_is_not_boolean_is_named_under_its_rule() -> None:
    # Same field name as above (floci-io/floci#2689) in the wrong-type sentence.
    _, cause = _failure(_choice({"Condition": "{% false %}"}, {"Condition": "{% 1 %}"}), {})
    assert cause is not None and "specified for the field 'Choices[1]/Condition' returned an unexpected" in cause


def test_a_jsonata_error_inside_an_object_names_the_key() -> None:
    # test_math_operations_jsonata.py::test_math_random_seeded: the key's place names the field of
    # an expression that throws too.
    state = {"Type": "Pass", "Output": {"FunctionResult": "{% $randomSeeded($states.input.fst) %}"}}
    error, cause = _failure(_single(state, jsonata=True), {"fst": 1})
    assert error == "States.QueryEvaluationError"
    assert cause == PREFIX.format(state="S", event=2) + (
        "The JSONata expression '$randomSeeded($states.input.fst)' specified for the field "
        "'Output/FunctionResult' threw an error during evaluation. T1006: Attempted to invoke a non-function"
    )


# -- Wait SecondsPath: a Java long, not negative -------------------------------------------------

WAIT = _single({"Type": "Wait", "SecondsPath": "$.input.waitSeconds"})


@pytest.mark.parametrize(
    ("seconds", "reason"),
    [
        # test_base_wait_seconds_path[-1]
        (-1, "The SecondsPath parameter references a negative value: $.input.waitSeconds == -1"),
        # test_base_wait_seconds_path[1.5] — AWS rejects a fraction, it does not round it
        (1.5, "The SecondsPath parameter cannot be parsed as a long value: $.input.waitSeconds == 1.5"),
        # test_base_wait_seconds_path[-1.5]
        (-1.5, "The SecondsPath parameter cannot be parsed as a long value: $.input.waitSeconds == -1.5"),
        (True, "The SecondsPath parameter cannot be parsed as a long value: $.input.waitSeconds == true"),
        (2**63, f"The SecondsPath parameter cannot be parsed as a long value: $.input.waitSeconds == {2**63}"),
    ],
)
def test_wait_seconds_path_rejects_what_aws_rejects(seconds: Any, reason: str) -> None:
    error, cause = _failure(WAIT, {"input": {"waitSeconds": seconds}})
    assert (error, cause) == ("States.Runtime", PREFIX.format(state="S", event=2) + reason)


def test_wait_seconds_path_that_matches_nothing() -> None:
    # test_base[wait_seconds_path.json5_ALL_False] (test_wait.py)
    error, cause = _failure(WAIT, {"input": {}})
    expected = "The SecondsPath parameter does not reference an input value: $.input.waitSeconds"
    assert (error, cause) == ("States.Runtime", PREFIX.format(state="S", event=2) + expected)


@pytest.mark.parametrize("seconds", [0, 1])  # test_base_wait_seconds_path[0] / [1] succeed
def test_wait_seconds_path_accepts_whole_seconds(engine: Engine, seconds: int) -> None:
    execution = engine.run(WAIT, {"input": {"waitSeconds": seconds}})
    assert execution.status == "SUCCEEDED"


# -- Map knobs read from the input ---------------------------------------------------------------


def _map(**knobs: Any) -> dict[str, Any]:
    return _single({
        "Type": "Map",
        "ItemsPath": "$.Values",
        "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
        **knobs,
    })


@pytest.mark.parametrize(("value", "shown"), [("NoNumber", "NoNumber"), ({}, "{}")])
def test_tolerated_failure_percentage_path_is_read_as_a_float(value: Any, shown: str) -> None:
    # test_map_state_tolerated_failure_percentage_path[NoNumber] / [tolerated_failure_percentage_value0]
    definition = _map(
        ToleratedFailurePercentagePath="$.Percentage",
        ItemProcessor={"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                       "StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
    )
    error, cause = _failure(definition, {"Values": [0], "Percentage": value})
    assert (error, cause) == ("States.Runtime", PREFIX.format(state="S", event=2) + (
        f'The ToleratedFailurePercentagePath field refers to value "{shown}" which is not a valid float: $.Percentage'
    ))


@pytest.mark.parametrize(("value", "shown"), [("NoNumber", "NoNumber"), ({}, "{}")])
def test_max_concurrency_path_rejects_what_is_not_an_integer(value: Any, shown: str) -> None:
    # test_max_concurrency_path[NoNumber] / [max_concurrency_value0]: `{}` is refused, not read as 0.
    error, cause = _failure(_map(MaxConcurrencyPath="$.MaxConcurrencyValue"),
                            {"Values": ["HelloWorld"], "MaxConcurrencyValue": value})
    assert (error, cause) == ("States.Runtime", PREFIX.format(state="S", event=2) + (
        f'The MaxConcurrencyPath field refers to value "{shown}" which is not a valid integer: $.MaxConcurrencyValue'
    ))


def test_a_max_concurrency_path_aws_refuses_fails_the_execution_without_a_map_state_failed() -> None:
    # The recorded history of test_max_concurrency_path[NoNumber]: MapStateEntered, then ExecutionFailed.
    with Engine(seed=0) as engine:
        execution = engine.run(_map(MaxConcurrencyPath="$.Limit"), {"Values": [1], "Limit": "NoNumber"})
    assert [(event["id"], event["previousEventId"], event["type"]) for event in execution.history] == [
        (1, 0, "ExecutionStarted"), (2, 0, "MapStateEntered"), (3, 2, "ExecutionFailed")]


def test_a_negative_max_concurrency_path_fails_loudly_where_aws_stalls() -> None:
    # test_max_concurrency_path_negative: AWS records only ExecutionStarted and leaves the execution
    # RUNNING. sluice reports the bad input instead (a documented divergence: never silently stuck).
    definition = _map(MaxConcurrencyPath="$.MaxConcurrencyValue")
    error, cause = _failure(definition, {"Values": ["HelloWorld"], "MaxConcurrencyValue": -1})
    assert (error, cause) == ("States.Runtime", PREFIX.format(state="S", event=2) + (
        'The MaxConcurrencyPath field refers to value "-1" which is negative: $.MaxConcurrencyValue. '
        "(On AWS the execution stalls RUNNING without entering the state.)"
    ))


# -- the context object of Express runs ----------------------------------------------------------

CONTEXT = _single({"Type": "Pass", "Parameters": {"Execution.$": "$$.Execution"}})


def test_an_express_run_has_an_express_execution_id_and_no_redrive_count(engine: Engine) -> None:
    # test_express_sync.py::test_query_runtime_memory: `Execution.Id` is
    # arn:aws:states:<region>:<account>:express:<machine>:<name>:<uuid>, and there is no RedriveCount.
    machine = engine.create_state_machine("Fast", CONTEXT, type=EXPRESS)
    execution = engine.run(machine, {}, name="run-1")
    context = execution.output["Execution"]
    assert re.fullmatch(
        r"arn:aws:states:[a-z0-9-]+:\d{12}:express:Fast:run-1:[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", context["Id"]
    )
    assert context["Id"] == execution.arn and context["Name"] == "run-1"
    assert set(context) == {"Id", "Input", "Name", "RoleArn", "StartTime"}
    # Express names may repeat: each run still has its own ARN.
    assert engine.run(machine, {}, name="run-1").arn != execution.arn


def test_a_standard_run_keeps_its_redrive_count(engine: Engine) -> None:
    execution = engine.run(CONTEXT, {}, name="run-1")
    assert execution.output["Execution"]["RedriveCount"] == 0
    assert execution.output["Execution"]["Id"].endswith(":execution:" + execution.runtime.state_machine_name + ":run-1")


RECORDED_EXPRESS_CONTEXT = {
    # test_express_sync.py::test_query_runtime_memory, the first of the two states it records.
    "Id": "arn:<partition>:states:<region>:111111111111:express:"
    "<ArnPart_0idx>:<SyncExecArn_Part1_0idx>:<SyncExecArn_Part2_0idx>",
    "Input": {"message": "TestMessage"},
    "Name": "<SyncExecArn_Part1_0idx>",
    "RoleArn": "sfn_role_arn",
    "StartTime": "start-time",
}


def test_the_express_context_object_matches_the_aws_recording() -> None:
    case = {
        "id": "test_query_runtime_memory",
        "state_machine_type": EXPRESS,
        "sync_execution": True,
        "definition": CONTEXT,
        "input": {"message": "TestMessage"},
        "expected": {"status": "SUCCEEDED", "output": {"Execution": RECORDED_EXPRESS_CONTEXT}},
        "snapshot_transformers": [
            {"kind": "jsonpath", "path": "$..StartTime", "replacement": "start-time", "replace_reference": False},
            {"kind": "role_arn", "replacement": "sfn_role_arn"},
        ],
    }
    result = run_case(case)
    assert result.passed, result.detail


# -- the legacy Lambda resource keeps the runtime's own JSON spacing in causes -------------------

RAISE = 'def handler(event, context):\n    raise Exception("Some exception was raised.")\n'


def test_a_legacy_lambda_cause_keeps_the_python_runtime_spacing() -> None:
    # test_express_sync.py::test_retry (Resource: the function's ARN, retried then caught): AWS
    # passes the runtime's error text through as is, `", "` and `": "` separators included.
    cause = (
        '{"errorMessage": "Some exception was raised.", "errorType": "Exception", "requestId": "<request-id>", '
        '"stackTrace": ["  File \\"/var/task/handler.py\\", line 2, in handler\\n    '
        'raise Exception(\\"Some exception was raised.\\")\\n"]}'
    )
    case = {
        "id": "test_retry",
        "state_machine_type": EXPRESS,
        "sync_execution": True,
        "definition": {
            "StartAt": "Invoke",
            "States": {
                "Invoke": {
                    "Type": "Task",
                    "Resource": lambda_arn("raiser"),
                    "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 3}],
                    "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "HandleError"}],
                    "End": True,
                },
                "HandleError": {"Type": "Pass", "End": True},
            },
        },
        "input": {},
        "lambdas": {"raiser": {"function_name": "raiser", "handler": "handler.handler", "code": RAISE}},
        "expected": {"status": "SUCCEEDED", "output": {"Error": "Exception", "Cause": cause}},
    }
    result = run_case(case)
    assert result.passed, result.detail


# -- JSONata sequences: a singleton is unwrapped where AWS's functions return sequences ----------


@pytest.mark.parametrize(
    ("expression", "output"),
    [
        # test_array_jsonata.py::test_array_range: AWS's $range returns a sequence, so one value
        # comes back as that value ...
        ("$range(1, 9, 9)", 1),
        ("$range(0, 10, 3)", [0, 3, 6, 9]),
        # ... and `[]` keeps it an array, as for any JSONata sequence.
        ("$range(1, 9, 9)[]", [1]),
        # test_array_jsonata.py::test_array_partition: $partition returns a plain array of chunks.
        ("$partition([0], 1)", [[0]]),
        ("$partition([0, 1], 5)", [[0, 1]]),
    ],
)
def test_singleton_sequences_unwrap_as_aws_functions_return_them(engine: Engine, expression: str, output: Any) -> None:
    execution = engine.run(_single({"Type": "Pass", "Output": "{% " + expression + " %}"}, jsonata=True), {})
    assert execution.status == "SUCCEEDED", execution.cause
    assert execution.output == output


# -- Assign: what a state's other fields see, and what its StateExited event shows ----------------


def _exited(engine: Engine, definition: dict[str, Any], data: Any) -> tuple[Any, list[dict[str, Any]]]:
    execution = engine.run(definition, data)
    assert execution.status == "SUCCEEDED", execution.cause
    return execution.output, [event["stateExitedEventDetails"] for event in execution.history
                              if "stateExitedEventDetails" in event]


def test_output_path_reads_the_variables_as_they_were_when_the_state_was_entered(engine: Engine) -> None:
    # test_state_assign_evaluation_order[BASE_EVALUATION_ORDER_PASS_STATE]: AWS outputs 42, the value
    # `answer` had on entry, while the same state assigns it "<omitted>".
    definition = {"StartAt": "State0", "States": {
        "State0": {"Type": "Pass", "Result": {"theQuestion": "?"},
                   "Assign": {"question.$": "$.theQuestion", "answer": 42}, "Next": "State1"},
        "State1": {"Type": "Pass", "InputPath": "$answer", "ResultPath": "$.theAnswer", "OutputPath": "$answer",
                   "Assign": {"answer": "<omitted>"}, "Next": "Read"},
        "Read": {"Type": "Pass", "Parameters": {"answer.$": "$answer"}, "End": True},
    }}
    output, exited = _exited(engine, definition, {})
    assert exited[1]["output"] == "42"
    assert exited[1]["assignedVariables"] == {"answer": '"<omitted>"'}
    assert output == {"answer": "<omitted>"}  # the next state sees the new value


def test_a_choice_output_path_reads_the_variables_as_they_were_when_it_was_entered(engine: Engine) -> None:
    definition = {"StartAt": "Set", "States": {
        "Set": {"Type": "Pass", "Assign": {"v": "old"}, "Next": "Pick"},
        "Pick": {"Type": "Choice", "OutputPath": "$v",
                 "Choices": [{"Variable": "$.go", "BooleanEquals": True, "Assign": {"v": "new"}, "Next": "Done"}]},
        "Done": {"Type": "Pass", "Parameters": {"seen.$": "$", "now.$": "$v"}, "End": True},
    }}
    output, _ = _exited(engine, definition, {"go": True})
    assert output == {"seen": "old", "now": "new"}


def test_an_empty_assign_shows_no_assigned_variables(engine: Engine) -> None:
    # test_base_cases[BASE_EMPTY]: `"Assign": {}` leaves both fields out of PassStateExited.
    definition = {"StartAt": "State0", "States": {"State0": {"Type": "Pass", "Assign": {}, "End": True}}}
    _, exited = _exited(engine, definition, {"input_value": "input_value_literal"})
    assert exited == [{"name": "State0", "output": '{"input_value":"input_value_literal"}',
                       "outputDetails": {"truncated": False}}]


@pytest.mark.parametrize(
    ("field", "path", "event"),
    [
        # test_invalid_jsonpath[INVALID_JSONPATH_IN_ERRORPATH]
        ("ErrorPath", "$.ErrorX", 2),
        # test_invalid_jsonpath[ST.INVALID_JSONPATH_IN_CAUSEPATH]
        ("CausePath", "$.NoSuchCausePath", 2),
    ],
)
def test_a_fail_path_that_matches_nothing_names_the_field_and_the_input(field: str, path: str, event: int) -> None:
    definition = {"StartAt": "S", "States": {"S": {"Type": "Fail", field: path}}}
    error, cause = _failure(definition, {"int-literal": 0})
    assert error == "States.Runtime"
    assert cause == PREFIX.format(state="S", event=event) + (
        f"The JSONPath '{path}' specified for the field '{field}' could not be found in the input "
        "'{\"int-literal\":0}'")


@pytest.mark.parametrize(
    ("field", "expression"),
    [
        # test_map_state_items_eval_jsonata_fail[function]: a function is no JSON value.
        ("Items", "$fn := function($x){$x}"),
        ("Output", "$string"),  # a built-in function
        ("Output", "/ab/"),  # a regular expression
        ("Output", '{"a": [1, function(){2}]}'),  # a function nested in the value
    ],
)
def test_jsonata_that_returns_no_json_value_is_an_unsupported_result_type(field: str, expression: str) -> None:
    if field == "Items":
        state = {"Type": "Map", "Items": f"{{% {expression} %}}",
                 "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}}
    else:
        state = {"Type": "Pass", "Output": f"{{% {expression} %}}"}
    error, cause = _failure(_single(state, jsonata=True), {})
    assert error == "States.QueryEvaluationError"
    assert cause == PREFIX.format(state="S", event=2) + (
        f"The JSONata expression '{expression}' specified for the field '{field}' returned an unsupported result type.")


# -- States.DataLimitExceeded: a task's oversized result is a task failure, a state's is terminal --


_TOO_LARGE = "The state/task '{}' returned a result with a size exceeding the maximum number of bytes service limit."


@pytest.mark.parametrize(
    ("resource", "parameters", "named", "failed_event"),
    [
        # test_task_lambda_catch_state_all_data_limit_exceeded_on_large_utf8_response: the ARN.
        (lambda_arn("big"), {}, lambda_arn("big"), "LambdaFunctionFailed"),
        # test_service_task_lambada_catch_state_all_…: the integration's service.
        ("arn:aws:states:::lambda:invoke", {"FunctionName": "big"}, "lambda", "TaskFailed"),
    ],
)
def test_a_tasks_oversized_result_is_a_task_failure_that_states_all_catches(
    resource: str, parameters: dict[str, Any], named: str, failed_event: str
) -> None:
    definition = {"StartAt": "InvokeLambda", "States": {
        "InvokeLambda": {"Type": "Task", "Resource": resource, **({"Parameters": parameters} if parameters else {}),
                         "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "HandleGeneralError"}], "End": True},
        "HandleGeneralError": {"Type": "Pass", "End": True},
    }}
    with Engine(seed=0, functions={"big": lambda event, context: "ö" * 200_000}) as engine:  # 400,000 bytes
        execution = engine.run(definition, {})
    assert execution.status == "SUCCEEDED", execution.cause
    expected = {"Error": "States.DataLimitExceeded", "Cause": _TOO_LARGE.format(named)}
    assert execution.output == expected
    failed = next(event for event in execution.history if event["type"] == failed_event)
    details = failed[failed_event[0].lower() + failed_event[1:] + "EventDetails"]
    assert (details["error"], details["cause"]) == (expected["Error"], expected["Cause"])


def test_a_states_own_oversized_output_stays_terminal_for_states_all() -> None:
    # The error docs: "a terminal error that can't be caught by the States.ALL error type".
    branch = {"StartAt": "Big", "States": {"Big": {"Type": "Pass", "Result": "x" * 262_200, "End": True}}}
    definition = {"StartAt": "P", "States": {
        "P": {"Type": "Parallel", "Branches": [branch], "End": True,
              "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}]},
        "Caught": {"Type": "Pass", "End": True},
    }}
    error, cause = _failure(definition, {})
    assert (error, cause) == ("States.DataLimitExceeded", _TOO_LARGE.format("Big"))


def test_a_caught_task_timeout_hands_on_an_empty_cause_that_events_leave_out() -> None:
    # test_task_service_lambda test_invoke_timeout: `{"Error": "States.Timeout", "Cause": ""}`;
    # test_timeouts test_fixed_timeout_service_lambda_with_path: ExecutionFailed shows no cause.
    def slow(event: Any, context: Any) -> Any:
        import time  # noqa: PLC0415 - the handler's own import, as in the recorded function
        time.sleep(60)
        return event

    task = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "TimeoutSeconds": 5,
            "Parameters": {"FunctionName": "slow", "Payload": None}}
    caught = {"StartAt": "Start", "States": {
        "Start": {**task, "Catch": [{"ErrorEquals": ["States.Timeout"], "Next": "Handler"}], "End": True},
        "Handler": {"Type": "Pass", "ResultPath": "$.error", "End": True},
    }}
    with Engine(seed=0, functions={"slow": slow}) as engine:
        execution = engine.run(caught, {})
        timed_out = {"Error": "States.Timeout", "Cause": ""}
        assert execution.output == {**timed_out, "error": timed_out}
        failed = engine.run({"StartAt": "Start", "States": {"Start": {**task, "End": True}}}, {})
    assert failed.error == "States.Timeout"
    assert list(failed.history)[-1]["executionFailedEventDetails"] == {"error": "States.Timeout"}


# -- A failed branch or iteration stops the others: `…StateAborted` events ------------------------


def _fails(event: Any, context: Any) -> Any:
    raise ValueError("Some exception was raised.")


def _events(execution: Any) -> list[tuple[int, str, int]]:
    return [(event["id"], event["type"], event["previousEventId"]) for event in execution.history]


def test_a_task_that_fails_a_parallel_branch_is_aborted_before_the_parallel_fails() -> None:
    # test_sqs_failure_in_wait_for_task_tok_no_error_field[SQS_PARALLEL_WAIT_FOR_TASK_TOKEN]: TaskFailed (8),
    # TaskStateAborted (9 <- 8), ParallelStateFailed (10 <- 8), ParallelStateExited (11 <- 10).
    branch = {"StartAt": "Task", "States": {"Task": {"Type": "Task", "Resource": lambda_arn("fails"), "End": True}}}
    definition = {"StartAt": "P", "States": {
        "P": {"Type": "Parallel", "Branches": [branch], "Next": "Caught",
              "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}]},
        "Caught": {"Type": "Pass", "End": True},
    }}
    with Engine(seed=0, functions={"fails": _fails}) as engine:
        events = _events(engine.run(definition, {}))
    failed = next(id_ for id_, type_, _ in events if type_ == "LambdaFunctionFailed")
    tail = [(type_, previous) for id_, type_, previous in events if id_ > failed][:3]
    assert tail == [("TaskStateAborted", failed), ("ParallelStateFailed", failed), ("ParallelStateExited", failed + 2)]


def test_a_failed_iteration_aborts_the_running_ones_then_its_own_task() -> None:
    # test_service_lambda_map_timeout: MapIterationFailed, then each stopped iteration's TaskStateAborted and
    # MapIterationAborted, one more TaskStateAborted (the failed iteration's), MapStateFailed - all following
    # from the event that failed the Map. Here the stopped iteration is in a Wait state.
    iteration = {"StartAt": "Route", "States": {
        "Route": {"Type": "Choice", "Choices": [{"Variable": "$", "StringEquals": "slow", "Next": "Later"}],
                  "Default": "Task"},
        "Later": {"Type": "Wait", "Seconds": 60, "End": True},
        "Task": {"Type": "Task", "Resource": lambda_arn("fails"), "End": True},
    }}
    definition = {"StartAt": "M", "States": {"M": {"Type": "Map", "ItemProcessor": iteration, "End": True}}}
    with Engine(seed=0, functions={"fails": _fails}) as engine:
        execution = engine.run(definition, ["slow", "fast"])
    events = _events(execution)
    failed = next(id_ for id_, type_, _ in events if type_ == "LambdaFunctionFailed")
    tail = [(type_, previous) for id_, type_, previous in events if id_ > failed]
    assert tail == [("MapIterationFailed", failed), ("WaitStateAborted", failed), ("MapIterationAborted", failed),
                    ("TaskStateAborted", failed), ("MapStateFailed", failed), ("ExecutionFailed", failed + 5)]
    aborted = next(event for event in execution.history if event["type"] == "MapIterationAborted")
    assert aborted["mapIterationAbortedEventDetails"] == {"index": 0, "name": "M"}


def test_a_task_failing_outside_any_branch_is_not_aborted() -> None:
    definition = {"StartAt": "Task", "States": {"Task": {"Type": "Task", "Resource": lambda_arn("fails"), "End": True}}}
    with Engine(seed=0, functions={"fails": _fails}) as instance:
        types = [type_ for _, type_, _ in _events(instance.run(definition, {}))]
    assert types[-2:] == ["LambdaFunctionFailed", "ExecutionFailed"]
