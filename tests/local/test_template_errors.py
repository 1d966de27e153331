"""Bad templates and unsupported constructs: a clear message naming resource and property."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sluice.local.errors import StackError, TemplateError, UnsupportedFeature
from sluice.local.stack import LocalStack
from sluice.local.template.model import SamTemplate

Starter = Callable[..., LocalStack]
Writer = Callable[..., Path]
HANDLER = {"src/app.py": "def handler(event, context):\n    return event\n"}
HEADER = "Transform: AWS::Serverless-2016-10-31\nResources:\n"
BUCKET = "  Data:\n    Type: AWS::S3::Bucket\n"
FUNCTION = """  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      CodeUri: src
      Handler: app.handler
"""


@pytest.fixture
def start() -> Iterator[Starter]:
    """Start a stack from a template; whatever started is closed after the test."""
    opened: list[LocalStack] = []

    def starter(path: Path, **options: object) -> LocalStack:
        stack = LocalStack.from_template(path, use_config=False, **options)  # type: ignore[arg-type]
        opened.append(stack)
        return stack.start()

    yield starter
    for stack in opened:
        stack.close()


def event(name: str, kind: str, *properties: str) -> str:
    lines = [f"        {name}:", f"          Type: {kind}", "          Properties:"]
    lines += [f"            {line}" for line in properties] or ["            {}"]
    return "      Events:\n" + "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("events", "prop", "message"),
    [
        (event("Bad", "EventBridgeRule", "Pattern: {source: aws.s3}"), "Events.Bad.Properties.Pattern",
         "match value must be an array"),
        (event("Bad", "S3", "Bucket: not-ours", "Events: s3:ObjectCreated:*"), "Events.Bad.Properties.Bucket",
         "Bucket must be a bucket of this template"),
        (event("Bad", "Schedule", "Schedule: every(5 minutes)"), "Events.Bad.Properties.Schedule",
         "is not a rate(...), cron(...) or at(...) expression"),
        ("      Events:\n        Bad:\n          Properties: {}\n", "Events.Bad", "event Bad needs a Type"),
        # Found by the nested-stack mutation campaign (docs/RELIABILITY.md): an AttributeError before.
        ("      Events: every-hour\n", "Events", "Events must be a mapping"),
    ],
)
def test_bad_event_wiring(start: Starter, write_template: Writer, events: str, prop: str, message: str) -> None:
    path = write_template(HEADER + BUCKET + FUNCTION + events, HANDLER)
    with pytest.raises(TemplateError) as caught:
        start(path)
    assert (caught.value.resource, caught.value.property) == ("Fn", prop)
    assert message in str(caught.value)
    assert str(caught.value).startswith(str(path))


def test_invalid_state_machine_definition_names_the_machine(start: Starter, write_template: Writer) -> None:
    machine = ("  Flow:\n    Type: AWS::Serverless::StateMachine\n    Properties:\n      Definition:\n"
               "        StartAt: Missing\n        States:\n          Only: {Type: Succeed}\n")
    with pytest.raises(TemplateError, match=r"resource Flow: the state machine definition .* is not valid"):
        start(write_template(HEADER + machine))


@pytest.mark.parametrize(("text", "message"), [
    # Both found by the nested-stack mutation campaign (docs/RELIABILITY.md): a TypeError and an
    # AttributeError from inside the loader before.
    ("Globals:\n  Function: {0: 30}\n" + HEADER + FUNCTION, "invalid Globals: 'Function' names its settings"),
    ("Transform: [AWS::LanguageExtensions, AWS::Serverless-2016-10-31]\nResources:\n" + BUCKET
     + "  Fn::ForEach::Copies:\n    - Name\n    - !Ref Data\n    - 'Copy${Name}': {Type: AWS::SQS::Queue}\n",
     "Data is a resource, which a Fn::ForEach collection cannot read"),
])
def test_a_malformed_template_section_is_a_template_error(write_template: Writer, text: str, message: str) -> None:
    with pytest.raises(TemplateError, match=message):
        SamTemplate.load(write_template(text, HANDLER), use_config=False)


def test_missing_definition_file(start: Starter, write_template: Writer) -> None:
    machine = "  Flow:\n    Type: AWS::Serverless::StateMachine\n    Properties:\n      DefinitionUri: flow.asl.json\n"
    with pytest.raises(TemplateError, match=r"DefinitionUri flow\.asl\.json does not exist") as caught:
        start(write_template(HEADER + machine))
    assert caught.value.property == "DefinitionUri"


def test_a_broken_function_does_not_stop_the_others(start: Starter, write_template: Writer) -> None:
    broken = ("  Broken:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.13\n"
              "      CodeUri: nowhere\n      Handler: app.handler\n")
    stack = start(write_template(HEADER + FUNCTION + broken, HANDLER))
    assert any("resource Broken, property CodeUri: CodeUri nowhere is not a directory" in warning
               for warning in stack.warnings)
    assert stack.invoke("Fn", {"a": 1}).result == {"a": 1}
    with pytest.raises(StackError, match="function Broken cannot run locally"):
        stack.invoke("Broken", {})


def test_unsupported_constructs_warn_then_fail_when_strict(start: Starter, write_template: Writer) -> None:
    text = HEADER + "  Api:\n    Type: AWS::ApiGateway::RestApi\n" + FUNCTION + event(
        "Logs", "CloudWatchLogs", "LogGroupName: app", "FilterPattern: ERROR")
    path = write_template(text, HANDLER)
    stack = start(path)
    assert any("event Logs of type CloudWatchLogs is not wired locally" in warning for warning in stack.warnings)
    stack.close()
    with pytest.raises(UnsupportedFeature, match=r"resource Fn, property Events\.Logs"):
        start(path, strict=True)


def test_a_queue_the_backend_rejects_names_the_queue(start: Starter, write_template: Writer) -> None:
    queue = "  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: plain\n      FifoQueue: true\n"
    with pytest.raises(TemplateError, match=r"resource Q: the local backend rejected it: .*\.fifo"):
        start(write_template(HEADER + queue))


def test_unsupported_resource_types_are_named(start: Starter, write_template: Writer) -> None:
    text = HEADER + "  Network:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: 10.0.0.0/16\n" + FUNCTION
    path = write_template(text, HANDLER)
    stack = start(path)
    assert any("resource Network, property Type" in w and "AWS::EC2::VPC" in w for w in stack.warnings)
    stack.close()
    with pytest.raises(UnsupportedFeature, match=r"AWS::EC2::VPC is not emulated"):
        start(path, strict=True)
