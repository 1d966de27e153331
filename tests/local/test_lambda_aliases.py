"""Lambda versions and aliases end to end on the local stack, from a template written the way public
SAM examples use `AutoPublishAlias: live` (gradual deployments, "safe Lambda deployments").

AWS behaviour under test:
- SAM connects every event source of a function with `AutoPublishAlias` to the alias, not the
  function (aws-sam-translator, `SamFunction._generate_event_resources`: "When Alias is provided,
  connect all event sources to the alias"), so the handler runs the published version: its
  `context.function_version`, `AWS_LAMBDA_FUNCTION_VERSION` and `START … Version:` line say `1`;
- a rule target, an event source mapping or a `lambda:invoke` task that names an alias or version
  ARN (`!Ref Function.Alias`, `!Ref Function.Version`) runs that version; so does a `lambda:invoke`
  task naming the function and, separately, a `Qualifier` (Step Functions passes Invoke's
  parameters on; a qualifier that contradicts the name's own is Lambda's
  `InvalidParameterValueException`, "The derived qualifier from the function name does not match
  the specified qualifier.", recorded in LocalStack's AWS-validated `test_lambda_api.snapshot.json`);
- the task result reports the version that ran as `ExecutedVersion` and the
  `X-Amz-Executed-Version` header (Invoke API reference: "When you invoke a function with an alias,
  this indicates which version the alias resolved to");
- an invocation record ("Capturing records of Lambda asynchronous invocations", the Kinesis
  on-failure example) carries the version that ran as `responseContext.executedVersion` and the
  function ARN qualified as it was invoked as `requestContext.functionArn`;
- an alias the function does not have is refused ("Cannot find alias arn"), and the event is
  reported as not delivered, never run as `$LATEST`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from sluice.local.delivery import DeliveryError
from sluice.local.lambda_.invocation import Invocation
from sluice.local.stack import LocalStack
from tests.local.templates import kinesis_stream, sam_template

TEMPLATE = sam_template("Orders are processed by the live alias of each function", Runtime="python3.13",
                        Handler="app.lambda_handler", CodeUri="src/", AutoPublishAlias="live") + """\
  UploadsBucket:
    Type: AWS::S3::Bucket

  OrdersQueue:
    Type: AWS::SQS::Queue

  ResultsQueue:
    Type: AWS::SQS::Queue

  FailuresQueue:
    Type: AWS::SQS::Queue

""" + kinesis_stream("AuditStream") + """
  ProcessFunction:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Upload:
          Type: S3
          Properties:
            Bucket: !Ref UploadsBucket
            Events: s3:ObjectCreated:*
        OrderPlaced:
          Type: EventBridgeRule
          Properties:
            Pattern:
              source: [orders]
        Queued:
          Type: SQS
          Properties:
            Queue: !GetAtt OrdersQueue.Arn
      EventInvokeConfig:
        MaximumRetryAttempts: 0
        DestinationConfig:
          OnSuccess:
            Type: SQS
            Destination: !GetAtt ResultsQueue.Arn

  ReportFunction:
    Type: AWS::Serverless::Function
    Properties:
      AutoPublishAlias: prod

  ReportRule:
    Type: AWS::Events::Rule
    Properties:
      EventPattern:
        source: [reports]
      Targets:
        - Id: ReportAlias
          Arn: !Ref ReportFunction.Alias

  ReportStreamMapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      FunctionName: !Ref ReportFunction.Version
      EventSourceArn: !GetAtt AuditStream.Arn
      StartingPosition: TRIM_HORIZON
      MaximumRetryAttempts: 0
      DestinationConfig:
        OnFailure:
          Destination: !GetAtt FailuresQueue.Arn

  ReportStateMachine:
    Type: AWS::Serverless::StateMachine
    Properties:
      Definition:
        StartAt: Report
        States:
          Report:
            Type: Task
            Resource: arn:aws:states:::lambda:invoke
            Parameters:
              FunctionName: !Ref ReportFunction.Alias
              Payload.$: $
            OutputPath: $.Payload
            End: true

  PinnedReportStateMachine:
    Type: AWS::Serverless::StateMachine
    Properties:
      Definition:
        StartAt: Report
        States:
          Report:
            Type: Task
            Resource: arn:aws:states:::lambda:invoke
            Parameters:
              FunctionName.$: $.function
              Qualifier: prod
              Payload: {}
            End: true
