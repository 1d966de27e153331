"""Nested workflows (`states:startExecution`, `.sync`, `.sync:2`, callbacks) and local job fakes."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from sluice.asl import Engine
from sluice.asl.integrations import JobFakes, JobOutcome
from tests.asl.integrations.support import events_of, task

CHILD = {
    "StartAt": "Wait",
    "States": {
        "Wait": {"Type": "Wait", "Seconds": 60, "Next": "Done"},
        "Done": {"Type": "Pass", "Parameters": {"doubled.$": "States.MathAdd($.n, $.n)"}, "End": True},
    },
}
FAILING_CHILD = {"StartAt": "Fail", "States": {"Fail": {"Type": "Fail", "Error": "Child.Broke", "Cause": "sorry"}}}


@pytest.fixture
def engine(make_engine: Callable[..., Engine]) -> Engine:
    engine = make_engine()
    engine.create_state_machine("Child", CHILD)
    engine.create_state_machine("Failing", FAILING_CHILD)
    return engine


def child_arn(engine: Engine, name: str = "Child") -> str:
    return engine.state_machine(name).arn


def test_start_execution_returns_the_arn_and_start_date_at_once(engine: Engine) -> None:
    parent = engine.run(task("states:startExecution", {"StateMachineArn": child_arn(engine), "Name": "c1",
                                                        "Input": {"n": 2}}), {})
    assert parent.status == "SUCCEEDED", parent.cause
    result = parent.output
    assert result["ExecutionArn"] == "arn:aws:states:us-east-1:123456789012:execution:Child:c1"
    assert result["StartDate"] == round(parent.start_time * 1000)  # epoch milliseconds
    assert result["SdkHttpMetadata"]["HttpHeaders"]["Content-Type"] == "application/x-amz-json-1.0"
    assert parent.duration_seconds == 0  # the parent did not wait for its child
    engine.run_until_idle()
    assert engine.state_machine("Child").executions["c1"].output == {"doubled": 4}


def test_sync_waits_for_the_child_and_returns_its_output_as_json_text(engine: Engine) -> None:
    parent = engine.run(task("states:startExecution.sync", {"StateMachineArn": child_arn(engine),
                                                             "Input": {"n": 3}}), {})
    assert parent.status == "SUCCEEDED", parent.cause
    result = parent.output
    assert list(result) == ["ExecutionArn", "Input", "InputDetails", "Name", "Output", "OutputDetails",
                            "StartDate", "StateMachineArn", "Status", "StopDate"]
    assert (result["Input"], result["Output"], result["Status"]) == ('{"n":3}', '{"doubled":6}', "SUCCEEDED")
    assert result["StopDate"] - result["StartDate"] == 60_000
    assert parent.duration_seconds == pytest.approx(60.0)
    assert events_of(parent, "TaskSubmitted")[0]["taskSubmittedEventDetails"]["resource"] == "startExecution.sync"


def test_sync_2_returns_input_and_output_as_json(engine: Engine) -> None:
    parent = engine.run(task("states:startExecution.sync:2", {"StateMachineArn": child_arn(engine),
                                                               "Input": {"n": 5}}), {})
    assert (parent.output["Input"], parent.output["Output"]) == ({"n": 5}, {"doubled": 10})


def test_a_failed_child_fails_the_task_with_its_description(engine: Engine) -> None:
    parent = engine.run(task("states:startExecution.sync:2", {"StateMachineArn": child_arn(engine, "Failing")}), {})
    assert parent.error == "States.TaskFailed"
    cause = json.loads(str(parent.cause))
    assert (cause["Error"], cause["Cause"], cause["Status"]) == ("Child.Broke", "sorry", "FAILED")
    assert "Output" not in cause


def test_start_execution_errors(engine: Engine) -> None:
    missing = "arn:aws:states:us-east-1:123456789012:stateMachine:Nope"
    parent = engine.run(task("states:startExecution", {"StateMachineArn": missing}), {})
    assert parent.error == "StepFunctions.StateMachineDoesNotExistException"
    assert str(parent.cause).startswith(f"State Machine Does Not Exist: '{missing}' (Service: AWSStepFunctions;")
    definition = task("states:startExecution", {"StateMachineArn": child_arn(engine), "Name": "same",
                                                "Input": {"n": 1}})
    engine.run(definition, {})
    again = engine.run(task("states:startExecution", {"StateMachineArn": child_arn(engine), "Name": "same",
                                                      "Input": {"n": 2}}), {})
    assert again.error == "StepFunctions.ExecutionAlreadyExistsException"


def test_wait_for_task_token_lets_the_child_answer_its_parent(make_engine: Callable[..., Engine]) -> None:
    engines: list[Engine] = []

    def answer(event: dict[str, Any], context: Any) -> None:
        engines[0].task_tokens.succeed(event["token"], {"answered": event["question"]})

    engine = make_engine(functions={"answer": answer})
    engines.append(engine)
    child = engine.create_state_machine("Answerer", {"StartAt": "Reply", "States": {"Reply": {
        "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:answer", "End": True}}})
    parent = engine.run(task("states:startExecution.waitForTaskToken", {
        "StateMachineArn": child.arn, "Input": {"question": "why", "token.$": "$$.Task.Token"}}), {})
    assert (parent.status, parent.output) == ("SUCCEEDED", {"answered": "why"})


# -- jobs ----------------------------------------------------------------------------------


def test_glue_sync_job_succeeds_after_its_configured_time(make_engine: Callable[..., Engine]) -> None:
    jobs = JobFakes()
    jobs.succeed("glue:startJobRun", after=300, output={"DPUSeconds": 42})
    execution = make_engine(jobs=jobs).run(task("glue:startJobRun.sync", {"JobName": "etl"}), {})
    assert execution.status == "SUCCEEDED", execution.cause
    run = execution.output
    assert (run["JobName"], run["JobRunState"], run["DPUSeconds"]) == ("etl", "SUCCEEDED", 42)
    assert run["ExecutionTime"] == 300
    assert execution.duration_seconds == pytest.approx(300.0)
    submitted = json.loads(events_of(execution, "TaskSubmitted")[0]["taskSubmittedEventDetails"]["output"])
    # Step Functions adds the request's JobName to Glue's StartJobRun response (sam init's
    # step-func-etl template reads it; LocalStack's AWS-validated Glue integration adds it too).
    assert submitted == {"JobName": "etl", "JobRunId": run["Id"]}
    assert re.fullmatch(r"jr_[0-9a-f]{64}", run["Id"])  # Glue's job run id


def test_a_failing_job_fails_with_states_task_failed_and_its_description(make_engine: Callable[..., Engine]) -> None:
    jobs = JobFakes()
    jobs.fail("batch:submitJob", after=30)
    definition = task("batch:submitJob.sync", {"JobName": "nightly", "JobQueue": "q", "JobDefinition": "d"})
    execution = make_engine(jobs=jobs).run(definition, {})
    assert execution.error == "States.TaskFailed"
    assert json.loads(str(execution.cause))["Status"] == "FAILED"
    custom = JobFakes.from_config({"athena:startQueryExecution": {"error": "Athena.Throttled", "cause": "slow down"}})
    failed = make_engine(jobs=custom).run(task("athena:startQueryExecution.sync", {"QueryString": "SELECT 1"}), {})
    assert (failed.error, failed.cause) == ("Athena.Throttled", "slow down")


@pytest.mark.parametrize(
    ("resource", "parameters", "start_keys", "final"),
    [
        ("glue:startJobRun", {"JobName": "j"}, {"JobName", "JobRunId"}, ("JobRunState", "SUCCEEDED")),
        ("athena:startQueryExecution", {"QueryString": "SELECT 1"}, {"QueryExecutionId"}, None),
        ("ecs:runTask", {"Cluster": "c", "TaskDefinition": "t"}, {"Tasks", "Failures"}, None),
        ("batch:submitJob", {"JobName": "b", "JobQueue": "q", "JobDefinition": "d"}, {"JobId", "JobName", "JobArn"},
         ("Status", "SUCCEEDED")),
        ("elasticmapreduce:addStep", {"ClusterId": "j-1", "Step": {"Name": "s"}}, {"StepId"}, None),
        ("codebuild:startBuild", {"ProjectName": "p"}, {"Build"}, None),
    ],
)
def test_job_request_response_returns_the_start_response(
    make_engine: Callable[..., Engine], resource: str, parameters: dict[str, Any], start_keys: set[str],
    final: tuple[str, str] | None,
) -> None:
    engine = make_engine()
    started = engine.run(task(resource, parameters), {})
    assert set(started.output) == start_keys
    finished = engine.run(task(f"{resource}.sync", parameters), {})
    assert finished.status == "SUCCEEDED", finished.cause
    if final is not None:
        assert finished.output[final[0]] == final[1]


def test_job_outcomes_are_checked() -> None:
    with pytest.raises(ValueError, match="no local job fake for 'glue:nope'"):
        JobFakes().set("glue:nope", JobOutcome())
    with pytest.raises(ValueError, match="unknown job outcome fields: colour"):
        JobFakes.from_config({"glue:startJobRun": {"colour": "blue"}})


def test_ecs_run_task_can_wait_for_a_task_token(make_engine: Callable[..., Engine]) -> None:
    engine = make_engine()
    machine = engine.create_state_machine("Ecs", task("ecs:runTask.waitForTaskToken", {
        "Cluster": "c", "TaskDefinition": "t", "Overrides": {"ContainerOverrides": [
            {"Name": "app", "Environment": [{"Name": "TOKEN", "Value.$": "$$.Task.Token"}]}]}}))
    execution = engine.start_execution(machine, {})
    engine.run_until_idle()
    (pending,) = engine.task_tokens.pending()
    engine.task_tokens.fail(pending.token, "Container.Exited", "exit 3")
    engine.run_until_idle()
    assert (execution.error, execution.cause) == ("Container.Exited", "exit 3")
