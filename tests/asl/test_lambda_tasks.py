"""Lambda Task states: both resource forms, AWS's result shape and error names, timeouts."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import re
import time
from typing import Any

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber

from sluice.asl import Engine
from sluice.asl.integrations import BotoLambdaInvoker
from tests.asl.helpers import lambda_arn


def _single(resource: str, **extra: Any) -> dict[str, Any]:
    return {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": resource, "End": True, **extra}}}


def test_function_arn_returns_the_payload() -> None:
    with Engine(functions={"double": lambda event, context: {"n": event["n"] * 2}}) as engine:
        execution = engine.run(_single(lambda_arn("double")), {"n": 21})
    assert execution.output == {"n": 42}
    types = execution.history.types()
    assert types[:4] == [
        "ExecutionStarted",
        "TaskStateEntered",
        "LambdaFunctionScheduled",
        "LambdaFunctionStarted",
    ]
    assert types[-3:] == ["LambdaFunctionSucceeded", "TaskStateExited", "ExecutionSucceeded"]


def test_lambda_invoke_integration_returns_the_invoke_response() -> None:
    with Engine(functions={"echo": lambda event, context: event}) as engine:
        definition = _single("arn:aws:states:::lambda:invoke", Parameters={"FunctionName": "echo", "Payload.$": "$"})
        execution = engine.run(definition, {"a": 1})
    output = execution.output
    assert output["Payload"] == {"a": 1}
    assert output["StatusCode"] == 200
    assert output["ExecutedVersion"] == "$LATEST"
    assert set(output) == {
        "ExecutedVersion",
        "Payload",
        "SdkHttpMetadata",
        "SdkResponseMetadata",
        "StatusCode",
    }
    assert "TaskScheduled" in execution.history.types()


def test_handler_exception_is_reported_by_class_name_with_lambda_cause() -> None:
    class SchemaError(Exception):
        pass

    def handler(event: Any, context: Any) -> None:
        raise SchemaError("column 'id' missing")

    with Engine(functions={"check": handler}) as engine:
        execution = engine.run(_single(lambda_arn("check")), {})
    assert execution.status == "FAILED"
    assert execution.error == "SchemaError"
    cause = json.loads(execution.cause or "")
    assert cause["errorMessage"] == "column 'id' missing"
    assert cause["errorType"] == "SchemaError"
    assert isinstance(cause["stackTrace"], list)


@pytest.mark.parametrize(("raised", "status"), [(SystemExit(4), 4), (asyncio.CancelledError(), 1),
                                                (BaseException("a library's own"), 1)])
def test_a_handler_that_ends_the_runtime_fails_the_task_with_runtime_exit_error(
    raised: BaseException, status: int
) -> None:
    # Lambda's bootstrap catches Exception only: anything else ends the runtime process (Runtime.ExitError).
    # Before, a SystemExit went through the engine and ended the whole sluice process; any other
    # BaseException still did.
    def handler(event: Any, context: Any) -> None:
        raise raised

    with Engine(functions={"quits": handler}) as engine:
        execution = engine.run(_single(lambda_arn("quits")), {})
    assert (execution.status, execution.error) == ("FAILED", "Runtime.ExitError")
    assert f"Error: Runtime exited with error: exit status {status}" in (execution.cause or "")


def test_unknown_function_is_resource_not_found(engine: Engine) -> None:
    execution = engine.run(_single(lambda_arn("nope")), {})
    assert execution.error == "Lambda.ResourceNotFoundException"


def test_handler_receives_a_context_with_its_name(engine: Engine) -> None:
    seen: dict[str, Any] = {}

    def handler(event: Any, context: Any) -> str:
        seen["name"] = context.function_name
        seen["request"] = context.aws_request_id
        return "ok"

    with Engine(functions={"ctx": handler}) as local:
        local.run(_single(lambda_arn("ctx")), {})
    assert seen["name"] == "ctx"
    assert seen["request"]


def test_task_timeout_raises_states_timeout_on_the_virtual_clock() -> None:
    async def slow(request: Any) -> str:
        await asyncio.sleep(600)
        return "late"

    with Engine(resolver=slow) as engine:
        definition = _single("arn:aws:states:::aws-sdk:s3:listBuckets", TimeoutSeconds=30)
        execution = engine.run(definition, {})
    assert execution.status == "FAILED"
    assert execution.error == "States.Timeout"
    assert execution.duration_seconds == 30
    assert "TaskTimedOut" in execution.history.types()


def test_result_selector_and_result_path_shape_the_output() -> None:
    with Engine(functions={"stat": lambda event, context: {"rows": 10, "noise": "x"}}) as engine:
        definition = _single(lambda_arn("stat"), ResultSelector={"count.$": "$.rows"}, ResultPath="$.stats")
        execution = engine.run(definition, {"key": "a.csv"})
    assert execution.output == {"key": "a.csv", "stats": {"count": 10}}


def test_heartbeat_seconds_path_times_out_a_silent_callback() -> None:
    # .waitForTaskToken: the worker got the token but never reports; HeartbeatSecondsPath comes from the input.
    with Engine(resolver=lambda request: {"MessageId": "m-1"}) as engine:
        definition = _single(
            "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            Parameters={
                "QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/q",
                "MessageBody.$": "$$.Task.Token",
            },
            HeartbeatSecondsPath="$.heartbeat",
        )
        # The worker never reports: let the heartbeat deadline pass instead of waiting for an answer.
        execution = engine.run(definition, {"heartbeat": 45}, fire_callback_timeouts=True)
    assert execution.status == "FAILED"
    assert execution.error == "States.HeartbeatTimeout"
    assert execution.duration_seconds == 45


# -- AWS's Lambda semantics, as recorded (tests/asl/data/asl-aws-recorded-lambda.jsonl) ---------

INVOKE = "arn:aws:states:::lambda:invoke"


class QuotaExceeded(Exception):
    pass


def _raise_quota(event: Any, context: Any) -> None:
    raise QuotaExceeded("over quota")


def _invoke(function: str, **parameters: Any) -> dict[str, Any]:
    return _single(INVOKE, Parameters={"FunctionName": function, **parameters})


def test_stack_trace_shows_the_handler_frames_as_lambdas_python_runtime_does() -> None:
    with Engine(functions={"quota": _raise_quota}) as engine:
        execution = engine.run(_invoke("quota"), {})
    cause = json.loads(execution.cause or "")
    line = _raise_quota.__code__.co_firstlineno + 1
    # awslambdaric: traceback.format_list of (file, line, name, source) — no engine frames, no carets.
    assert cause["stackTrace"] == [
        f'  File "/var/task/test_lambda_tasks.py", line {line}, in _raise_quota\n'
        '    raise QuotaExceeded("over quota")\n'
    ]
    assert (execution.error, cause["errorType"], cause["errorMessage"]) == ("QuotaExceeded", "QuotaExceeded",
                                                                            "over quota")


def test_each_resource_form_writes_the_cause_with_its_own_json_separators() -> None:
    with Engine(functions={"quota": _raise_quota}) as engine:
        optimised = engine.run(_invoke("quota"), {})
        legacy = engine.run(_single(lambda_arn("quota")), {})
    # lambda:invoke re-serialises the error payload compactly (recorded: TestTaskServiceLambda);
    # a function ARN reports the runtime's payload text as it was written (", " and ": ").
    assert (optimised.cause or "").startswith('{"errorMessage":"over quota","errorType":"QuotaExceeded","requestId":"')
    assert (legacy.cause or "").startswith('{"errorMessage": "over quota", "errorType": "QuotaExceeded", ')


def test_an_exception_without_message_has_an_empty_error_message() -> None:
    def handler(event: Any, context: Any) -> None:
        raise QuotaExceeded

    with Engine(functions={"silent": handler}) as engine:
        execution = engine.run(_invoke("silent"), {})
    assert execution.error == "QuotaExceeded"
    assert json.loads(execution.cause or "")["errorMessage"] == ""


def test_invoke_result_carries_the_http_metadata_lambda_sent() -> None:
    with Engine(functions={"echo": lambda event, context: event}) as engine:
        execution = engine.run(_invoke("echo", **{"Payload.$": "$"}), {"status": "completed"})
    output = execution.output
    headers = output["SdkHttpMetadata"]["HttpHeaders"]
    # The Python runtime writes `{"status": "completed"}` (23 bytes, default separators).
    assert headers["Content-Length"] == "23"
    assert output["SdkHttpMetadata"]["AllHttpHeaders"]["Content-Length"] == ["23"]
    assert headers["Date"].endswith(" GMT") and headers["X-Amzn-Trace-Id"].startswith("Root=1-")
    assert headers["x-amzn-RequestId"] == output["SdkResponseMetadata"]["RequestId"]
    assert "LogResult" not in output


def test_log_type_tail_returns_the_log_tail_in_base64() -> None:
    with Engine(functions={"echo": lambda event, context: event}) as engine:
        execution = engine.run(_invoke("echo", LogType="Tail"), {})
    output = execution.output
    assert list(output) == ["ExecutedVersion", "LogResult", "Payload", "SdkHttpMetadata", "SdkResponseMetadata",
                            "StatusCode"]
    request_id = output["SdkResponseMetadata"]["RequestId"]
    assert base64.b64decode(output["LogResult"]).decode().startswith(f"START RequestId: {request_id} ")


def test_bytes_returned_by_a_handler_are_the_response_body() -> None:
    with Engine(functions={"raw": lambda event, context: b'"HelloWorld!"'}) as engine:
        execution = engine.run(_invoke("raw"), {})
    assert execution.output["Payload"] == "HelloWorld!"
    assert execution.output["SdkHttpMetadata"]["HttpHeaders"]["Content-Length"] == "13"


@pytest.mark.parametrize(
    ("payload", "received"),
    [("0", 0), ("true", True), ("{}", {}), ("HelloWorld", "HelloWorld"), (None, {})],
)
def test_invoke_payload_text_is_sent_as_json_and_null_as_an_empty_object(payload: Any, received: Any) -> None:
    seen: list[Any] = []

    def handler(event: Any, context: Any) -> Any:
        seen.append(event)
        return event

    with Engine(functions={"echo": handler}) as engine:
        execution = engine.run(_invoke("echo", Payload=payload), {})
    assert seen == [received]
    assert execution.output["Payload"] == received


def test_a_result_over_256_kib_is_data_limit_exceeded() -> None:
    with Engine(functions={"big": lambda event, context: {"blob": "x" * 300_000}}) as engine:
        execution = engine.run(_invoke("big"), {})
    assert execution.error == "States.DataLimitExceeded"


def test_timeout_seconds_stops_a_synchronous_handler() -> None:
    def slow(event: Any, context: Any) -> str:
        time.sleep(30)
        return "late"

    started = time.monotonic()
    with Engine(functions={"slow": slow}) as engine:
        execution = engine.run(_single(INVOKE, Parameters={"FunctionName": "slow"}, TimeoutSeconds=1), {})
    assert time.monotonic() - started < 10
    assert (execution.status, execution.error) == ("FAILED", "States.Timeout")
    assert "TaskTimedOut" in execution.history.types()


def _map_of_sleepers(seconds: float, timeout: int, items: list[int]) -> Any:
    """A Map whose Task (under `timeout`) calls a function that sleeps `seconds`, run over `items`."""
    def sleeper(event: Any, context: Any) -> Any:
        time.sleep(seconds)
        return event

    task = {"Type": "Task", "Resource": lambda_arn("slow"), "TimeoutSeconds": timeout, "End": True}
    definition = {"StartAt": "Fan", "States": {"Fan": {"Type": "Map", "End": True, "ItemsPath": "$.items",
                                                       "ItemProcessor": {"StartAt": "Call", "States": {"Call": task}}}}}
    with Engine(functions={"slow": sleeper}) as engine:
        return engine.run(definition, {"items": items})


def _offsets(execution: Any, *types: str) -> list[tuple[str, float]]:
    events = list(execution.history)
    return [(event["type"], (event["timestamp"] - events[0]["timestamp"]).total_seconds())
            for event in events if event["type"] in types]


def test_map_iterations_call_their_lambdas_side_by_side_on_the_virtual_clock() -> None:
    # On AWS a Map's iterations invoke their functions at once: three 10 s calls end together after 10 s.
    # In-process handlers run one at a time, so the seconds each slept pass on the clock after it returns.
    execution = _map_of_sleepers(10, timeout=60, items=[1, 2, 3])
    assert (execution.status, execution.output) == ("SUCCEEDED", [1, 2, 3])
    assert execution.duration_seconds == pytest.approx(10.0)
    assert _offsets(execution, "LambdaFunctionScheduled", "LambdaFunctionSucceeded") == [
        ("LambdaFunctionScheduled", 0.0)] * 3 + [("LambdaFunctionSucceeded", 10.0)] * 3
    # As AWS records a Map of Lambda calls (test_service_lambda_map_timeout): every iteration starts, then
    # each enters its Task and schedules its call, and only then do the calls start.
    started = [kind for kind in execution.history.types() if kind.startswith(("MapIteration", "TaskState", "Lambda"))]
    assert started[:12] == ["MapIterationStarted"] * 3 + ["TaskStateEntered", "LambdaFunctionScheduled"] * 3 + [
        "LambdaFunctionStarted"] * 3


def test_a_task_timeout_fires_on_its_own_second_in_every_iteration() -> None:
    execution = _map_of_sleepers(30, timeout=5, items=[1, 2])
    assert execution.error == "States.Timeout"
    # Both calls started before either timed out, and both time out at 5 s; then the first fails the Map and
    # the other is aborted (AWS: test_service_lambda_map_timeout records exactly this tail).
    assert _offsets(execution, "LambdaFunctionStarted", "LambdaFunctionTimedOut") == [
        ("LambdaFunctionStarted", 0.0)] * 2 + [("LambdaFunctionTimedOut", 5.0)] * 2
    types = execution.history.types()
    assert types[types.index("LambdaFunctionTimedOut"):] == [
        "LambdaFunctionTimedOut", "LambdaFunctionTimedOut", "MapIterationFailed", "TaskStateAborted",
        "MapIterationAborted", "TaskStateAborted", "MapStateFailed", "ExecutionFailed"]


def test_heartbeat_seconds_stops_a_synchronous_handler_that_never_beats() -> None:
    def slow(event: Any, context: Any) -> str:
        time.sleep(30)
        return "late"

    with Engine(functions={"slow": slow}) as engine:
        execution = engine.run(_single(lambda_arn("slow"), TimeoutSeconds=20, HeartbeatSeconds=1), {})
    assert execution.error == "States.HeartbeatTimeout"


def test_retry_count_is_in_the_context_from_the_first_attempt() -> None:
    with Engine(functions={"echo": lambda event, context: event}) as engine:
        execution = engine.run(_invoke("echo", Payload={"attempt.$": "$$.State.RetryCount"}), {})
    assert execution.output["Payload"] == {"attempt": 0}


def test_a_missing_function_reports_lambdas_resource_not_found_text(engine: Engine) -> None:
    execution = engine.run(_invoke("nope"), {})
    assert execution.error == "Lambda.ResourceNotFoundException"
    assert re.fullmatch(
        r"Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope:\$LATEST \(Service: AWSLambda; "
        r"Status Code: 404; Error Code: ResourceNotFoundException; Request ID: [0-9a-f-]{36}; Proxy: null\)",
        execution.cause or "",
    )


class _StubbedLambda:
    """A `ClientFactory` whose Lambda client answers from a botocore `Stubber`."""

    def __init__(self) -> None:
        self.lambda_client = boto3.client("lambda", region_name="us-east-1", aws_access_key_id="x",
                                          aws_secret_access_key="x")
        self.stubber = Stubber(self.lambda_client)

    def client(self, service_name: str) -> Any:
        assert service_name == "lambda"
        return self.lambda_client


def test_lambda_invoke_passes_qualifier_and_reports_the_executed_version() -> None:
    # The optimized integration passes Invoke's `Qualifier` on (AWS docs, "Invoke an AWS Lambda
    # function with Step Functions"), and Invoke answers with the version the alias resolved to
    # (`ExecutedVersion`, Invoke API reference): the task result says that version, not $LATEST.
    clients = _StubbedLambda()
    body = b'{"ok": true}'
    clients.stubber.add_response(
        "invoke",
        {"StatusCode": 200, "ExecutedVersion": "3", "Payload": StreamingBody(io.BytesIO(body), len(body))},
        {"FunctionName": "orders", "Qualifier": "live", "Payload": b'{"id": 1}'},
    )
    definition = _single("arn:aws:states:::lambda:invoke",
                         Parameters={"FunctionName": "orders", "Qualifier": "live", "Payload.$": "$",
                                     "LogType": "Tail"})
    with clients.stubber, Engine(lambdas=BotoLambdaInvoker(clients)) as engine:
        execution = engine.run(definition, {"id": 1})
        clients.stubber.assert_no_pending_responses()
    output = execution.output
    assert output["Payload"] == {"ok": True}
    assert output["ExecutedVersion"] == "3"
    assert output["SdkHttpMetadata"]["HttpHeaders"]["X-Amz-Executed-Version"] == "3"
    assert output["SdkHttpMetadata"]["AllHttpHeaders"]["X-Amz-Executed-Version"] == ["3"]
    assert " Version: 3\n" in base64.b64decode(output["LogResult"]).decode()
