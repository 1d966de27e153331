"""StepFunctionsService: the API actions with AWS's wire shapes and error codes."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from sluice.api import ServiceError, StepFunctionsService
from tests.api.support import ROLE, Calls

PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
WAIT_THEN_PASS = {
    "StartAt": "W",
    "States": {"W": {"Type": "Wait", "Seconds": 30, "Next": "P"}, "P": {"Type": "Pass", "End": True}},
}
CALLBACK = {
    "StartAt": "Ask",
    "States": {
        "Ask": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "Parameters": {"FunctionName": "record", "Payload": {"token.$": "$$.Task.Token"}},
            "End": True,
        }
    },
}


def error_code(call: Callable[[], Any]) -> str:
    with pytest.raises(ServiceError) as caught:
        call()
    return caught.value.code


# -- state machines ------------------------------------------------------------------------


def test_create_and_describe_state_machine_have_aws_fields(service: StepFunctionsService) -> None:
    text = json.dumps(PASS)
    created = service.call("CreateStateMachine", {"name": "orders", "definition": text, "roleArn": ROLE})
    assert created["stateMachineArn"] == "arn:aws:states:us-east-1:123456789012:stateMachine:orders"
    assert isinstance(created["creationDate"], float)

    described = service.call("DescribeStateMachine", {"stateMachineArn": created["stateMachineArn"]})
    assert described["definition"] == text
    assert described["status"] == "ACTIVE"
    assert described["type"] == "STANDARD"
    assert described["roleArn"] == ROLE
    assert described["creationDate"] == created["creationDate"]
    assert described["loggingConfiguration"] == {"level": "OFF", "includeExecutionData": False}
    assert described["tracingConfiguration"] == {"enabled": False}


def test_creating_the_same_machine_twice_is_idempotent_but_a_different_one_clashes(
    service: StepFunctionsService, create: Callable[..., str]
) -> None:
    arn = create(PASS, name="again")
    assert create(PASS, name="again") == arn
    assert error_code(lambda: create(WAIT_THEN_PASS, name="again")) == "StateMachineAlreadyExists"


@pytest.mark.parametrize(
    ("request_fields", "code"),
    [
        ({"name": "has space"}, "InvalidName"),
        ({"name": "x" * 81}, "InvalidName"),
        ({"definition": "{not json"}, "InvalidDefinition"),
        ({"definition": json.dumps({"StartAt": "Nope", "States": {"P": {"Type": "Pass", "End": True}}})},
         "InvalidDefinition"),
        ({"roleArn": "not-an-arn"}, "InvalidArn"),
        ({"type": "FAST"}, "ValidationException"),
    ],
)
def test_create_state_machine_rejects_bad_input_with_aws_codes(
    service: StepFunctionsService, request_fields: dict[str, Any], code: str
) -> None:
    request = {"name": "ok", "definition": json.dumps(PASS), "roleArn": ROLE} | request_fields
    assert error_code(lambda: service.call("CreateStateMachine", request)) == code


def test_invalid_definition_message_names_the_diagnostic(service: StepFunctionsService) -> None:
    definition = json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}})
    with pytest.raises(ServiceError) as caught:
        service.call("CreateStateMachine", {"name": "bad", "definition": definition, "roleArn": ROLE})
    assert caught.value.message.startswith("Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET")


def test_update_state_machine_changes_the_definition_for_new_executions_only(
    service: StepFunctionsService, create: Callable[..., str]
) -> None:
    arn = create(WAIT_THEN_PASS)
    running = service.call("StartExecution", {"stateMachineArn": arn, "input": '{"v": 1}'})["executionArn"]
    new_definition = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": "new", "End": True}}}
    updated = service.call("UpdateStateMachine", {"stateMachineArn": arn, "definition": json.dumps(new_definition)})
    assert set(updated) == {"updateDate", "revisionId"}
    fresh = service.call("StartExecution", {"stateMachineArn": arn})["executionArn"]
    service.drive()
    assert service.call("DescribeExecution", {"executionArn": running})["output"] == '{"v":1}'
    assert service.call("DescribeExecution", {"executionArn": fresh})["output"] == '"new"'
    assert service.call("DescribeStateMachine", {"stateMachineArn": arn})["revisionId"] == updated["revisionId"]
    assert error_code(lambda: service.call("UpdateStateMachine", {"stateMachineArn": arn})) == (
        "MissingRequiredParameter"
    )


def test_list_state_machines_pages_with_next_token(service: StepFunctionsService, create: Callable[..., str]) -> None:
    for index in range(3):
        create(PASS, name=f"m{index}")
    first = service.call("ListStateMachines", {"maxResults": 2})
    assert [m["name"] for m in first["stateMachines"]] == ["m0", "m1"]
    assert set(first["stateMachines"][0]) == {"stateMachineArn", "name", "type", "creationDate"}
    second = service.call("ListStateMachines", {"maxResults": 2, "nextToken": first["nextToken"]})
    assert [m["name"] for m in second["stateMachines"]] == ["m2"]
    assert "nextToken" not in second
    assert error_code(lambda: service.call("ListStateMachines", {"nextToken": "garbage!"})) == "InvalidToken"


def test_delete_state_machine_is_idempotent(service: StepFunctionsService, create: Callable[..., str]) -> None:
    arn = create(PASS)
    assert service.call("DeleteStateMachine", {"stateMachineArn": arn}) == {}
    assert service.call("DeleteStateMachine", {"stateMachineArn": arn}) == {}
    assert error_code(lambda: service.call("DescribeStateMachine", {"stateMachineArn": arn})) == (
        "StateMachineDoesNotExist"
    )


# -- executions ----------------------------------------------------------------------------


def test_start_execution_schedules_and_drive_lets_it_finish(
    service: StepFunctionsService, create: Callable[..., str]
) -> None:
    arn = create(WAIT_THEN_PASS)
    started = service.call("StartExecution", {"stateMachineArn": arn, "name": "run-1", "input": '{"a": 1}'})
    assert started["executionArn"] == "arn:aws:states:us-east-1:123456789012:execution:machine:run-1"
    assert service.call("DescribeExecution", {"executionArn": started["executionArn"]})["status"] == "RUNNING"
    service.drive()
    described = service.call("DescribeExecution", {"executionArn": started["executionArn"]})
    assert described["status"] == "SUCCEEDED"
    assert described["output"] == '{"a":1}'
    assert described["stopDate"] - described["startDate"] == pytest.approx(30.0)
    assert described["inputDetails"] == {"included": True}
    assert described["redriveStatus"] == "NOT_REDRIVABLE"


def test_drive_for_some_seconds_stops_part_way(service: StepFunctionsService, create: Callable[..., str]) -> None:
    arn = create(WAIT_THEN_PASS)
    execution = service.call("StartExecution", {"stateMachineArn": arn})["executionArn"]
    service.drive(seconds=10)
    assert service.call("DescribeExecution", {"executionArn": execution})["status"] == "RUNNING"
    service.drive(seconds=25)
    assert service.call("DescribeExecution", {"executionArn": execution})["status"] == "SUCCEEDED"


def test_start_execution_errors(service: StepFunctionsService, create: Callable[..., str]) -> None:
    arn = create(WAIT_THEN_PASS)
    service.call("StartExecution", {"stateMachineArn": arn, "name": "dup", "input": "{}"})

    def start(**fields: Any) -> Any:
        return service.call("StartExecution", {"stateMachineArn": arn} | fields)

    assert error_code(lambda: start(name="dup", input='{"other": true}')) == "ExecutionAlreadyExists"
    assert error_code(lambda: start(input="{oops")) == "InvalidExecutionInput"
    assert error_code(lambda: start(name="a/b")) == "InvalidName"
    assert error_code(lambda: service.call("StartExecution", {"stateMachineArn": arn + "x"})) == (
        "StateMachineDoesNotExist"
    )
    assert error_code(lambda: service.call("StartExecution", {"stateMachineArn": "nope"})) == "InvalidArn"


LONG_NUMBER = "9" * 5000  # longer than Python reads into an int: was a bare ValueError out of every action


def test_a_number_longer_than_python_reads_is_the_actions_own_error(
    service: StepFunctionsService, create: Callable[..., str]
) -> None:
    arn = create(PASS)
    definition = json.dumps(PASS).replace('"End": true', f'"Result": {LONG_NUMBER}, "End": true')
    with pytest.raises(ServiceError, match="Number of 5000 digits is longer than the 4300 Python reads") as raised:
        service.call("StartExecution", {"stateMachineArn": arn, "input": f'{{"n": {LONG_NUMBER}}}'})
    assert raised.value.code == "InvalidExecutionInput"
    assert error_code(lambda: service.call("CreateStateMachine", {"name": "long", "definition": definition,
                                                                  "roleArn": ROLE})) == "InvalidDefinition"
    validated = service.call("ValidateStateMachineDefinition", {"definition": definition})
    assert validated["result"] == "FAIL"
    assert validated["diagnostics"][0]["code"] == "INVALID_JSON_DESCRIPTION"


def test_a_lone_surrogate_in_a_payload_is_measured_not_a_crash(
    service: StepFunctionsService, create: Callable[..., str]
) -> None:
    # Found by fuzzing every action: a JSON request can escape a lone surrogate ("\ud800"), which UTF-8
    # cannot encode, and the 256 KiB check's `str.encode()` raised UnicodeEncodeError out of the action.
    arn = create(PASS)
    answer = {"taskToken": "t", "output": "\ud800"}
    assert error_code(lambda: service.call("SendTaskSuccess", answer)) == "InvalidOutput"
    assert error_code(lambda: service.call("StartExecution", {"stateMachineArn": arn, "input": "\ud800"})) == (
        "InvalidExecutionInput")


def test_describe_execution_errors(service: StepFunctionsService, create: Callable[..., str]) -> None:
    arn = create(PASS)
    missing = arn.replace(":stateMachine:", ":execution:") + ":missing"
    assert error_code(lambda: service.call("DescribeExecution", {"executionArn": missing})) == "ExecutionDoesNotExist"
    assert error_code(lambda: service.call("DescribeExecution", {"executionArn": arn})) == "InvalidArn"


def test_list_executions_newest_first_with_status_filter(
    service: StepFunctionsService, create: Callable[..., str]
) -> None:
    arn = create(WAIT_THEN_PASS)
    service.call("StartExecution", {"stateMachineArn": arn, "name": "first"})
    service.drive()
    service.call("StartExecution", {"stateMachineArn": arn, "name": "second"})
    listed = service.call("ListExecutions", {"stateMachineArn": arn})["executions"]
    assert [(e["name"], e["status"]) for e in listed] == [("second", "RUNNING"), ("first", "SUCCEEDED")]
    assert "stopDate" in listed[1] and "stopDate" not in listed[0]
    running = service.call("ListExecutions", {"stateMachineArn": arn, "statusFilter": "RUNNING"})["executions"]
    assert [e["name"] for e in running] == ["second"]


def test_express_machines_run_with_start_sync_execution_only(
    service: StepFunctionsService, create: Callable[..., str]
) -> None:
    express = create(WAIT_THEN_PASS, name="fast", machine_type="EXPRESS")
    result = service.call("StartSyncExecution", {"stateMachineArn": express, "input": '{"k": "v"}'})
    assert result["status"] == "SUCCEEDED"
    assert result["output"] == '{"k":"v"}'
    assert result["billingDetails"] == {"billedMemoryUsedInMB": 64, "billedDurationInMilliseconds": 30000}
    assert {"executionArn", "stateMachineArn", "name", "startDate", "stopDate", "input"} <= set(result)
    assert ":express:fast:" in result["executionArn"]
    # Express executions are not recorded: AWS refuses their ARNs and lists.
    assert error_code(lambda: service.call("DescribeExecution", {"executionArn": result["executionArn"]})) == (
        "InvalidArn"
    )
    assert error_code(lambda: service.call("ListExecutions", {"stateMachineArn": express})) == (
        "StateMachineTypeNotSupported"
    )
    standard = create(PASS, name="slow")
    assert error_code(lambda: service.call("StartSyncExecution", {"stateMachineArn": standard})) == (
        "StateMachineTypeNotSupported"
    )


def test_start_sync_execution_reports_failure_in_the_body(
    service: StepFunctionsService, create: Callable[..., str]
) -> None:
    failing = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Oops", "Cause": "because"}}}
    arn = create(failing, machine_type="EXPRESS")
    result = service.call("StartSyncExecution", {"stateMachineArn": arn})
    assert (result["status"], result["error"], result["cause"]) == ("FAILED", "Oops", "because")
    assert "output" not in result


def test_get_execution_history_renders_events_with_paging_and_options(
    service: StepFunctionsService, create: Callable[..., str]
) -> None:
    arn = create(PASS)
    execution = service.call("StartExecution", {"stateMachineArn": arn, "input": '{"x": 1}'})["executionArn"]
    service.drive()
    events = service.call("GetExecutionHistory", {"executionArn": execution})["events"]
    assert [e["type"] for e in events] == ["ExecutionStarted", "PassStateEntered", "PassStateExited",
                                          "ExecutionSucceeded"]
    assert events[0]["executionStartedEventDetails"]["input"] == '{"x":1}'
    assert isinstance(events[0]["timestamp"], float)
    # AWS links the first state's entry to no event (0), its exit to the entry (recorded histories).
    assert [(e["id"], e["previousEventId"]) for e in events[1:3]] == [(2, 0), (3, 2)]
    newest = service.call("GetExecutionHistory", {"executionArn": execution, "reverseOrder": True, "maxResults": 1})
    assert [e["type"] for e in newest["events"]] == ["ExecutionSucceeded"]
    assert "nextToken" in newest
    bare = service.call("GetExecutionHistory", {"executionArn": execution, "includeExecutionData": False})
    assert "input" not in bare["events"][0]["executionStartedEventDetails"]


def test_stop_execution_aborts_with_error_and_cause(service: StepFunctionsService, create: Callable[..., str]) -> None:
    arn = create(WAIT_THEN_PASS)
    execution = service.call("StartExecution", {"stateMachineArn": arn})["executionArn"]
    service.drive(seconds=5)
    stopped = service.call("StopExecution", {"executionArn": execution, "error": "Halt", "cause": "by test"})
    service.drive()
    described = service.call("DescribeExecution", {"executionArn": execution})
    assert (described["status"], described["error"], described["cause"]) == ("ABORTED", "Halt", "by test")
    assert described["stopDate"] == stopped["stopDate"]
    assert described["redriveStatus"] == "REDRIVABLE"
    last = service.call("GetExecutionHistory", {"executionArn": execution, "reverseOrder": True})["events"][0]
    assert last["type"] == "ExecutionAborted"
    assert last["executionAbortedEventDetails"] == {"error": "Halt", "cause": "by test"}


def test_redrive_execution_reruns_the_failed_state(
    service: StepFunctionsService, create: Callable[..., str], calls: Calls
) -> None:
    definition = {
        "StartAt": "Prepare",
        "States": {
            "Prepare": {"Type": "Pass", "Result": {"step": 1}, "Next": "Work"},
            "Work": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:flaky",
                     "End": True},
        },
    }
    arn = create(definition)
    calls.failures_left = 1
    execution = service.call("StartExecution", {"stateMachineArn": arn})["executionArn"]
    service.drive()
    assert service.call("DescribeExecution", {"executionArn": execution})["status"] == "FAILED"

    redriven = service.call("RedriveExecution", {"executionArn": execution})
    service.drive()
    described = service.call("DescribeExecution", {"executionArn": execution})
    assert described["status"] == "SUCCEEDED"
    assert described["output"] == '{"ok":{"step":1}}'
    assert described["redriveCount"] == 1
    assert described["redriveDate"] == redriven["redriveDate"]
    types = [e["type"] for e in service.call("GetExecutionHistory", {"executionArn": execution})["events"]]
    assert types.count("PassStateEntered") == 1  # the state that succeeded does not run again
    assert types[types.index("ExecutionFailed") + 1] == "ExecutionRedriven"
    assert error_code(lambda: service.call("RedriveExecution", {"executionArn": execution})) == (
        "ExecutionNotRedrivable"
    )


# -- task tokens ---------------------------------------------------------------------------


def test_wait_for_task_token_leaves_the_world_idle_until_send_task_success(
    service: StepFunctionsService, create: Callable[..., str], calls: Calls
) -> None:
    execution = service.call("StartExecution", {"stateMachineArn": create(CALLBACK)})["executionArn"]
    service.drive()
    assert service.call("DescribeExecution", {"executionArn": execution})["status"] == "RUNNING"
    token = calls.events[0]["token"]
    assert [task.token for task in service.engine.task_tokens.pending()] == [token]

    assert service.call("SendTaskSuccess", {"taskToken": token, "output": '{"answer": 42}'}) == {}
    service.drive()
    described = service.call("DescribeExecution", {"executionArn": execution})
    assert (described["status"], described["output"]) == ("SUCCEEDED", '{"answer":42}')
    events = service.call("GetExecutionHistory", {"executionArn": execution})["events"]
    types = [e["type"] for e in events]
    assert types[types.index("TaskStarted") + 1] == "TaskSubmitted"
    submitted = events[types.index("TaskSubmitted")]["taskSubmittedEventDetails"]
    assert submitted["resource"] == "invoke.waitForTaskToken"
    assert json.loads(submitted["output"])["StatusCode"] == 200
    # The token is spent: AWS answers TaskTimedOut for it from now on.
    assert error_code(lambda: service.call("SendTaskSuccess", {"taskToken": token, "output": "{}"})) == (
        "TaskTimedOut"
    )


def test_send_task_failure_fails_the_task_with_its_error_and_cause(
    service: StepFunctionsService, create: Callable[..., str], calls: Calls
) -> None:
    execution = service.call("StartExecution", {"stateMachineArn": create(CALLBACK)})["executionArn"]
    service.drive()
    service.call("SendTaskFailure", {"taskToken": calls.events[0]["token"], "error": "Rejected", "cause": "no"})
    service.drive()
    described = service.call("DescribeExecution", {"executionArn": execution})
    assert (described["status"], described["error"], described["cause"]) == ("FAILED", "Rejected", "no")


def test_heartbeats_keep_a_task_alive_and_missing_ones_time_it_out(
    service: StepFunctionsService, create: Callable[..., str], calls: Calls
) -> None:
    definition = json.loads(json.dumps(CALLBACK))
    definition["States"]["Ask"]["HeartbeatSeconds"] = 60
    execution = service.call("StartExecution", {"stateMachineArn": create(definition)})["executionArn"]
    service.drive(seconds=50)
    service.call("SendTaskHeartbeat", {"taskToken": calls.events[0]["token"]})
    service.drive(seconds=50)  # 100 s after the start, 50 s after the heartbeat
    assert service.call("DescribeExecution", {"executionArn": execution})["status"] == "RUNNING"
    service.drive()  # until idle: a client could still beat or answer, so the deadline does not fire
    assert service.call("DescribeExecution", {"executionArn": execution})["status"] == "RUNNING"
    service.drive(seconds=10)
    described = service.call("DescribeExecution", {"executionArn": execution})
    assert (described["status"], described["error"]) == ("FAILED", "States.HeartbeatTimeout")
    assert described["stopDate"] - described["startDate"] == pytest.approx(110.0)
    events = service.call("GetExecutionHistory", {"executionArn": execution})["events"]
    scheduled = next(e for e in events if e["type"] == "TaskScheduled")["taskScheduledEventDetails"]
    assert scheduled["heartbeatInSeconds"] == 60
    timed_out = next(e for e in events if e["type"] == "TaskTimedOut")["taskTimedOutEventDetails"]
    assert timed_out["error"] == "States.HeartbeatTimeout"


@pytest.mark.parametrize(
    ("action", "request_fields", "code"),
    [
        ("SendTaskSuccess", {"taskToken": "not-a-token", "output": "{}"}, "InvalidToken"),
        ("SendTaskSuccess", {"taskToken": "6f1e0bd2-4b25-4e54-9d1b-6a3f1c2d9e10", "output": "{}"},
         "TaskDoesNotExist"),
        ("SendTaskHeartbeat", {"taskToken": "6f1e0bd2-4b25-4e54-9d1b-6a3f1c2d9e10"}, "TaskDoesNotExist"),
        ("SendTaskFailure", {"taskToken": "x"}, "InvalidToken"),
    ],
)
def test_send_task_calls_with_unknown_tokens(
    service: StepFunctionsService, action: str, request_fields: dict[str, Any], code: str
) -> None:
    assert error_code(lambda: service.call(action, request_fields)) == code


def test_send_task_success_needs_json_output(
    service: StepFunctionsService, create: Callable[..., str], calls: Calls
) -> None:
    service.call("StartExecution", {"stateMachineArn": create(CALLBACK)})
    service.drive()
    token = calls.events[0]["token"]
    assert error_code(lambda: service.call("SendTaskSuccess", {"taskToken": token, "output": "{nope"})) == (
        "InvalidOutput"
    )


# -- definitions ---------------------------------------------------------------------------


def test_validate_state_machine_definition(service: StepFunctionsService) -> None:
    ok = service.call("ValidateStateMachineDefinition", {"definition": json.dumps(PASS)})
    assert ok == {"result": "OK", "diagnostics": [], "truncated": False}
    bad = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}}
    failed = service.call("ValidateStateMachineDefinition", {"definition": json.dumps(bad)})
    assert failed["result"] == "FAIL"
    assert failed["diagnostics"][0] == {
        "severity": "ERROR", "code": "MISSING_TRANSITION_TARGET", "message": "Missing 'Next' target: B",
        "location": "/States/A/Next",
    }
    unparsable = service.call("ValidateStateMachineDefinition", {"definition": "{"})
    assert unparsable["diagnostics"][0]["code"] == "INVALID_JSON_DESCRIPTION"


def test_test_state_runs_one_state_and_names_the_next(service: StepFunctionsService) -> None:
    state = {"Type": "Pass", "Parameters": {"doubled.$": "States.MathAdd($.n, $.n)"}, "Next": "Later"}
    result = service.call("TestState", {"definition": json.dumps(state), "input": '{"n": 4}', "roleArn": ROLE})
    assert result == {"output": '{"doubled":8}', "nextState": "Later", "status": "SUCCEEDED"}


def test_test_state_debug_inspection_shows_each_processing_step(service: StepFunctionsService) -> None:
    state = {
        "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:record",
        "InputPath": "$.order", "Parameters": {"id.$": "$.id"}, "ResultSelector": {"got.$": "$.seen"},
        "ResultPath": "$.result", "End": True,
    }
    result = service.call("TestState", {"definition": json.dumps(state), "input": '{"order": {"id": 7}}',
                                        "inspectionLevel": "DEBUG"})
    assert result["status"] == "SUCCEEDED"
    assert "nextState" not in result
    inspection = result["inspectionData"]
    assert inspection["afterInputPath"] == '{"id":7}'
    assert inspection["afterParameters"] == '{"id":7}'
    assert inspection["result"] == '{"seen":{"id":7}}'
    assert inspection["afterResultSelector"] == '{"got":{"id":7}}'
    assert inspection["afterResultPath"] == '{"order":{"id":7},"result":{"got":{"id":7}}}'


def test_test_state_reports_retriable_caught_and_failed_errors(service: StepFunctionsService) -> None:
    def run(extra: dict[str, Any]) -> dict[str, Any]:
        state = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True,
                 "Parameters": {"FunctionName": "record"}} | extra
        return service.call("TestState", {"definition": json.dumps(state), "input": "{}",
                                          "mock": {"errorOutput": {"error": "Boom", "cause": "bad"}}})

    assert run({})["status"] == "FAILED"
    retriable = run({"Retry": [{"ErrorEquals": ["Boom"]}]})
    assert (retriable["status"], retriable["error"], retriable["cause"]) == ("RETRIABLE", "Boom", "bad")
    caught = run({"Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handle"}]})
    assert caught["status"] == "CAUGHT_ERROR"
    assert caught["nextState"] == "Handle"
    assert json.loads(caught["output"]) == {"Error": "Boom", "Cause": "bad"}


def test_test_state_uses_a_mocked_result_and_its_own_clock(service: StepFunctionsService) -> None:
    before = service.engine.clock.now()
    wait = service.call("TestState", {"definition": '{"Type": "Wait", "Seconds": 3600, "Next": "N"}'})
    assert wait["nextState"] == "N"
    assert service.engine.clock.now() == before
    state = {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem", "End": True,
             "Parameters": {"TableName": "t", "Key": {}}, "OutputPath": "$.Item"}
    mocked = service.call("TestState", {"definition": json.dumps(state), "mock": {"result": '{"Item": {"a": 1}}'}})
    assert mocked["output"] == '{"a":1}'
    assert error_code(lambda: service.call("TestState", {"definition": '{"Type": "Nope"}'})) == "InvalidDefinition"


def test_unknown_actions_are_reported(service: StepFunctionsService) -> None:
    assert error_code(lambda: service.call("DescribeMapRun", {})) == "UnknownOperationException"
