"""The Lambda API over a template's functions (`sluice.local.lambda_.api`), used through boto3 as a
user would, against a template written the way public SAM examples are: Globals, `AutoPublishAlias:
live`, and an explicit `AWS::Lambda::Version` with its own alias.

AWS behaviour under test: "ListFunctions" (50 per page, `Marker`/`NextMarker`, `FunctionVersion=ALL`),
"GetFunction"/"GetFunctionConfiguration" (name, full ARN, partial ARN, `Qualifier`), "Invoke"
(`RequestResponse`/`Event`/`DryRun`, `ExecutedVersion`), "ListVersionsByFunction" (`$LATEST` first,
under its qualified ARN), "ListAliases"/"GetAlias", SAM's "AutoPublishAlias" (`!Ref Function.Alias`),
and the ResourceNotFoundException messages ("Function not found: <ARN>", "Cannot find alias arn: <ARN>").
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from sluice.local.errors import TemplateError
from sluice.local.stack import LocalStack
from tests.local.templates import sam_template

TEMPLATE = sam_template(
    "Orders API with a live alias, and an audit function pinned to a published version",
    Runtime="python3.13", Handler="app.lambda_handler", CodeUri="src/", Timeout=10, MemorySize=256,
    Tracing="Active", Environment={"Variables": {"STAGE": "dev"}}) + """\
  OrdersFunction:
    Type: AWS::Serverless::Function
    Properties:
      Description: Takes orders
      AutoPublishAlias: live
      Architectures: [arm64]
      Tags:
        team: orders

  AuditFunction:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: orders-audit

  AuditVersion:
    Type: AWS::Lambda::Version
    Properties:
      FunctionName: !Ref AuditFunction
      Description: first audited release

  AuditStableAlias:
    Type: AWS::Lambda::Alias
    Properties:
      FunctionName: !Ref AuditFunction
      FunctionVersion: !GetAtt AuditVersion.Version
      Name: stable

Outputs:
  OrdersLiveArn:
    Value: !Ref OrdersFunction.Alias
  OrdersVersionArn:
    Value: !Sub "${OrdersFunction.Version}"
