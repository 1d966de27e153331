"""Custom resources backed by the template's functions, created when the stack starts
(`sluice.local.cloudformation.custom_resources`), as public SAM applications seed tables or compute
values with them.

AWS behaviour under test (CloudFormation user guide: "Custom resources", "Custom resource request
objects", "Custom resource response objects", "cfn-response module"): the function gets a `Create`
request with `ResponseURL` and the resolved `ResourceProperties`; it answers by PUTting a response object;
`SUCCESS` makes `Ref` the `PhysicalResourceId` (the log stream name when `cfnresponse` is given none) and
`Fn::GetAtt` the `Data`; `cfnresponse` is importable only by inline code.
"""

from __future__ import annotations

import doctest
from collections.abc import Callable

import pytest

from sluice.local.cloudformation import resources
from sluice.local.stack import LocalStack

TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Catalog:
    Type: AWS::Serverless::SimpleTable
  Seeder:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: index.handler
      InlineCode: |
        import json
        import urllib.request

        import boto3
        import cfnresponse

        def handler(event, context):
            properties = event["ResourceProperties"]
            if properties.get("Fail"):
                cfnresponse.send(event, context, cfnresponse.FAILED, {}, reason="the seed file is missing")
                return
            if properties.get("Silent"):
                return
            if properties.get("Nameless"):  # a hand-written response without the physical id
                body = json.dumps({"Status": "SUCCESS", "RequestId": event["RequestId"]}).encode()
                urllib.request.urlopen(urllib.request.Request(event["ResponseURL"], data=body, method="PUT"))
                return
            boto3.resource("dynamodb").Table(properties["TableName"]).put_item(
                Item={"id": properties["Item"], "request": event["RequestType"]})
            cfnresponse.send(event, context, cfnresponse.SUCCESS,
                             {"Seeded": properties["Item"], "Upstream": properties.get("Upstream", "none")},
                             physicalResourceId=properties.get("Id"))
  FirstSeed:
    Type: Custom::Seed
    Properties:
      ServiceToken: !GetAtt Seeder.Arn
      TableName: !Ref Catalog
      Item: first
      Id: seed-1
  SecondSeed:
    Type: AWS::CloudFormation::CustomResource
    Properties:
      ServiceToken: !GetAtt Seeder.Arn
      TableName: !Ref Catalog
      Item: second
      Upstream: !GetAtt FirstSeed.Seeded
Outputs:
  First:
    Value: !Ref FirstSeed
  SecondUpstream:
    Value: !GetAtt SecondSeed.Upstream
"""


def test_the_modules_example_holds() -> None:
    assert doctest.testmod(resources).failed == 0


def test_custom_resources_run_at_start_in_dependency_order(start_stack: Callable[..., LocalStack]) -> None:
    # SecondSeed is declared first below, yet runs after FirstSeed, whose Data it reads.
    first, second = TEMPLATE.split("  SecondSeed:")
    second, outputs = second.split("Outputs:")
    stack = start_stack(first.replace("  FirstSeed:", "  SecondSeed:" + second + "  FirstSeed:", 1)
                        + "Outputs:" + outputs)
    assert stack.warnings == []
    assert sorted(item["id"] for item in stack.items("Catalog")) == ["first", "second"]
    assert {item["request"] for item in stack.items("Catalog")} == {"Create"}
    assert stack.template.outputs() == {"First": "seed-1", "SecondUpstream": "first"}
    # cfnresponse's default physical id is the function's log stream name.
    assert "[$LATEST]" in stack.template.ref("SecondSeed")
    roots = [activity.title for activity in stack.trace.roots if activity.kind == "cloudformation"]
    assert roots == ["Create Custom::Seed (FirstSeed)", "Create AWS::CloudFormation::CustomResource (SecondSeed)"]


@pytest.mark.parametrize(("change", "warning"), [
    ("      Item: first\n", "custom resource it failed: the seed file is missing"),
    ("      Item: first\n", "never answered the ResponseURL"),
    ("      ServiceToken: !GetAtt Seeder.Arn\n      TableName: !Ref Catalog\n      Item: first\n",
     "is not a function of this template"),
    ("      Item: first\n", "has no PhysicalResourceId"),
], ids=["failed", "silent", "not-a-function", "nameless"])
def test_a_custom_resource_that_is_not_created_is_named(start_stack: Callable[..., LocalStack], change: str,
                                                        warning: str) -> None:
    replacement = {"custom resource it failed: the seed file is missing": change + "      Fail: true\n",
                   "never answered the ResponseURL": change + "      Silent: true\n",
                   "is not a function of this template": change.replace("!GetAtt Seeder.Arn",
                                                                        "arn:aws:sns:us-east-1:123456789012:t"),
                   "has no PhysicalResourceId": change + "      Nameless: true\n"}
    stack = start_stack(TEMPLATE.replace(change, replacement[warning], 1).split("Outputs:")[0])
    assert any("resource FirstSeed" in message and warning in message for message in stack.warnings), stack.warnings
    failed = [activity for activity in stack.trace.roots if activity.title.endswith("(FirstSeed)")]
    assert all(not activity.ok for activity in failed)


def test_a_custom_resource_whose_function_cannot_run_locally_is_said_and_the_stack_starts(
        start_stack: Callable[..., LocalStack]) -> None:
    """Found by the sweep of serverless-patterns' SAM templates (cfn-custom-resource-s3-create): a Node.js
    provider's `FunctionNotRunnable` stopped the whole start (Node.js providers run now; a Java one cannot)."""
    stack = start_stack(TEMPLATE.replace("Runtime: python3.13", "Runtime: java21", 1).split("Outputs:")[0])
    assert any("resource FirstSeed" in message and "its function cannot run locally" in message
               and "java21" in message for message in stack.warnings), stack.warnings
    assert not any(activity.ok for activity in stack.trace.roots if activity.kind == "cloudformation")