"""

HANDLER = '''\
import os


def lambda_handler(event, context):
    if isinstance(event, dict) and event.get("fail"):
        raise ValueError("cannot report")
    if isinstance(event, dict) and any(record.get("kinesis") for record in event.get("Records", [])):
        raise ValueError("cannot audit")
    return {"version": context.function_version, "environment": os.environ["AWS_LAMBDA_FUNCTION_VERSION"],
            "invoked": context.invoked_function_arn}
'''


@pytest.fixture
def stack(start_stack: Callable[..., LocalStack]) -> LocalStack:
    return start_stack(TEMPLATE, {"src/app.py": HANDLER})


def function_arn(stack: LocalStack, function: str, qualifier: str) -> str:
    return f"arn:aws:lambda:{stack.template.region}:{stack.template.account}:function:{stack.name(function)}" \
           f":{qualifier}"


def assert_ran_version_1(invocation: Invocation, arn: str) -> None:
    """What the handler saw, and the runtime's START line, for a run of version 1 by `arn`."""
    assert invocation.result == {"version": "1", "environment": "1", "invoked": arn}
    assert f"START RequestId: {invocation.request_id} Version: 1\n" in invocation.logs


def only_run(stack: LocalStack, function: str) -> Invocation:
    """Let the world run until idle: the one invocation of `function` it made."""
    stack.run_until_idle()
    [invocation] = stack.invocations(function)
    return invocation


def only_result_record(stack: LocalStack) -> dict[str, Any]:
    """Let the world run until idle: the one invocation record sent to the ResultsQueue destination."""
    stack.run_until_idle()
    [message] = stack.messages("ResultsQueue")
    return dict(json.loads(message.body))


def test_an_s3_event_runs_the_published_version_behind_the_alias(stack: LocalStack) -> None:
    stack.put_object("UploadsBucket", "orders/1.json", b"{}")
    invocation = only_run(stack, "ProcessFunction")
    assert invocation.event["Records"][0]["eventSource"] == "aws:s3"
    assert_ran_version_1(invocation, function_arn(stack, "ProcessFunction", "live"))


def test_an_eventbridge_rule_event_runs_the_published_version_behind_the_alias(stack: LocalStack) -> None:
    stack.put_event("orders", "OrderPlaced", {"id": 7})
    invocation = only_run(stack, "ProcessFunction")
    assert invocation.event["detail"] == {"id": 7}
    assert_ran_version_1(invocation, function_arn(stack, "ProcessFunction", "live"))


def test_an_sqs_event_source_runs_the_published_version_behind_the_alias(stack: LocalStack) -> None:
    stack.send_message("OrdersQueue", {"id": 8})
    invocation = only_run(stack, "ProcessFunction")
    assert invocation.event["Records"][0]["eventSource"] == "aws:sqs"
    assert_ran_version_1(invocation, function_arn(stack, "ProcessFunction", "live"))


def test_the_async_destination_record_names_the_alias_and_the_executed_version(stack: LocalStack) -> None:
    stack.put_event("orders", "OrderPlaced", {"id": 9})
    record = only_result_record(stack)
    assert record["requestContext"]["functionArn"] == function_arn(stack, "ProcessFunction", "live")
    assert record["requestContext"]["condition"] == "Success"
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "1"}
    assert record["responsePayload"]["version"] == "1"


def test_an_unqualified_async_invoke_still_records_latest(stack: LocalStack) -> None:
    stack.invoke_async("ProcessFunction", {"id": 10})
    record = only_result_record(stack)
    assert record["requestContext"]["functionArn"] == function_arn(stack, "ProcessFunction", "$LATEST")
    assert record["responseContext"]["executedVersion"] == "$LATEST"