"""

HANDLER = '''\
import os


def lambda_handler(event, context):
    return {"event": event, "version": context.function_version, "arn": context.invoked_function_arn,
            "env_version": os.environ["AWS_LAMBDA_FUNCTION_VERSION"]}
'''


@pytest.fixture
def stack(start_stack: Callable[..., LocalStack]) -> LocalStack:
    return start_stack(TEMPLATE, {"src/app.py": HANDLER})


def invoke(stack: LocalStack, **params: Any) -> tuple[dict[str, Any], Any]:
    response = stack.client("lambda").invoke(Payload=json.dumps({"order": 7}), **params)
    body = response.pop("Payload").read()
    return response, json.loads(body) if body else None


def error_of(call: Callable[[], Any]) -> dict[str, Any]:
    with pytest.raises(ClientError) as raised:
        call()
    return dict(raised.value.response["Error"])


def test_list_functions_pages_through_the_template_functions_in_aws_shape(stack: LocalStack) -> None:
    client = stack.client("lambda")
    first = client.list_functions(MaxItems=1)
    second = client.list_functions(MaxItems=1, Marker=first["NextMarker"])
    assert "NextMarker" not in second
    orders = stack.name("OrdersFunction")
    assert [page["Functions"][0]["FunctionName"] for page in (first, second)] == sorted([orders, "orders-audit"])
    everything = {function["FunctionName"]: function for function in client.list_functions()["Functions"]}
    configuration = everything[orders]
    assert configuration["FunctionArn"] == stack.arn("OrdersFunction")
    assert (configuration["Runtime"], configuration["Handler"]) == ("python3.13", "app.lambda_handler")
    assert (configuration["Timeout"], configuration["MemorySize"]) == (10, 256)  # from Globals
    assert configuration["Environment"] == {"Variables": {"STAGE": "dev"}}
    assert configuration["TracingConfig"] == {"Mode": "Active"}
    assert configuration["Role"] == stack.arn("OrdersFunctionRole")  # the role SAM creates
    assert configuration["Architectures"] == ["arm64"]
    assert configuration["Description"] == "Takes orders"
    assert configuration["Version"] == "$LATEST"
    assert (configuration["State"], configuration["LastUpdateStatus"]) == ("Active", "Successful")
    assert configuration["PackageType"] == "Zip"
    assert configuration["EphemeralStorage"] == {"Size": 512}
    assert configuration["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{orders}"}
    assert configuration["CodeSize"] == len(HANDLER.encode())
    assert len(base64.b64decode(configuration["CodeSha256"])) == hashlib.sha256().digest_size
    assert configuration["LastModified"].endswith("+0000")


def test_list_functions_with_all_versions_lists_published_versions_too(stack: LocalStack) -> None:
    functions = stack.client("lambda").list_functions(FunctionVersion="ALL")["Functions"]
    audit = stack.arn("AuditFunction")
    assert [(function["FunctionArn"], function["Version"]) for function in functions
            if function["FunctionName"] == "orders-audit"] == [(f"{audit}:$LATEST", "$LATEST"), (f"{audit}:1", "1")]


def test_get_function_by_name_full_arn_and_partial_arn(stack: LocalStack) -> None:
    client = stack.client("lambda")
    arn = stack.arn("AuditFunction")
    partial = arn.split(":", 4)[4]  # 123456789012:function:orders-audit
    assert partial.startswith("123456789012:function:")
    for reference in ("orders-audit", arn, partial):
        response = client.get_function(FunctionName=reference)
        assert response["Configuration"]["FunctionArn"] == arn
    response = client.get_function(FunctionName=stack.name("OrdersFunction"))
    assert response["Tags"]["team"] == "orders" and response["Tags"]["lambda:createdBy"] == "SAM"
    assert response["Tags"]["aws:cloudformation:logical-id"] == "OrdersFunction"
    assert response["Code"]["RepositoryType"] == "S3"


def test_a_qualified_configuration_is_the_version_the_alias_points_to(stack: LocalStack) -> None:
    client = stack.client("lambda")
    by_alias = client.get_function_configuration(FunctionName="orders-audit", Qualifier="stable")
    assert by_alias["FunctionArn"] == f"{stack.arn('AuditFunction')}:stable"
    assert (by_alias["Version"], by_alias["Description"]) == ("1", "first audited release")
    assert "LastUpdateStatus" not in by_alias  # a published version is never updated
    by_version = client.get_function(FunctionName="orders-audit:1")["Configuration"]
    assert (by_version["FunctionArn"], by_version["Version"]) == (f"{stack.arn('AuditFunction')}:1", "1")


def test_auto_publish_alias_creates_version_1_and_the_live_alias(stack: LocalStack) -> None:
    client = stack.client("lambda")
    name, arn = stack.name("OrdersFunction"), stack.arn("OrdersFunction")
    versions = client.list_versions_by_function(FunctionName=name)["Versions"]
    assert [(version["Version"], version["FunctionArn"]) for version in versions] == \
        [("$LATEST", f"{arn}:$LATEST"), ("1", f"{arn}:1")]
    [alias] = client.list_aliases(FunctionName=name)["Aliases"]
    assert (alias["Name"], alias["FunctionVersion"], alias["AliasArn"]) == ("live", "1", f"{arn}:live")
    assert client.get_alias(FunctionName=name, Name="live")["AliasArn"] == f"{arn}:live"
    assert client.list_aliases(FunctionName=name, FunctionVersion="2")["Aliases"] == []
    # SAM's `!Ref Function.Alias` / `${Function.Version}` name the resources its transform generates.
    assert stack.template.outputs() == {"OrdersLiveArn": f"{arn}:live", "OrdersVersionArn": f"{arn}:1"}
    assert "OrdersFunctionAliaslive" in stack.template.resources


@pytest.mark.parametrize("how", ["alias ARN", "Qualifier", "name:alias"])
def test_invoking_an_alias_runs_its_version(stack: LocalStack, how: str) -> None:
    alias_arn = f"{stack.arn('OrdersFunction')}:live"
    params = {"alias ARN": {"FunctionName": alias_arn},
              "Qualifier": {"FunctionName": stack.name("OrdersFunction"), "Qualifier": "live"},
              "name:alias": {"FunctionName": f"{stack.name('OrdersFunction')}:live"}}[how]
    response, result = invoke(stack, **params)
    assert (response["StatusCode"], response["ExecutedVersion"]) == (200, "1")
    assert result == {"event": {"order": 7}, "version": "1", "arn": alias_arn, "env_version": "1"}
    [invocation] = stack.invocations("OrdersFunction")
    assert invocation.logs.startswith(f"START RequestId: {invocation.request_id} Version: 1")


def test_an_unqualified_invoke_runs_latest(stack: LocalStack) -> None:
    response, result = invoke(stack, FunctionName=stack.arn("OrdersFunction"), LogType="Tail")
    assert response["ExecutedVersion"] == "$LATEST"
    assert (result["version"], result["arn"], result["env_version"]) == \
        ("$LATEST", stack.arn("OrdersFunction"), "$LATEST")
    assert "Version: $LATEST" in base64.b64decode(response["LogResult"]).decode()


def test_dry_run_checks_the_function_without_running_it(stack: LocalStack) -> None:
    response, result = invoke(stack, FunctionName="orders-audit", Qualifier="stable", InvocationType="DryRun")
    assert (response["StatusCode"], result) == (204, None)
    assert stack.invocations() == []


@pytest.mark.parametrize(("payload", "said"), [
    (b"\xff\xfe", "Invalid UTF-8 start byte 0xff"),  # found by the API campaign: a UnicodeDecodeError came out
    (b"{", "Expecting property name enclosed in double quotes"),
])
def test_a_payload_that_is_not_json_is_invalid_request_content(stack: LocalStack, payload: bytes, said: str) -> None:
    with pytest.raises(ClientError) as refused:
        stack.client("lambda").invoke(FunctionName="orders-audit", Payload=payload)
    error = refused.value.response["Error"]
    assert error["Code"] == "InvalidRequestContentException"
    assert error["Message"] == f"Could not parse request body into json: {said}"
    assert stack.invocations() == []


def test_an_asynchronous_invoke_of_an_alias_is_queued_then_runs_its_version(stack: LocalStack) -> None:
    response, _ = invoke(stack, FunctionName="orders-audit:stable", InvocationType="Event")
    assert response["StatusCode"] == 202
    assert stack.invocations() == []  # accepted, not yet run
    stack.run_until_idle()
    [invocation] = stack.invocations("AuditFunction")
    assert (invocation.event, invocation.invocation_type) == ({"order": 7}, "Event")
    assert invocation.result == {"event": {"order": 7}, "version": "1", "env_version": "1",
                                 "arn": f"{stack.arn('AuditFunction')}:stable"}


def test_unknown_functions_versions_and_aliases_are_not_found(stack: LocalStack) -> None:
    client = stack.client("lambda")
    base = "arn:aws:lambda:us-east-1:123456789012:function"
    assert error_of(lambda: client.get_function(FunctionName="nope")) == {
        "Code": "ResourceNotFoundException", "Message": f"Function not found: {base}:nope"}
    assert error_of(lambda: invoke(stack, FunctionName=f"{base}:nope"))["Message"] == \
        f"Function not found: {base}:nope:$LATEST"
    assert error_of(lambda: invoke(stack, FunctionName="orders-audit", Qualifier="7"))["Message"] == \
        f"Function not found: {base}:orders-audit:7"
    assert error_of(lambda: invoke(stack, FunctionName="orders-audit:canary"))["Message"] == \
        f"Cannot find alias arn: {base}:orders-audit:canary"
    assert error_of(lambda: client.get_alias(FunctionName="orders-audit", Name="canary")) == {
        "Code": "ResourceNotFoundException", "Message": f"Cannot find alias arn: {base}:orders-audit:canary"}
    assert error_of(lambda: client.list_versions_by_function(FunctionName="nope"))["Message"] == \
        f"Function not found: {base}:nope"
    assert error_of(lambda: invoke(stack, FunctionName="orders-audit:stable", Qualifier="1")) == {
        "Code": "InvalidParameterValueException",
        "Message": "The derived qualifier from the function name does not match the specified qualifier."}
    assert stack.invocations() == []


def test_a_marker_from_nowhere_is_refused(stack: LocalStack) -> None:
    error = error_of(lambda: stack.client("lambda").list_functions(Marker="not-a-marker"))
    assert error["Code"] == "InvalidParameterValueException" and "not-a-marker" in error["Message"]


def test_a_second_version_of_unchanged_code_is_version_1_and_warned_about(
        start_stack: Callable[..., LocalStack]) -> None:
    # CloudFormation's PublishVersion of unchanged code returns the existing version, and refuses to
    # create a second AWS::Lambda::Version from it ("A version for this Lambda function exists ( 1 )").
    template = TEMPLATE.replace("Outputs:", """  AuditVersionAgain:
    Type: AWS::Lambda::Version
    Properties:
      FunctionName: !GetAtt AuditFunction.Arn

Outputs:""")
    stack = start_stack(template, {"src/app.py": HANDLER})
    [warning] = stack.warnings
    assert warning.startswith("AuditVersionAgain: A version for this Lambda function exists ( 1 )")
    versions = stack.client("lambda").list_versions_by_function(FunctionName="orders-audit")["Versions"]
    assert [version["Version"] for version in versions] == ["$LATEST", "1"]
    assert stack.template.ref("AuditVersionAgain") == f"{stack.arn('AuditFunction')}:1"


def test_an_invalid_auto_publish_alias_is_refused_as_sam_refuses_it(start_stack: Callable[..., LocalStack]) -> None:
    template = TEMPLATE.replace("AutoPublishAlias: live", "AutoPublishAlias: live!")
    with pytest.raises(TemplateError, match=r"OrdersFunction.*AutoPublishAlias name \('live!'\) must contain only"):
        start_stack(template, {"src/app.py": HANDLER})
