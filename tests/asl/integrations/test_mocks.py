"""Step Functions Local mock files: test cases, numbered responses, the `#TestCase` ARN suffix."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sluice.api import ServiceError, StepFunctionsService
from sluice.asl import Engine
from sluice.asl.integrations import ServiceIntegrations
from sluice.asl.mocks import MockConfig, MockConfigError

AwsClients = Callable[[str], Any]

# The example of AWS's "Configuration file for mocked service integrations" page.
MOCK_CONFIG = {
    "StateMachines": {
        "LambdaSQSIntegration": {
            "TestCases": {
                "HappyPath": {"LambdaState": "MockedLambdaSuccess", "SQSState": "MockedSQSSuccess"},
                "RetryPath": {"LambdaState": "MockedLambdaRetry", "SQSState": "MockedSQSSuccess"},
                "HybridPath": {"LambdaState": "MockedLambdaSuccess"},
            }
        }
    },
    "MockedResponses": {
        "MockedLambdaSuccess": {
            "0": {"Return": {"StatusCode": 200, "Payload": {"StatusCode": 200, "body": "Hello from Lambda!"}}}
        },
        "LambdaMockedResourceNotReady": {
            "0": {"Throw": {"Error": "Lambda.ResourceNotReadyException", "Cause": "Lambda resource is not ready."}}
        },
        "MockedSQSSuccess": {
            "0": {"Return": {"MD5OfMessageBody": "3bcb6e8e-7h85-4375-b0bc-1a59812c6e51",
                             "MessageId": "3bcb6e8e-8b51-4375-b0bc-1a59812c6e51"}}
        },
        "MockedLambdaRetry": {
            "0": {"Throw": {"Error": "Lambda.ResourceNotReadyException", "Cause": "Lambda resource is not ready."}},
            "1-2": {"Throw": {"Error": "Lambda.TimeoutException", "Cause": "Lambda timed out."}},
            "3": {"Return": {"StatusCode": 200, "Payload": {"StatusCode": 200, "body": "Hello from Lambda!"}}},
        },
    },
}


def definition(queue_url: str) -> dict[str, Any]:
    return {
        "StartAt": "LambdaState",
        "States": {
            "LambdaState": {
                "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "HelloWorldFunction", "Payload.$": "$"},
                "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 2, "MaxAttempts": 3, "BackoffRate": 2}],
                "Next": "SQSState",
            },
            "SQSState": {
                "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
                "Parameters": {"QueueUrl": queue_url, "MessageBody.$": "$.Payload.body"},
                "End": True,
            },
        },
    }


@pytest.fixture
def queue(aws: AwsClients) -> str:
    return str(aws("sqs").create_queue(QueueName="mocked")["QueueUrl"])


@pytest.fixture
def engine(queue: str) -> Any:
    with Engine(integrations=ServiceIntegrations(), mocks=MockConfig(MOCK_CONFIG)) as engine:
        engine.create_state_machine("LambdaSQSIntegration", definition(queue))
        yield engine


def test_happy_path_returns_the_mocked_responses(engine: Engine, aws: AwsClients, queue: str) -> None:
    execution = engine.start_execution("LambdaSQSIntegration", {}, test_case="HappyPath")
    engine.run_until_idle()
    assert execution.status == "SUCCEEDED", execution.cause
    assert execution.output == MOCK_CONFIG["MockedResponses"]["MockedSQSSuccess"]["0"]["Return"]  # type: ignore[index]
    assert "Messages" not in aws("sqs").receive_message(QueueUrl=queue)  # nothing was really sent
    types = [event["type"] for event in execution.history]
    assert types.count("TaskSucceeded") == 2


def test_retry_path_throws_for_calls_zero_to_two_then_returns(engine: Engine) -> None:
    execution = engine.start_execution("LambdaSQSIntegration", {}, test_case="RetryPath")
    engine.run_until_idle()
    assert execution.status == "SUCCEEDED", execution.cause
    failures = [event["taskFailedEventDetails"]["error"] for event in execution.history
                if event["type"] == "TaskFailed"]
    assert failures == ["Lambda.ResourceNotReadyException", "Lambda.TimeoutException", "Lambda.TimeoutException"]
    assert execution.duration_seconds == pytest.approx(2 + 4 + 8)  # the Retrier's back-off, on the virtual clock


def test_hybrid_path_calls_the_real_service_for_states_it_leaves_out(
    engine: Engine, aws: AwsClients, queue: str
) -> None:
    execution = engine.start_execution("LambdaSQSIntegration", {}, test_case="HybridPath")
    engine.run_until_idle()
    assert execution.status == "SUCCEEDED", execution.cause
    assert "SdkHttpMetadata" in execution.output  # the real (moto) SQS answered
    bodies = [m["Body"] for m in aws("sqs").receive_message(QueueUrl=queue)["Messages"]]
    assert bodies == ["Hello from Lambda!"]


def test_without_a_test_case_nothing_is_mocked(engine: Engine) -> None:
    execution = engine.run("LambdaSQSIntegration", {})
    assert execution.error == "Lambda.ResourceNotFoundException"


def test_the_api_picks_the_test_case_from_the_state_machine_arn_suffix(engine: Engine) -> None:
    service = StepFunctionsService(engine)
    arn = engine.state_machine("LambdaSQSIntegration").arn
    started = service.call("StartExecution", {"stateMachineArn": f"{arn}#HappyPath", "input": "{}"})
    assert started["executionArn"].startswith(arn.replace(":stateMachine:", ":execution:"))
    service.drive()
    assert service.call("DescribeExecution", {"executionArn": started["executionArn"]})["status"] == "SUCCEEDED"
    with pytest.raises(ServiceError) as unknown:
        service.call("StartExecution", {"stateMachineArn": f"{arn}#NoSuchCase"})
    assert unknown.value.code == "ValidationException"
    assert "has no test case named 'NoSuchCase'" in unknown.value.message


def test_calls_past_the_last_response_repeat_it_and_map_iterations_count() -> None:
    config = {
        "StateMachines": {"M": {"TestCases": {"T": {"Work": "Counted"}}}},
        "MockedResponses": {"Counted": {"0": {"Return": "first"}, "1": {"Return": "later"}}},
    }
    mapped = {"StartAt": "Each", "States": {"Each": {
        "Type": "Map", "MaxConcurrency": 1, "End": True,
        "ItemProcessor": {"StartAt": "Work", "States": {"Work": {
            "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "f"},
            "End": True}}},
    }}}
    with Engine(mocks=MockConfig(config)) as engine:
        engine.create_state_machine("M", mapped)
        execution = engine.start_execution("M", [1, 2, 3], test_case="T")
        engine.run_until_idle()
    assert execution.output == ["first", "later", "later"]


def test_a_mocked_callback_task_returns_its_response_without_waiting() -> None:
    config = {"StateMachines": {"M": {"TestCases": {"T": {"Ask": "Answer"}}}},
              "MockedResponses": {"Answer": {"0": {"Return": {"approved": True}}}}}
    callback = {"StartAt": "Ask", "States": {"Ask": {
        "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {"QueueUrl": "q", "MessageBody": {"token.$": "$$.Task.Token"}}, "End": True}}}
    with Engine(mocks=MockConfig(config)) as engine:
        engine.create_state_machine("M", callback)
        execution = engine.start_execution("M", {}, test_case="T")
        engine.run_until_idle()
    assert execution.output == {"approved": True}


def test_mock_files_load_from_disk_and_the_environment(tmp_path: Path) -> None:
    path = tmp_path / "MockConfigFile.json"
    path.write_text(json.dumps(MOCK_CONFIG))
    assert MockConfig.from_file(path).test_cases("LambdaSQSIntegration") == ["HappyPath", "RetryPath", "HybridPath"]
    from_env = MockConfig.from_environment({"SFN_MOCK_CONFIG": str(path)})
    assert from_env is not None
    assert MockConfig.from_environment({}) is None


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"MockedResponses": {"R": {"0": {"Return": 1}, "2": {"Return": 2}}}}, "expected 1, found 2"),
        ({"MockedResponses": {"R": {"one": {"Return": 1}}}}, "'one' is not a call number"),
        ({"MockedResponses": {"R": {"0": {"Return": 1, "Throw": {"Error": "E"}}}}}, "exactly one of Return or Throw"),
        ({"MockedResponses": {"R": {"0": {"Throw": {"Cause": "c"}}}}}, "Throw needs an Error"),
        ({"MockedResponses": {"R": {"3-1": {"Return": 1}}}}, "ends before it starts"),
        ({"StateMachines": {"M": {"TestCases": {"T": {"S": "Missing"}}}}, "MockedResponses": {}},
         "names mocked response 'Missing'"),
        ({"StateMachines": {"M": {}}}, "needs a TestCases object"),
    ],
)
def test_malformed_mock_files_are_rejected_with_the_reason(config: dict[str, Any], message: str) -> None:
    with pytest.raises(MockConfigError, match=message):
        MockConfig(config)


def test_unknown_machine_or_case_is_reported() -> None:
    mocks = MockConfig(MOCK_CONFIG)
    with pytest.raises(MockConfigError, match="no state machine named 'Other'"):
        mocks.run("Other", "HappyPath")
    with Engine() as engine, pytest.raises(ValueError, match="has no mock configuration"):
        engine.start_execution(engine.create_state_machine("X", {"StartAt": "P", "States": {
            "P": {"Type": "Pass", "End": True}}}), {}, test_case="T")
