"""Nested stacks whose template is a local file run with their parent (`sluice.local.template.nested`).

Public SAM applications split a stack into children: `AWS::Serverless::Application` with a local
`Location` (serverless-patterns' `cognito-httpapi`, sessions-with-aws-sam's `multi-level-mapping`) or
`AWS::CloudFormation::Stack` with a local `TemplateURL` (the ecommerce platform's shared DLQ
template). CloudFormation deploys each child with the parameters its parent passes; the parent reads
the child's `Outputs` with `!GetAtt App.Outputs.Name` (AWS docs: "AWS::CloudFormation::Stack",
return values). SAM CLI's `sam local` runs such children too.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sluice.local.errors import TemplateError
from sluice.local.lambda_.runtime import FunctionNotFound
from sluice.local.stack import LocalStack
from sluice.local.template.model import SamTemplate
from sluice.local.template.nested import flatten_nested

PARENT = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: {Type: String, Default: dev}
Globals:
  Function: {Runtime: python3.13, Timeout: 30, Environment: {Variables: {FROM_PARENT_GLOBALS: 'yes'}}}
Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
  Workers:
    Type: AWS::Serverless::Application
    Properties:
      Location: workers/template.yaml
      Parameters:
        TableName: !Ref Orders
        Prefix: !Sub 'orders-${Stage}'
  Producer:
    Type: AWS::Serverless::Function
    Properties:
      Handler: producer.handler
      CodeUri: src/
      Environment:
        Variables:
          QUEUE_URL: !GetAtt Workers.Outputs.InboxUrl
          WORKER: !Sub '${Workers.Outputs.WorkerName}'
Outputs:
  Inbox:
    Value: !GetAtt [Workers, Outputs.InboxUrl]
  WorkersStack:
    Value: !Ref Workers
"""

CHILD = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Parameters:
  TableName: {Type: String}
  Prefix: {Type: String}
  BatchSize: {Type: Number, Default: '5'}
Globals:
  Function: {Runtime: python3.13, Handler: app.handler, Timeout: 7}
Resources:
  Inbox:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub '${Prefix}-inbox'
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: code/
      Environment:
        Variables:
          TABLE: !Ref TableName
          STACK: !Ref AWS::StackName
      Policies:
        - DynamoDBCrudPolicy: {TableName: !Ref TableName}
      Events:
        Inbox:
          Type: SQS
          Properties:
            Queue: !GetAtt Inbox.Arn
            BatchSize: !Ref BatchSize
Outputs:
  InboxUrl:
    Value: !Ref Inbox
  WorkerName:
    Value: !Ref Worker
"""

PRODUCER = """\
import json
import os

import boto3


def handler(event, context):
    boto3.client("sqs").send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody=json.dumps(event))
    return {"worker": os.environ["WORKER"]}
"""

WORKER = """\
import json
import os

import boto3


