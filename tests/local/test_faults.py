"""Fault injection on the local stack: AWS API errors, function and Task faults, stopped executions."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError

from sluice.local.faults import FaultError
from sluice.local.stack import LocalStack
from sluice.local.trace import FAILED

from .conftest import PIPELINE

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
ORDERS = b"order_id,customer_id,amount,currency,ordered_at\nA-1,c1,9.50,EUR,2024-06-11T09:00:00Z\n"
CSV = b"id,amount\n1,9.5\n2,3\n"


def _drop(stack: LocalStack, key: str = "in/orders.csv") -> None:
    stack.put_object("RawBucket", key, CSV)
    stack.run_until_idle()


# -- AWS API errors -------------------------------------------------------------------------------

def test_an_injected_error_is_a_botocore_client_error_with_the_services_code_and_status(
        pipeline: LocalStack) -> None:
    pipeline.faults.fail("s3:PutObject", "SlowDown")
    s3 = boto3.client("s3")  # any client of the process, not only the stack's
    with pytest.raises(ClientError) as raised:
        s3.put_object(Bucket=pipeline.bucket("OutBucket"), Key="a.json", Body=b"{}")
    # Amazon S3 "Error responses": SlowDown is HTTP 503.
    assert raised.value.response["Error"] == {"Code": "SlowDown", "Message": "Please reduce your request rate."}
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
    assert pipeline.objects("OutBucket") == {}  # the call took no effect
    s3.put_object(Bucket=pipeline.bucket("OutBucket"), Key="a.json", Body=b"{}")  # times=1: next one passes
    assert list(pipeline.objects("OutBucket")) == ["a.json"]


def test_throttle_uses_the_services_throttling_error_and_its_modeled_exception(pipeline: LocalStack) -> None:
    pipeline.faults.throttle("dynamodb:*", times=2)
    dynamodb = pipeline.client("dynamodb")
    for _ in range(2):
        # DynamoDB "Error handling": ProvisionedThroughputExceededException, HTTP 400.
        with pytest.raises(dynamodb.exceptions.ProvisionedThroughputExceededException) as raised:
            dynamodb.put_item(TableName=pipeline.table("SeenTable"), Item={"id": {"S": "k"}})
        assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    dynamodb.put_item(TableName=pipeline.table("SeenTable"), Item={"id": {"S": "k"}})
    assert pipeline.items("SeenTable") == [{"id": "k"}]
    assert pipeline.faults.summary() == {"api": 2, "total": 2, "retried": 2}


def test_states_prefix_reaches_the_local_step_functions_endpoint(pipeline: LocalStack) -> None:
    pipeline.faults.fail("states:StartExecution", "ExecutionLimitExceeded")
    sfn = pipeline.client("stepfunctions")
    with pytest.raises(sfn.exceptions.ExecutionLimitExceeded):
        sfn.start_execution(stateMachineArn=pipeline.arn("Pipeline"), input="{}")
    assert pipeline.executions() == []
    assert [(fault.kind, fault.target) for fault in pipeline.faults.injected] == \
        [("api", "stepfunctions:StartExecution")]


def test_when_narrows_a_fault_to_some_calls(pipeline: LocalStack) -> None:
    pipeline.faults.fail("s3:PutObject", "InternalError", times=None, when=lambda params: params["Key"] == "bad")
    s3 = pipeline.client("s3")
    s3.put_object(Bucket=pipeline.bucket("OutBucket"), Key="good", Body=b"")
    for _ in range(3):
        with pytest.raises(ClientError, match="InternalError"):
            s3.put_object(Bucket=pipeline.bucket("OutBucket"), Key="bad", Body=b"")
    assert list(pipeline.objects("OutBucket")) == ["good"]


def test_a_transient_slowdown_in_a_task_is_retried_by_the_state_machine_and_succeeds_once(
        pipeline: LocalStack) -> None:
    pipeline.faults.fail("s3:PutObject", "SlowDown", when=lambda params: params["Key"].startswith("curated/"))
    _drop(pipeline)
    [execution] = pipeline.executions("Pipeline")
    assert execution.status == "SUCCEEDED"
    transforms = pipeline.invocations("TransformFunction")
    assert [invocation.ok for invocation in transforms] == [False, True]  # Retry: States.TaskFailed
    assert "SlowDown" in transforms[0].error.message  # type: ignore[union-attr]
    assert list(pipeline.objects("OutBucket")) == ["curated/orders.json"]
    [fault] = pipeline.trace.find("fault")
    assert fault.status == FAILED and fault.parent is not None and fault.parent.ref is transforms[0]


def test_unknown_codes_services_and_names_are_refused_with_a_clear_error(pipeline: LocalStack) -> None:
    with pytest.raises(FaultError, match=r"unknown error code 'Slowdown' for s3.*SlowDown"):
        pipeline.faults.fail("s3:PutObject", "Slowdown")
    pipeline.faults.fail("s3:PutObject", "Teapot", status=418)  # an explicit status is accepted
    with pytest.raises(FaultError, match="service:Operation"):
        pipeline.faults.fail("PutObject", "SlowDown")
    with pytest.raises(FaultError, match=r"no function 'Ingest' in the template \(functions: .*IngestFunction"):
        pipeline.faults.crash("Ingest", after="s3:PutObject")


# -- functions -------------------------------------------------------------------------------------

SWALLOWER = """
import os
import boto3

