"""A template value of the wrong type is a `TemplateError` naming the resource and property, as
CloudFormation refuses such a stack, never a bare ValueError or AttributeError from deep in the stack's
start. Each case below crashed the stack's start before (found by mutating this project's templates)."""

from __future__ import annotations

import doctest
import re
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from sluice.local import errors
from sluice.local.errors import TemplateError
from sluice.local.lambda_.runtime import FunctionNotRunnable
from sluice.local.stack import LocalStack
from sluice.local.template import pattern_example, values

HANDLER = {"fn/app.py": "def handler(event, context):\n    return event\n"}
HEAD = "Transform: AWS::Serverless-2016-10-31\nResources:\n"
FUNCTION = """\
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      CodeUri: fn
"""


@pytest.mark.parametrize("module", [values, errors], ids=lambda module: module.__name__)
def test_the_module_examples_hold(module: ModuleType) -> None:
    assert doctest.testmod(module).failed == 0


@pytest.mark.parametrize(("text", "expected"), [
    ("  1e3", 1000.0), (" 2.5 ", 2.5), (7, 7.0),
])
def test_numbers_are_read_as_cloudformation_reads_them(text: object, expected: float) -> None:
    assert values.number(text) == expected


@pytest.mark.parametrize("value", [True, None, "nan", "inf", "1e999", [], {}, "ten"])
def test_what_is_not_a_finite_number_is_refused(value: object) -> None:
    with pytest.raises(TemplateError, match="must be a number"):
        values.number(value, resource="Fn", property="Timeout")


def test_a_whole_number_has_no_fraction() -> None:
    assert values.whole_number("12") == 12
    with pytest.raises(TemplateError, match=r"resource Q, property BatchSize: must be a whole number \(got 2.5\)"):
        values.whole_number(2.5, resource="Q", property="BatchSize")


def _start(write_template: Callable[..., Path], resources: str) -> None:
    path = write_template(HEAD + resources, HANDLER)
    with LocalStack.from_template(path, use_config=False):
        pass


@pytest.mark.parametrize(("extra", "message"), [
    ("      Timeout: soon\n", "resource Fn, property Timeout: must be a number (got 'soon')"),
    ("      MemorySize: [512]\n", "resource Fn, property MemorySize: must be a whole number (got [512])"),
    ("      ReservedConcurrentExecutions: 1.5\n",
     "resource Fn, property ReservedConcurrentExecutions: must be a whole number (got 1.5)"),
    ("      Environment: LOUD\n", "resource Fn, property Environment: must be a mapping (got 'LOUD')"),
    ("      LoggingConfig: JSON\n", "resource Fn, property LoggingConfig: must be a mapping (got 'JSON')"),
    ("      EventInvokeConfig: {MaximumRetryAttempts: twice}\n",
     "resource Fn, property EventInvokeConfig.MaximumRetryAttempts: must be a whole number (got 'twice')"),
])
def test_a_function_property_of_the_wrong_type_is_named(write_template: Callable[..., Path], extra: str,
                                                        message: str) -> None:
    with pytest.raises(TemplateError, match=re.escape(message)):
        _start(write_template, FUNCTION + extra)


QUEUE = "  Jobs:\n    Type: AWS::SQS::Queue\n"
STREAM = "  Feed:\n    Type: AWS::Kinesis::Stream\n    Properties: {ShardCount: 1}\n"


@pytest.mark.parametrize(("resources", "message"), [
    # SAM: "Queue: The ARN of the queue"; !Ref of a queue is its URL.
    (QUEUE + FUNCTION + "      Events:\n        Work: {Type: SQS, Properties: {Queue: !Ref Jobs}}\n",
     "resource Fn, property Events.Work.Properties.Queue: must be an ARN, such as !GetAtt <Resource>.Arn "
     "(got 'https://sqs.us-east-1.amazonaws.com/123456789012/"),
    (STREAM + FUNCTION + "      Events:\n        Feed:\n          Type: Kinesis\n"
     "          Properties: {Stream: !GetAtt Feed.Arn, StartingPosition: LATEST, BatchSize: ten}\n",
     "resource Fn, property Events.Feed.Properties.BatchSize: must be a whole number (got 'ten')"),
    ("  Feed:\n    Type: AWS::Kinesis::Stream\n    Properties: {ShardCount: two}\n",
     "resource Feed, property ShardCount: must be a whole number (got 'two')"),
    ("  Logs:\n    Type: AWS::Logs::LogGroup\n    Properties: {RetentionInDays: nodejs20.x}\n",
     "resource Logs, property RetentionInDays: must be a whole number (got 'nodejs20.x')"),
])
def test_an_event_source_property_of_the_wrong_type_is_named(write_template: Callable[..., Path], resources: str,
                                                             message: str) -> None:
    with pytest.raises(TemplateError, match=re.escape(message)):
        _start(write_template, resources)


def test_s3_key_filter_rules_must_be_a_list_of_mappings(write_template: Callable[..., Path]) -> None:
    bucket = ("  Drop:\n    Type: AWS::S3::Bucket\n    Properties:\n      NotificationConfiguration:\n"
              "        QueueConfigurations:\n          - {Event: 's3:ObjectCreated:*', Queue: !GetAtt Jobs.Arn,\n"
              "             Filter: {S3Key: {Rules: [prefix]}}}\n")
    with pytest.raises(TemplateError, match=re.escape("resource Drop, property Filter.S3Key.Rules: must be a "
                                                      "mapping (got 'prefix')")):
        _start(write_template, QUEUE + bucket)


