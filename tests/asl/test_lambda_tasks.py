"""Lambda Task states: both resource forms, AWS's result shape and error names, timeouts."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from sluice.asl import Engine
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