def handler(event, context):
    try:
        boto3.client("s3").put_object(Bucket=os.environ["BUCKET"], Key="out.txt", Body=b"x")
    except Exception as error:  # a handler that swallows everything cannot swallow a crash
        return {"swallowed": repr(error)}
    return {"ok": True}
"""

SWALLOWER_TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Out:
    Type: AWS::S3::Bucket
  Writer:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      CodeUri: writer
      Environment:
        Variables:
          BUCKET: !Ref Out
"""


@pytest.mark.parametrize(("point", "written"), [("before", False), ("after", True)])
def test_a_crash_around_a_call_ends_the_invocation_and_the_handler_cannot_catch_it(
        write_template: Callable[..., Path], point: str, written: bool) -> None:
    path = write_template(SWALLOWER_TEMPLATE, {"writer/app.py": SWALLOWER})
    with LocalStack.from_template(path) as stack:
        stack.faults.crash("Writer", before="s3:PutObject" if point == "before" else None,
                           after="s3:PutObject" if point == "after" else None)
        crashed = stack.invoke("Writer")
        assert crashed.error is not None and crashed.error.error_type == "Runtime.ExitError"
        assert crashed.error.message == \
            f"RequestId: {crashed.request_id} Error: Runtime exited with error: exit status 1"
        assert ("out.txt" in stack.objects("Out")) is written
        assert stack.invoke("Writer").result == {"ok": True}  # times=1, and a fresh environment
        assert [fault.effect for fault in stack.faults.injected] == \
            [f"crash {point} s3:PutObject: Runtime.ExitError"]


def test_a_timed_out_task_is_retried_by_the_state_machine(pipeline: LocalStack) -> None:
    pipeline.faults.timeout("TransformFunction")
    _drop(pipeline)
    first, second = pipeline.invocations("TransformFunction")
    assert first.error is not None and first.error.error_type == "Sandbox.Timedout"
    assert first.error.message.endswith("Task timed out after 5.00 seconds")  # the template's Timeout: 5
    assert second.ok and pipeline.executions("Pipeline")[0].status == "SUCCEEDED"


def test_a_function_error_is_reported_as_lambda_reports_a_raised_error(pipeline: LocalStack) -> None:
    pipeline.faults.fail_function("TransformFunction", "ValueError", "bad rows", times=None)
    _drop(pipeline)
    assert {(i.error.error_type, i.error.message) for i in pipeline.invocations("TransformFunction")
            if i.error} == {("ValueError", "bad rows")}
    [execution] = pipeline.executions("Pipeline")
    assert (execution.status, execution.error) == ("FAILED", "TransformFailed")


