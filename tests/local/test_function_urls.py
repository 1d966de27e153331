"""Lambda function URLs on the local stack (`sluice.local.lambda_.urls`): SAM's `FunctionUrlConfig` and
raw `AWS::Lambda::Url` resources, as public SAM applications declare them.

AWS behaviour under test (Lambda developer guide, "Invoking Lambda function URLs"; CloudFormation,
"AWS::Lambda::Url"): the URL is `https://<url-id>.lambda-url.<region>.on.aws/`; the request payload is
API Gateway's format 2.0 with `routeKey`/`stage` `$default`, `accountId` `anonymous` for `AuthType:
NONE`, null `pathParameters`/`stageVariables`; the response is read as 2.0 (inferred 200 JSON without
`statusCode`, `cookies` as `Set-Cookie`); `Ref`/`FunctionArn` is the invoked function's ARN. A function
error is 502 `Internal Server Error` and an unknown URL 403 `AccessDeniedException` (LocalStack).
"""

from __future__ import annotations

import base64
import doctest
import json
import re
import signal
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from sluice.local.errors import StackError, TemplateError, UnsupportedFeature
from sluice.local.lambda_ import urls
from sluice.local.stack import LocalStack
from tests.local.test_cli_up import start_up, stop

MIDNIGHT = 1717977600.0  # 2024-06-10T00:00:00Z

HANDLER = """\
import json


def handler(event, context):
    if event["rawPath"] == "/crash":
        raise RuntimeError("the database is down")
    if event["rawPath"] == "/inferred":
        return {"greeting": "hello " + event["queryStringParameters"]["name"]}
    if event["rawPath"] == "/text":
        return "plain words"
    return {
        "statusCode": 201,
        "headers": {"X-Invoked": context.invoked_function_arn},
        "cookies": ["session=abc; Max-Age=60", "theme=dark"],
        "body": json.dumps(event),
    }
"""

TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  WebFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.13
      FunctionUrlConfig:
        AuthType: NONE
        Cors:
          AllowOrigins: [https://app.example.com]
          AllowHeaders: [content-type]
          MaxAge: 300
Outputs:
  WebUrl:
    Value: !GetAtt WebFunctionUrl.FunctionUrl
  WebUrlTarget:
    Value: !Ref WebFunctionUrl
"""


def test_the_modules_example_holds() -> None:
    assert doctest.testmod(urls).failed == 0


@pytest.fixture
def web(start_stack: Callable[..., LocalStack]) -> LocalStack:
    return start_stack(TEMPLATE, {"src/app.py": HANDLER}, start_time=MIDNIGHT)


def test_the_outputs_name_the_url_and_ref_names_the_function(web: LocalStack) -> None:
    outputs = web.template.outputs()
    assert re.fullmatch(r"https://[a-z0-9]{32}\.lambda-url\.us-east-1\.on\.aws/", outputs["WebUrl"])
    assert outputs["WebUrlTarget"] == web.template.get_att("WebFunction", "Arn")
    assert web.warnings == []


def test_a_request_reaches_the_function_as_a_payload_2_0_event_with_function_url_placeholders(
        web: LocalStack) -> None:
    url = web.template.outputs()["WebUrl"]
    response = web.api_request("POST", url + "orders/42?tag=a&tag=b", body={"qty": 2},
                               headers={"Cookie": "session=old; theme=light", "User-Agent": "curl/8"})
    event = response.json()
    url_id = url.split("//")[1].split(".")[0]
    assert (event["version"], event["routeKey"], event["rawPath"], event["rawQueryString"]) == \
        ("2.0", "$default", "/orders/42", "tag=a&tag=b")
    assert event["queryStringParameters"] == {"tag": "a,b"}
    assert event["cookies"] == ["session=old", "theme=light"]
    assert event["headers"]["content-type"] == "application/json"
    assert event["headers"]["host"] == f"{url_id}.lambda-url.us-east-1.on.aws"
    assert (json.loads(event["body"]), event["isBase64Encoded"]) == ({"qty": 2}, False)
    assert (event["pathParameters"], event["stageVariables"]) == (None, None)
    context = event["requestContext"]
    assert (context["accountId"], context["apiId"], context["domainPrefix"], context["stage"],
            context["routeKey"]) == ("anonymous", url_id, url_id, "$default", "$default")
    assert context["http"] == {"method": "POST", "path": "/orders/42", "protocol": "HTTP/1.1",
                               "sourceIp": "127.0.0.1", "userAgent": "curl/8"}
    assert (context["time"], context["timeEpoch"]) == ("10/Jun/2024:00:00:00 +0000", 1717977600000)
    assert context["requestId"] == response.header("x-amzn-RequestId")


def test_the_answer_becomes_the_http_response_as_lambda_maps_it(web: LocalStack) -> None:
    response = web.api_request("GET", "/")  # the template's one URL
    assert response.status == 201
    assert response.header("X-Invoked") == web.template.get_att("WebFunction", "Arn")
    assert response.cookies == ("session=abc; Max-Age=60", "theme=dark")

    inferred = web.api_request("GET", "/inferred?name=Ada", api="WebFunctionUrl")
    assert (inferred.status, inferred.header("content-type"), inferred.json()) == \
        (200, "application/json", {"greeting": "hello Ada"})
    text = web.api_request("GET", "/text", api="WebFunction")
    assert (text.status, text.body) == (200, b'"plain words"')


def test_a_path_is_never_read_as_a_host(web: LocalStack) -> None:
    # `//a[b` is a path (urlsplit would read `a[b` as a malformed host and raise "Invalid IPv6 URL").
    assert web.api_request("GET", "//a[b?x=1", api="WebFunction").json()["rawPath"] == "//a[b"


def test_a_binary_body_reaches_the_function_base64_encoded(web: LocalStack) -> None:
    event = web.api_request("PUT", "/", api="WebFunction", body=b"\x89PNG\x00",
                            headers={"Content-Type": "image/png"}).json()
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\x89PNG\x00"


def test_a_failed_function_is_a_502_and_is_reported(web: LocalStack) -> None:
    response = web.api_request("GET", "/crash", api="WebFunction")
    assert (response.status, response.text) == (502, "Internal Server Error")
    [root] = [activity for activity in web.trace.roots if activity.kind == "api"]
    assert not root.ok
    assert "RuntimeError: the database is down" in root.detail["error"]


def test_cors_preflights_are_answered_by_the_url_and_allowed_origins_get_the_header(web: LocalStack) -> None:
    preflight = web.api_request("OPTIONS", "/", api="WebFunction", headers={
        "Origin": "https://app.example.com", "Access-Control-Request-Method": "POST"})
    assert preflight.status == 204
    assert (preflight.header("Access-Control-Allow-Origin"), preflight.header("Access-Control-Allow-Headers"),
            preflight.header("Access-Control-Max-Age")) == ("https://app.example.com", "content-type", "300")
    assert not [activity for activity in web.trace.roots if activity.kind == "api"]  # the function never ran

    allowed = web.api_request("GET", "/inferred?name=x", api="WebFunction", headers={"Origin": "https://app.example.com"})
    assert allowed.header("Access-Control-Allow-Origin") == "https://app.example.com"
    other = web.api_request("GET", "/inferred?name=x", api="WebFunction", headers={"Origin": "https://evil.example"})
    assert other.header("Access-Control-Allow-Origin") == ""


def test_an_unknown_url_is_refused_as_lambda_refuses_it(web: LocalStack) -> None:
    response = web.api_request("GET", "https://abcdefghijklmnopqrstuvwxyz234567.lambda-url.us-east-1.on.aws/")
    assert (response.status, response.header("x-amzn-ErrorType"), response.json()) == \
        (403, "AccessDeniedException", {"Message": None})
    with pytest.raises(StackError, match="no function URL 'Nope'"):
        web.api_request("GET", "/", api="Nope")


RAW_URL = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  WebFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.13
      AutoPublishAlias: live
  AliasUrl:
    Type: AWS::Lambda::Url
    Properties:
      AuthType: NONE
      TargetFunctionArn: !GetAtt WebFunction.Arn
      Qualifier: live
  AutoAliasFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.13
      AutoPublishAlias: prod
      FunctionUrlConfig:
        AuthType: NONE
Outputs:
  AliasUrl:
    Value: !GetAtt AliasUrl.FunctionUrl
  AliasUrlFunction:
    Value: !GetAtt AliasUrl.FunctionArn
"""


def test_a_raw_url_and_a_sam_url_of_an_auto_published_function_invoke_the_alias(
        start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(RAW_URL, {"src/app.py": HANDLER})
    function_arn = stack.template.get_att("WebFunction", "Arn")
    assert stack.template.outputs()["AliasUrlFunction"] == f"{function_arn}:live"
    raw = stack.api_request("GET", stack.template.outputs()["AliasUrl"])
    assert raw.header("X-Invoked") == f"{function_arn}:live"
    # SAM points the URL it makes at the alias (aws-sam-translator `_construct_function_url`).
    sam = stack.api_request("GET", "/", api="AutoAliasFunction")
    assert sam.header("X-Invoked") == f"{stack.template.get_att('AutoAliasFunction', 'Arn')}:prod"


def test_an_iam_url_is_warned_about_and_refused_by_a_strict_stack(start_stack: Callable[..., LocalStack]) -> None:
    iam = TEMPLATE.replace("AuthType: NONE", "AuthType: AWS_IAM")
    stack = start_stack(iam, {"src/app.py": HANDLER})
    assert any("AuthType AWS_IAM is not enforced locally" in warning for warning in stack.warnings)
    event = stack.api_request("GET", "/", api="WebFunction").json()
    assert event["requestContext"]["accountId"] == stack.template.account
    with pytest.raises(UnsupportedFeature, match=r"FunctionUrlConfig\.AuthType"):
        start_stack(iam, {"src/app.py": HANDLER}, strict=True)


@pytest.mark.parametrize("auth", ["", "AuthType: PUBLIC"])
def test_a_url_without_a_valid_auth_type_is_a_template_error(start_stack: Callable[..., LocalStack],
                                                             auth: str) -> None:
    template = TEMPLATE.replace("AuthType: NONE", auth or "InvokeMode: BUFFERED")
    with pytest.raises(TemplateError, match=r"WebFunction.*FunctionUrlConfig.AuthType.*AWS_IAM or NONE"):
        start_stack(template, {"src/app.py": HANDLER})


def test_a_template_without_urls_says_so_when_given_one(start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(TEMPLATE.replace("      FunctionUrlConfig:", "      Unused:").split("Outputs:")[0],
                        {"src/app.py": HANDLER})
    with pytest.raises(StackError, match="is a Lambda function URL, and the template declares none"):
        stack.api_request("GET", "https://abcdefghijklmnopqrstuvwxyz234567.lambda-url.us-east-1.on.aws/")


def test_sluice_up_serves_a_function_url_by_its_host(write_template: Callable[..., Path]) -> None:
    template = write_template(TEMPLATE, {"src/app.py": HANDLER})
    up = start_up("--template", str(template))
    try:
        address = up.resources["WebFunctionUrl"]
        host = re.fullmatch(r"http://([a-z0-9]{32}\.lambda-url\.us-east-1\.localhost):\d+/", address)
        assert host is not None, address
        request = urllib.request.Request(f"{up.url}/inferred?name=Ada", headers={"Host": host[1]})
        with urllib.request.urlopen(request, timeout=30) as response:
            assert (response.status, json.loads(response.read())) == (200, {"greeting": "hello Ada"})
        # LocalStack's form of the host reaches the same URL.
        localstack = host[1].replace(".localhost", ".localhost.localstack.cloud")
        request = urllib.request.Request(f"{up.url}/orders", headers={"Host": f"{localstack}:4566"})
        with urllib.request.urlopen(request, timeout=30) as response:
            assert json.loads(response.read())["rawPath"] == "/orders"
    finally:
        code, err = stop(up, signal.SIGTERM)
    assert code == 0, err