def test_a_rule_target_naming_an_alias_runs_its_version(stack: LocalStack) -> None:
    stack.put_event("reports", "Daily", {"day": "monday"})
    invocation = only_run(stack, "ReportFunction")
    assert_ran_version_1(invocation, function_arn(stack, "ReportFunction", "prod"))


def test_a_state_machine_invoking_an_alias_runs_its_version(stack: LocalStack) -> None:
    execution = stack.start_execution("ReportStateMachine", {"day": "tuesday"})
    stack.run_until_idle()
    assert execution.status == "SUCCEEDED"
    [invocation] = stack.invocations("ReportFunction")
    assert_ran_version_1(invocation, function_arn(stack, "ReportFunction", "prod"))


def executed_versions(result: dict[str, Any]) -> tuple[str, str, str]:
    """What a `lambda:invoke` task result says ran: ExecutedVersion and both header maps."""
    metadata = result["SdkHttpMetadata"]
    return (result["ExecutedVersion"], metadata["HttpHeaders"]["X-Amz-Executed-Version"],
            metadata["AllHttpHeaders"]["X-Amz-Executed-Version"][0])


def test_a_lambda_invoke_task_result_reports_the_version_its_alias_ran(stack: LocalStack) -> None:
    execution = stack.start_execution("ReportStateMachine", {"day": "wednesday"})
    stack.run_until_idle()
    succeeded = next(event for event in execution.history if event["type"] == "TaskSucceeded")
    assert executed_versions(json.loads(succeeded["taskSucceededEventDetails"]["output"])) == ("1", "1", "1")


def test_a_lambda_invoke_task_with_a_separate_qualifier_runs_that_alias(stack: LocalStack) -> None:
    execution = stack.start_execution("PinnedReportStateMachine", {"function": stack.name("ReportFunction")})
    stack.run_until_idle()
    assert execution.status == "SUCCEEDED", execution.cause
    [invocation] = stack.invocations("ReportFunction")
    assert_ran_version_1(invocation, function_arn(stack, "ReportFunction", "prod"))
    assert executed_versions(execution.output) == ("1", "1", "1")


def test_a_qualifier_contradicting_the_function_names_own_is_refused(stack: LocalStack) -> None:
    qualified = function_arn(stack, "ReportFunction", "1")
    execution = stack.start_execution("PinnedReportStateMachine", {"function": qualified})
    stack.run_until_idle()
    assert (execution.status, execution.error) == ("FAILED", "Lambda.InvalidParameterValueException")
    assert execution.cause is not None and execution.cause.startswith(
        "The derived qualifier from the function name does not match the specified qualifier. "
        "(Service: AWSLambda; Status Code: 400; Error Code: InvalidParameterValueException;")
    assert stack.invocations("ReportFunction") == []


def test_a_stream_mapping_on_a_version_runs_it_and_its_failure_record_says_so(stack: LocalStack) -> None:
    stack.put_record("AuditStream", {"audit": 1}, partition_key="a")
    invocation = only_run(stack, "ReportFunction")
    assert invocation.version == "1" and invocation.invoked_arn == function_arn(stack, "ReportFunction", "1")
    [message] = stack.messages("FailuresQueue")
    record: dict[str, Any] = json.loads(message.body)
    assert record["requestContext"]["functionArn"] == function_arn(stack, "ReportFunction", "1")
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "1", "functionError": "Unhandled"}


def test_a_target_naming_an_alias_the_function_lacks_is_refused_not_run_as_latest(stack: LocalStack) -> None:
    missing = function_arn(stack, "ReportFunction", "staging")
    with pytest.raises(DeliveryError, match=f"Cannot find alias arn: {missing}"):
        stack.world.deliverer.send(missing, {"day": "friday"})
    stack.run_until_idle()
    assert stack.invocations("ReportFunction") == []