def test_a_crash_after_start_execution_then_lambdas_async_retry_starts_exactly_one_execution() -> None:
    with LocalStack.from_template(TEMPLATE) as stack:
        stack.faults.crash("IngestFunction", after="states:StartExecution")
        stack.put_object("RawBucket", "incoming/2024/06/11/orders.csv", ORDERS)
        stack.run_until_idle()
        ingests = stack.invocations("IngestFunction")
        assert ingests[0].error is not None and ingests[0].error.error_type == "Runtime.ExitError"
        assert len(ingests) >= 2 and ingests[1].attempt == 2  # Lambda retried the asynchronous event
        executions = stack.executions("FilePipelineStateMachine")
        assert [execution.status for execution in executions] == ["SUCCEEDED"]
        assert sorted(stack.objects("CuratedBucket")).count("orders/dt=2024-06-11/_SUCCESS") == 1


# -- Task states and executions -------------------------------------------------------------------

def test_a_named_task_state_fails_with_the_chosen_error_and_catch_applies(pipeline: LocalStack) -> None:
    pipeline.faults.fail_state("Pipeline", "Transform", "States.Timeout", "injected")
    _drop(pipeline)
    [execution] = pipeline.executions("Pipeline")
    assert (execution.status, execution.error) == ("FAILED", "TransformFailed")  # Catch States.ALL → Failed
    assert pipeline.invocations("TransformFunction") == []
    assert execution.output is None and pipeline.faults.injected[0].target == "Pipeline.Transform"


def test_an_execution_stopped_after_a_state_is_aborted_before_the_next(pipeline: LocalStack) -> None:
    pipeline.faults.stop_execution("Pipeline", after_state="Transform", cause="chaos")
    _drop(pipeline)
    [execution] = pipeline.executions("Pipeline")
    assert (execution.status, execution.cause) == ("ABORTED", "chaos")
    assert execution.history.types()[-1] == "ExecutionAborted"
    assert pipeline.items("SeenTable") == [{"id": "in/orders.csv", "status": "SEEN"}]  # MarkDone never ran


def test_an_execution_stopped_at_a_virtual_time(pipeline: LocalStack) -> None:
    pipeline.faults.stop_execution("Pipeline", at=10.0)  # during the Transform Retry's 30 s interval
    pipeline.faults.fail("s3:PutObject", "SlowDown", when=lambda params: params["Key"].startswith("curated/"))
    _drop(pipeline)
    [execution] = pipeline.executions("Pipeline")
    assert execution.status == "ABORTED"
    assert execution.stop_time == pytest.approx(execution.start_time + 10.0, abs=0.01)
    assert len(pipeline.invocations("TransformFunction")) == 1


# -- determinism and clearing ----------------------------------------------------------------------

def _throttled_run(seed: int) -> list[tuple[str, str, str]]:
    with LocalStack.from_template(PIPELINE, seed=seed) as stack:
        stack.faults.throttle("dynamodb:PutItem", times=None, probability=0.5)
        table = stack.table("SeenTable")
        for index in range(20):
            with contextlib.suppress(ClientError):
                stack.client("dynamodb").put_item(TableName=table, Item={"id": {"S": str(index)}})
        return [(fault.kind, fault.target, fault.effect) for fault in stack.faults.injected]


def test_the_same_seed_injects_the_same_faults() -> None:
    first = _throttled_run(seed=11)
    assert 0 < len(first) < 20
    assert _throttled_run(seed=11) == first


def test_clear_removes_the_rules_and_keeps_the_record(pipeline: LocalStack) -> None:
    pipeline.faults.fail("s3:PutObject", "SlowDown", times=None)
    with pytest.raises(ClientError):
        pipeline.client("s3").put_object(Bucket=pipeline.bucket("OutBucket"), Key="a", Body=b"")
    pipeline.faults.clear()
    pipeline.client("s3").put_object(Bucket=pipeline.bucket("OutBucket"), Key="a", Body=b"")
    assert len(pipeline.faults.injected) == 1