def test_cfnresponse_is_given_to_inline_code_only(start_stack: Callable[..., LocalStack]) -> None:
    packaged = TEMPLATE.replace("      InlineCode: |\n", "      CodeUri: src/\n      Unused: |\n")
    handler = "import cfnresponse\n\ndef handler(event, context):\n    pass\n"
    stack = start_stack(packaged.replace("Handler: index.handler", "Handler: app.handler").split("Outputs:")[0],
                        {"src/app.py": handler})
    [invocation, *_] = stack.invocations("Seeder")
    assert invocation.error is not None and invocation.error.error_type == "Runtime.ImportModuleError"
    assert any("never answered the ResponseURL" in message for message in stack.warnings)


NODE_PROVIDER = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Greeter:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      Role: arn:aws:iam::123456789012:role/greeter
      Code:
        ZipFile: |
          const response = require('cfn-response');
          exports.handler = function (event, context) {
            const name = event.ResourceProperties.Name;
            response.send(event, context, response.SUCCESS, {Greeting: 'hello ' + name}, 'greeting-' + name);
          };
  Greeting:
    Type: Custom::Greeting
    Properties:
      ServiceToken: !GetAtt Greeter.Arn
      Name: ada
Outputs:
  Id: {Value: !Ref Greeting}
  Text: {Value: !GetAtt Greeting.Greeting}
"""


def test_a_nodejs_provider_with_inline_code_answers_with_cfn_response(start_stack: Callable[..., LocalStack]) -> None:
    """Lambda gives Node.js inline code (`ZipFile`) the `cfn-response` module, as it gives Python `cfnresponse`:
    serverless-patterns' `cfn-custom-resource-s3-create` and many SAR apps answer with it."""
    stack = start_stack(NODE_PROVIDER)
    assert stack.warnings == []
    assert stack.template.outputs() == {"Id": "greeting-ada", "Text": "hello ada"}


HAND_ROLLED = """\
          const https = require('https');
          const url = require('url');
          exports.handler = function (event, context) {
            const body = JSON.stringify({Status: 'SUCCESS', PhysicalResourceId: 'greeting-' +
              event.ResourceProperties.Name, StackId: event.StackId, RequestId: event.RequestId,
              LogicalResourceId: event.LogicalResourceId, Data: {Greeting: 'hello ' + event.ResourceProperties.Name}});
            const parsed = url.parse(event.ResponseURL);
            const request = https.request({hostname: parsed.hostname, port: 443, path: parsed.path, method: 'PUT',
                                           headers: {'content-type': '', 'content-length': body.length}},
                                          () => context.done());
            request.on('error', (error) => { console.log('sendResponse Error:' + error); context.done(); });
            request.write(body);
            request.end();
          };
"""


def test_a_nodejs_provider_answering_by_hand_over_https_reaches_the_local_response_url(
        start_stack: Callable[..., LocalStack]) -> None:
    """Public providers (serverless-patterns' `lambda-iot-sam`) PUT their answer themselves with `https` on
    port 443, as to CloudFormation's S3 URL; the local ResponseURL is http on its own port, and that
    request reaches it all the same. `context.done()` answers at once, without waiting for the event loop."""
    inline = NODE_PROVIDER[NODE_PROVIDER.index("          const response"):NODE_PROVIDER.index("  Greeting:\n")]
    stack = start_stack(NODE_PROVIDER.replace(inline, HAND_ROLLED))
    assert stack.warnings == []
    assert stack.template.outputs() == {"Id": "greeting-ada", "Text": "hello ada"}