def test_a_rule_target_of_the_wrong_shape_is_named_with_the_check_eventbridge_makes(
    write_template: Callable[..., Path],
) -> None:
    rule = ("  Every:\n    Type: AWS::Events::Rule\n    Properties:\n      EventPattern: {source: [app]}\n"
            "      Targets:\n        - {Id: q, Arn: !GetAtt Jobs.Arn, SqsParameters: null}\n")
    with pytest.raises(TemplateError, match=r"resource Every: invalid properties of rule \S+: Parameter validation "
                                            r"failed: Invalid type for parameter Targets\[0\]\.SqsParameters"):
        _start(write_template, QUEUE + rule)


def test_a_rule_target_retry_policy_must_hold_numbers(write_template: Callable[..., Path]) -> None:
    rule = ("  Every:\n    Type: AWS::Events::Rule\n    Properties:\n      EventPattern: {source: [app]}\n"
            "      Targets:\n        - {Id: q, Arn: !GetAtt Jobs.Arn, RetryPolicy: {MaximumRetryAttempts: many}}\n")
    with pytest.raises(TemplateError, match=re.escape("Targets.RetryPolicy.MaximumRetryAttempts: must be a whole "
                                                      "number (got 'many')")):
        _start(write_template, QUEUE + rule)


@pytest.mark.parametrize("handler", ["/.handler", "app..handler", ".handler", "app.", "/etc/passwd.x"])
def test_a_handler_naming_no_module_inside_the_code_is_the_functions_problem(
    write_template: Callable[..., Path], handler: str,
) -> None:
    # Lambda's bootstrap imports the module part with slashes as dots; an empty part names no module.
    text = HEAD + FUNCTION.replace("app.handler", repr(handler)) + FUNCTION.replace("Fn:", "Other:")
    path = write_template(text, HANDLER)
    with LocalStack.from_template(path, use_config=False) as stack:
        with pytest.raises(FunctionNotRunnable, match=re.escape(f"Handler {handler!r} must be module.function")):
            stack.invoke("Fn", {})
        assert stack.invoke("Other", {"ok": 1}).result == {"ok": 1}  # the rest of the stack runs


@pytest.mark.parametrize(("variables", "named"), [
    ('{A: "x\\0y"}', "Environment.Variables.A"),
    ('{"A=B": x}', "Environment.Variables.A=B"),
])
def test_an_environment_no_process_can_hold_is_named(write_template: Callable[..., Path], variables: str,
                                                    named: str) -> None:
    with pytest.raises(TemplateError, match=re.escape(f"resource Fn, property {named}: no process environment")):
        _start(write_template, FUNCTION + f"      Environment: {{Variables: {variables}}}\n")


def test_function_response_types_must_be_a_list_of_strings(write_template: Callable[..., Path]) -> None:
    events = ("      Events:\n        Work: {Type: SQS, Properties: {Queue: !GetAtt Jobs.Arn, "
              "FunctionResponseTypes: ReportBatchItemFailures}}\n")
    with pytest.raises(TemplateError, match=re.escape("resource Fn, property Events.Work.Properties."
                                                      "FunctionResponseTypes: must be a list of strings")):
        _start(write_template, QUEUE + FUNCTION + events)


def test_a_durable_function_is_named_as_not_emulated(write_template: Callable[..., Path]) -> None:
    # Lambda durable functions (DurableConfig, as in aws-samples/serverless-test-samples'
    # durable-functions-integration) need Lambda's checkpoint APIs.
    path = write_template(HEAD + FUNCTION + "      DurableConfig: {ExecutionTimeout: 300}\n", HANDLER)
    with LocalStack.from_template(path, use_config=False) as stack:
        assert any("resource Fn, property DurableConfig: durable executions" in warning for warning in stack.warnings)
        assert stack.invoke("Fn", {"a": 1}).result == {"a": 1}
    with pytest.raises(TemplateError, match="property DurableConfig: durable executions"):
        LocalStack.from_template(path, use_config=False, strict=True).start()


def test_an_efs_mount_is_named_as_not_mounted(write_template: Callable[..., Path]) -> None:
    # sam init's `efs` template: the handler opens files under the access point's LocalMountPath.
    mounts = ("      FileSystemConfigs:\n        - {Arn: arn:aws:elasticfilesystem:us-east-1:123456789012:"
              "access-point/fsap-1, LocalMountPath: /mnt/lambda}\n")
    path = write_template(HEAD + FUNCTION + mounts, HANDLER)
    with LocalStack.from_template(path, use_config=False) as stack:
        assert any("resource Fn, property FileSystemConfigs: EFS file systems are not mounted locally: /mnt/lambda"
                   in warning for warning in stack.warnings)
        assert stack.invoke("Fn", {"a": 1}).result == {"a": 1}


def test_the_pattern_examples_hold() -> None:
    assert doctest.testmod(pattern_example).failed == 0