def handler(event, context):
    table = boto3.resource("dynamodb").Table(os.environ["TABLE"])
    for record in event["Records"]:
        table.put_item(Item={"id": json.loads(record["body"])["id"], "stack": os.environ["STACK"],
                             "timeout": str(context.get_remaining_time_in_millis() // 1000 + 1),
                             "parent_globals": os.environ.get("FROM_PARENT_GLOBALS", "no")})
    return len(event["Records"])
"""

FILES = {"src/producer.py": PRODUCER, "workers/template.yaml": CHILD, "workers/code/app.py": WORKER}


def test_a_nested_application_runs_with_the_parameters_passed_and_its_outputs_read(
        start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(PARENT, FILES)
    producer = stack.invoke("Producer", {"id": "o-1"})
    stack.run_until_idle()
    [item] = stack.items("Orders")
    outputs = stack.template.outputs()
    # The child's queue is named from the parameter the parent passed; the parent reads its URL.
    assert stack.name("WorkersInbox") == "orders-dev-inbox"
    assert outputs["Inbox"] == stack.queue_url("WorkersInbox")
    assert producer.result == {"worker": stack.name("WorkersWorker")}
    # The child's function ran from its own folder, on the parent's table, with the child's Globals
    # (Timeout 7) and not the parent's: SAM applies a template's Globals to that template only.
    assert item["id"] == "o-1"
    assert item["timeout"] == "7"
    assert item["parent_globals"] == "no"
    # A nested stack is named after its parent and its logical id (AWS docs: "Working with nested stacks").
    assert item["stack"] == f"{stack.template.stack_name}-Workers"
    assert outputs["WorkersStack"].startswith("arn:aws:cloudformation:us-east-1:123456789012:stack/"
                                              f"{stack.template.stack_name}-Workers/")


def test_a_child_parameter_the_parent_leaves_out_takes_its_default_and_can_be_overridden(
        write_template: Callable[..., Path]) -> None:
    path = write_template(PARENT, FILES)
    default = SamTemplate.load(path, use_config=False)
    overridden = SamTemplate.load(path, use_config=False, parameters={"WorkersBatchSize": "9"})
    assert default.parameters["WorkersBatchSize"] == "5"
    events = overridden.resource("WorkersWorker").properties["Events"]
    assert overridden.resolve("WorkersWorker", events["Inbox"]["Properties"]["BatchSize"]) == "9"


LEVELS = """\
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Blue:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: ../shared/dlq.yaml
      Parameters: {Retention: '60'}
  Green:
    Type: AWS::CloudFormation::Stack
    Condition: WithGreen
    Properties:
      TemplateURL: ../shared/dlq.yaml
Conditions:
  WithGreen: !Equals [!Ref Colours, two]
Parameters:
  Colours: {Type: String, Default: two}
Outputs:
  BlueAlarmQueue:
    Value: !GetAtt Blue.Outputs.AlarmQueueArn
"""

SHARED_DLQ = """\
Parameters:
  Retention: {Type: String, Default: '1209600'}
Resources:
  Alarms:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: alarms/template.yaml
  DeadLetterQueue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub '${AWS::StackName}-dlq'
      MessageRetentionPeriod: !Ref Retention
Outputs:
  AlarmQueueArn:
    Value: !GetAtt Alarms.Outputs.QueueArn
"""

ALARMS = """\
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Join ['-', [!Ref AWS::StackName, alarms]]
Outputs:
  QueueArn:
    Value: !GetAtt Queue.Arn
"""


def test_stacks_nest_to_any_depth_and_one_template_used_twice_keeps_its_names_apart(
        write_template: Callable[..., Path]) -> None:
    path = write_template(LEVELS, {"shared/dlq.yaml": SHARED_DLQ, "shared/alarms/template.yaml": ALARMS})
    # `TemplateURL: ../shared/dlq.yaml` is read from the parent's folder: put the parent one level down.
    moved = path.parent / "service" / "template.yaml"
    moved.parent.mkdir()
    path.rename(moved)
    both = SamTemplate.load(moved, use_config=False, stack_name="shop")
    blue_only = SamTemplate.load(moved, use_config=False, stack_name="shop", parameters={"Colours": "one"})
    assert both.physical_name("BlueDeadLetterQueue") == "shop-Blue-dlq"
    assert both.physical_name("GreenDeadLetterQueue") == "shop-Green-dlq"
    assert both.physical_name("BlueAlarmsQueue") == "shop-Blue-Alarms-alarms"
    assert both.prop("BlueDeadLetterQueue", "MessageRetentionPeriod") == "60"
    assert both.prop("GreenDeadLetterQueue", "MessageRetentionPeriod") == "1209600"
    assert both.outputs()["BlueAlarmQueue"] == both.get_att("BlueAlarmsQueue", "Arn")
    # The parent's condition on a nested stack holds for every resource of it.
    assert "GreenDeadLetterQueue" not in blue_only.resources and "GreenAlarmsQueue" not in blue_only.resources
    assert "BlueAlarmsQueue" in blue_only.resources


def test_a_nested_template_that_is_not_there_is_said_and_the_rest_runs(write_template: Callable[..., Path]) -> None:
    path = write_template(LEVELS.replace("../shared/dlq.yaml", "missing.yaml"))
    template = SamTemplate.load(path, use_config=False, parameters={"Colours": "one"})
    assert any("resource Blue" in warning and "its template missing.yaml is not a file" in warning
               for warning in template.warnings)


CLASH = """\
Resources:
  BlueQueue: {Type: AWS::SQS::Queue}
  Blue:
    Type: AWS::CloudFormation::Stack
    Properties: {TemplateURL: shared/dlq.yaml}
"""


@pytest.mark.parametrize(("parent", "child", "message"), [
    (LEVELS, "Resources:\n  Again:\n    Type: AWS::CloudFormation::Stack\n    Properties: {TemplateURL: dlq.yaml}\n",
     "resource Again: its template dlq.yaml includes itself"),
    (LEVELS, "Resources:\n  Q: {Type: AWS::SQS::Queue}\nOutputs:\n  Url: {Value: !Ref Q}\n",
     "Fn::GetAtt Blue.Outputs.AlarmQueueArn: the nested stack has Outputs.Url"),
    (CLASH, "Resources:\n  Queue: {Type: AWS::SQS::Queue}\n",
     "resource Blue: the nested stack's resource Queue is BlueQueue in this template, which declares BlueQueue too"),
])
def test_a_nested_stack_that_cannot_be_merged_is_a_template_error_saying_why(
        write_template: Callable[..., Path], parent: str, child: str, message: str) -> None:
    path = write_template(parent.replace("../shared/dlq.yaml", "shared/dlq.yaml"), {"shared/dlq.yaml": child})
    with pytest.raises(TemplateError, match=message.replace(".", r"\.")):
        SamTemplate.load(path, use_config=False, parameters={"Colours": "one"})


def test_a_nested_function_is_named_as_sam_cli_names_it(start_stack: Callable[..., LocalStack]) -> None:
    """`sam local invoke Workers/Worker` names a function of a nested stack by its stack path, and
    `sam local invoke Worker` by its own logical id when no other function has it (SAM CLI's
    `nested-templates` integration tests)."""
    stack = start_stack(PARENT, FILES)
    records = [{"body": json.dumps({"id": f"o-{index}"})} for index in range(3)]
    by_path = stack.invoke("Workers/Worker", {"Records": records[:1]})
    by_own_id = stack.invoke("Worker", {"Records": records[1:]})
    assert (by_path.result, by_own_id.result) == (1, 2)
    assert [invocation.function for invocation in stack.invocations()] == ["WorkersWorker"] * 2
    with pytest.raises(FunctionNotFound, match="'Workers/Nothing' is not in the template"):
        stack.invoke("Workers/Nothing")


GREETERS = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  English:
    Type: AWS::Serverless::Application
    Properties: {Location: greeter.yaml, Parameters: {Greeting: hello}}
  French:
    Type: AWS::Serverless::Application
    Properties: {Location: greeter.yaml, Parameters: {Greeting: bonjour, Names: 'ada,grace'}}
Outputs:
  EnglishUrl: {Value: !GetAtt English.Outputs.HelloUrl}
  FrenchUrl: {Value: !GetAtt French.Outputs.HelloUrl}
  FrenchFunctionUrl: {Value: !GetAtt French.Outputs.FunctionUrl}
"""

GREETER = """\
Transform: [AWS::LanguageExtensions, AWS::Serverless-2016-10-31]
Parameters:
  Greeting: {Type: String}
  Names: {Type: CommaDelimitedList, Default: ada}
Globals:
  Api: {Cors: "'*'"}
Resources:
  Hello:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: greet.handler
      FunctionUrlConfig: {AuthType: NONE}
      Environment: {Variables: {GREETING: !Ref Greeting}}
      Events:
        Get: {Type: Api, Properties: {Path: /hello, Method: get}}
  Fn::ForEach::People:
    - Person
    - !Ref Names
    - 'Inbox${Person}':
        Type: AWS::SQS::Queue
        Properties: {QueueName: !Sub '${AWS::StackName}-${Person}'}
Outputs:
  HelloUrl:
    Value: !Sub 'https://${ServerlessRestApi}.execute-api.${AWS::Region}.amazonaws.com/Prod/hello'
  FunctionUrl:
    Value: !GetAtt HelloUrl.FunctionUrl
"""

GREET = """\
import os


def handler(event, context):
    return {"statusCode": 200, "body": os.environ["GREETING"]}
"""


def test_each_nested_stack_has_its_own_implicit_api_and_the_resources_sam_adds_for_it(
        start_stack: Callable[..., LocalStack]) -> None:
    """SAM gives each template its own `ServerlessRestApi` and `<Function>Url`: the same child template
    deployed twice answers on two APIs (serverless-patterns' `lambda-layer-ssm-parameters` outputs a
    child's `!GetAtt FunctionUrl.FunctionUrl`)."""
    stack = start_stack(GREETERS, {"greeter.yaml": GREETER, "greet.py": GREET})
    outputs = stack.template.outputs()
    english = stack.api_request("GET", outputs["EnglishUrl"])
    french = stack.api_request("GET", outputs["FrenchUrl"])
    french_url = stack.api_request("GET", outputs["FrenchFunctionUrl"])
    queues = sorted(url.rsplit("/", 1)[1] for url in stack.client("sqs").list_queues()["QueueUrls"])
    assert outputs["EnglishUrl"] != outputs["FrenchUrl"]
    assert (english.body, french.body, french_url.body) == (b"hello", b"bonjour", b"bonjour")
    # The child's loop ran over the list the parent passed, or the child's default.
    name = stack.template.stack_name
    assert queues == [f"{name}-English-ada", f"{name}-French-ada", f"{name}-French-grace"]


SECTIONS = st.sampled_from(["Parameters", "Resources", "Outputs", "Conditions", "Mappings", "Globals", "Transform"])
NAMES = st.one_of(st.sampled_from(["Queue", "Worker", "Stage", "Fn::ForEach::Loop", "AWS::StackName", "Outputs.X"]),
                  st.text(max_size=6), st.integers())
HOSTILE = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8), NAMES),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.one_of(NAMES, st.sampled_from(["Ref", "Fn::GetAtt", "Fn::Sub", "Fn::If", "Condition",
                                                          "DependsOn", "Type", "Properties", "Fn::FindInMap",
                                                          "Value", "Source", "Id", "Events"])), inner, max_size=3)),
    max_leaves=12)
FUNCTION_BODY = {"Type": "AWS::Serverless::Function", "Properties": {"Events": {"E": {"Type": "Api"}}}}


@settings(max_examples=150, deadline=None)
@given(child=st.dictionaries(SECTIONS, st.one_of(HOSTILE, st.dictionaries(NAMES, st.one_of(
           HOSTILE, st.just(FUNCTION_BODY)), max_size=3)), max_size=5),
       passed=st.one_of(HOSTILE, st.dictionaries(NAMES, HOSTILE, max_size=3)),
       reference=HOSTILE)
def test_any_child_template_merges_or_is_a_template_error(child: dict[str, Any], passed: Any, reference: Any) -> None:
    """A hostile child template, parameters or reference to the child is merged or refused with a
    `TemplateError`, never a crash: what a template author gets for a broken nested stack."""
    parent = {"Resources": {"App": {"Type": "AWS::CloudFormation::Stack",
                                    "Properties": {"TemplateURL": "child.yaml", "Parameters": passed}},
                            "User": {"Type": "AWS::SQS::Queue", "DependsOn": "App", "Properties": {"Tags": reference}}}}
    try:
        merged = flatten_nested(parent, Path("."), load=lambda path: copy.deepcopy(child), warn=lambda *_: None)
    except TemplateError:
        return
    assert "App" not in merged["Resources"]
