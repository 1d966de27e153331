"""API Gateway in front of the template's functions on the local stack (`sluice.local.apigateway`),
from templates written the way public SAM applications are: `sam init`'s hello world (`Api` GET
/hello, its Outputs URL), a CRUD `HttpApi` with `{id}` on DynamoDB, a REST API with `{proxy+}`,
and an API defined by an OpenAPI `DefinitionBody`.

AWS behaviour under test (API Gateway developer guide): "Input format of a Lambda function for
proxy integration" and "Output format…" (REST, payload 1.0), "Create AWS Lambda proxy integrations
for HTTP APIs" (payload 2.0, inferred responses, cookies), "Routing API requests" (HTTP APIs), 403
"Missing Authentication Token" for an unknown REST resource, 502 "Internal server error" for a
failed function or a malformed proxy response, CORS preflight ("Configuring CORS for an HTTP API",
SAM's `Cors`).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest

from sluice.local.apigateway.responses import to_response
from sluice.local.errors import StackError, TemplateError, UnsupportedFeature
from sluice.local.stack import LocalStack

MIDNIGHT = 1717977600.0  # 2024-06-10T00:00:00Z

# The handler of `sam init`'s hello world, plus the event it saw (for the assertions).
HELLO_HANDLER = """\
import json


def lambda_handler(event, context):
    return {
        "statusCode": 200,
        "body": json.dumps({"message": "hello world", "event": event}),
    }
"""

HELLO_WORLD = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Description: sam-app - Sample SAM Template for sam-app

Globals:
  Function:
    Timeout: 3

Resources:
  HelloWorldFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: hello_world/
      Handler: app.lambda_handler
      Runtime: python3.13
      Architectures:
        - x86_64
      Events:
        HelloWorld:
          Type: Api
          Properties:
            Path: /hello
            Method: get

Outputs:
  HelloWorldApi:
    Description: "API Gateway endpoint URL for Prod stage for Hello World function"
    Value: !Sub "https://${ServerlessRestApi}.execute-api.${AWS::Region}.amazonaws.com/Prod/hello/"
  HelloWorldFunction:
    Description: "Hello World Lambda Function ARN"
    Value: !GetAtt HelloWorldFunction.Arn
"""


@pytest.fixture
def hello(start_stack: Callable[..., LocalStack]) -> LocalStack:
    return start_stack(HELLO_WORLD, {"hello_world/app.py": HELLO_HANDLER}, start_time=MIDNIGHT)


def test_hello_world_answers_at_the_url_its_outputs_give(hello: LocalStack) -> None:
    url = hello.template.outputs()["HelloWorldApi"]
    api_id = hello.template.ref("ServerlessRestApi")
    assert url == f"https://{api_id}.execute-api.us-east-1.amazonaws.com/Prod/hello/"

    response = hello.api_request("GET", url + "?name=ada&tag=a&tag=b", headers={"User-Agent": "curl/8.5"})

    assert response.status == 200
    assert response.header("content-type") == "application/json"  # REST's default when the function sets none
    body = response.json()
    assert body["message"] == "hello world"
    event = body["event"]
    assert (event["resource"], event["path"], event["httpMethod"]) == ("/hello", "/hello/", "GET")
    assert event["queryStringParameters"] == {"name": "ada", "tag": "b"}  # the last value of a repeated name
    assert event["multiValueQueryStringParameters"] == {"name": ["ada"], "tag": ["a", "b"]}
    assert event["headers"]["User-Agent"] == "curl/8.5"
    assert event["multiValueHeaders"]["User-Agent"] == ["curl/8.5"]
    assert event["pathParameters"] is None and event["stageVariables"] is None and event["body"] is None
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert (context["apiId"], context["stage"], context["resourcePath"], context["path"]) == \
        (api_id, "Prod", "/hello", "/Prod/hello/")
    assert context["accountId"] == "123456789012" and context["httpMethod"] == "GET"
    assert context["requestTimeEpoch"] == int(MIDNIGHT * 1000)  # the stack's clock
    assert context["requestTime"] == "10/Jun/2024:00:00:00 +0000"
    assert context["identity"]["sourceIp"] == "127.0.0.1" and context["identity"]["userAgent"] == "curl/8.5"
    assert response.header("x-amzn-RequestId") == context["requestId"]
    # The request ran through the Lambda runtime, under an `api` root of the trace.
    [root] = [activity for activity in hello.trace.roots if activity.kind == "api"]
    assert [child.kind for child in root.children] == ["invoke"] and root.ok


def test_a_rest_api_answers_403_missing_authentication_token_for_an_unknown_resource_or_method(
        hello: LocalStack) -> None:
    for method, path in (("GET", "/nope"), ("POST", "/hello"), ("GET", "/")):
        response = hello.api_request(method, path)
        assert (response.status, response.json()) == (403, {"message": "Missing Authentication Token"}), path
        assert response.header("x-amzn-ErrorType") == "MissingAuthenticationTokenException"
    assert hello.invocations() == []


def test_the_api_event_is_no_longer_warned_about(hello: LocalStack) -> None:
    assert not [warning for warning in hello.warnings if "HelloWorld" in warning]


CRUD = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Description: HTTP API, Lambda and DynamoDB CRUD

Globals:
  Function:
    Runtime: python3.13
    Handler: app.handler
    CodeUri: src/
    Environment:
      Variables:
        TABLE_NAME: !Ref ItemsTable

Resources:
  ItemsTable:
    Type: AWS::Serverless::SimpleTable

  ItemsApi:
    Type: AWS::Serverless::HttpApi
    Properties:
      CorsConfiguration:
        AllowOrigins: ["https://shop.example.com"]
        AllowMethods: [GET, PUT, DELETE]
        AllowHeaders: [content-type]
        MaxAge: 600

  ItemsFunction:
    Type: AWS::Serverless::Function
    Properties:
      Policies:
        - DynamoDBCrudPolicy:
            TableName: !Ref ItemsTable
      Events:
        GetItems:
          Type: HttpApi
          Properties: {ApiId: !Ref ItemsApi, Path: /items, Method: GET}
        GetItem:
          Type: HttpApi
          Properties: {ApiId: !Ref ItemsApi, Path: "/items/{id}", Method: GET}
        PutItem:
          Type: HttpApi
          Properties: {ApiId: !Ref ItemsApi, Path: /items, Method: PUT}
        DeleteItem:
          Type: HttpApi
          Properties: {ApiId: !Ref ItemsApi, Path: "/items/{id}", Method: DELETE}

  LegacyFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: legacy.handler
      Events:
        Echo:
          Type: HttpApi
          Properties: {ApiId: !Ref ItemsApi, Path: /legacy, Method: POST, PayloadFormatVersion: "1.0"}
        Everything:
          Type: HttpApi
          Properties: {ApiId: !Ref ItemsApi}

Outputs:
  ApiEndpoint:
    Value: !Sub "https://${ItemsApi}.execute-api.${AWS::Region}.amazonaws.com"
"""

CRUD_HANDLER = """\
import json
import os

import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
seen = []


def handler(event, context):
    seen.append(event)
    route = event["routeKey"]
    if route == "GET /items":
        return table.scan()["Items"]                     # no statusCode: API Gateway infers a 200 JSON answer
    if route == "GET /items/{id}":
        item = table.get_item(Key={"id": event["pathParameters"]["id"]}).get("Item")
        if item is None:
            return {"statusCode": 404, "body": json.dumps({"message": "no such item"})}
        return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps(item)}
    if route == "PUT /items":
        item = json.loads(event["body"])
        table.put_item(Item=item)
        return {"statusCode": 201, "body": f"Put item {item['id']}", "cookies": ["last=" + item["id"], "a=b"]}
    table.delete_item(Key={"id": event["pathParameters"]["id"]})
    return {"statusCode": 204}
"""

LEGACY_HANDLER = """\
import json


def handler(event, context):
    return {"statusCode": 200, "body": json.dumps(event)}
"""


@pytest.fixture
def crud(start_stack: Callable[..., LocalStack]) -> LocalStack:
    return start_stack(CRUD, {"src/app.py": CRUD_HANDLER, "src/legacy.py": LEGACY_HANDLER}, start_time=MIDNIGHT)


def _seen(stack: LocalStack) -> list[dict[str, Any]]:
    return [invocation.event for invocation in stack.invocations("ItemsFunction")]


def test_a_crud_http_api_with_path_parameters_over_dynamodb(crud: LocalStack) -> None:
    base = crud.template.outputs()["ApiEndpoint"]
    put = crud.api_request("PUT", base + "/items", body={"id": "42", "name": "pen"},
                           headers={"Cookie": "session=abc; theme=dark"})
    assert (put.status, put.text) == (201, "Put item 42")
    assert put.cookies == ("last=42", "a=b")
    assert crud.items("ItemsTable") == [{"id": "42", "name": "pen"}]

    got = crud.api_request("GET", base + "/items/42?x=1&x=2")
    assert (got.status, got.json()) == (200, {"id": "42", "name": "pen"})
    listed = crud.api_request("GET", "/items", api="ItemsApi")
    assert (listed.status, listed.header("content-type"), listed.json()) == \
        (200, "application/json", [{"id": "42", "name": "pen"}])
    assert crud.api_request("GET", base + "/items/7").status == 404  # the function's own 404
    assert crud.api_request("DELETE", base + "/items/42").status == 204
    assert crud.items("ItemsTable") == []

    put_event, get_event = _seen(crud)[:2]
    assert (put_event["version"], put_event["routeKey"], put_event["rawPath"]) == ("2.0", "PUT /items", "/items")
    assert put_event["cookies"] == ["session=abc", "theme=dark"] and "cookie" not in put_event["headers"]
    assert put_event["headers"]["content-type"] == "application/json"  # names lowercased
    assert "queryStringParameters" not in put_event and "pathParameters" not in put_event
    assert put_event["isBase64Encoded"] is False and json.loads(put_event["body"]) == {"id": "42", "name": "pen"}
    assert get_event["pathParameters"] == {"id": "42"}
    assert (get_event["rawQueryString"], get_event["queryStringParameters"]) == ("x=1&x=2", {"x": "1,2"})
    context = get_event["requestContext"]
    assert (context["stage"], context["routeKey"], context["timeEpoch"]) == \
        ("$default", "GET /items/{id}", int(MIDNIGHT * 1000))
    assert context["http"] == {"method": "GET", "path": "/items/42", "protocol": "HTTP/1.1",
                               "sourceIp": "127.0.0.1", "userAgent": ""}


def test_http_api_payload_format_1_0_and_the_default_route(crud: LocalStack) -> None:
    legacy = crud.api_request("POST", "/legacy", api="ItemsApi", body="hi").json()
    assert legacy["version"] == "1.0" and legacy["resource"] == "/legacy" and legacy["body"] == "hi"
    assert legacy["multiValueHeaders"]["X-Forwarded-Proto"] == ["https"]
    # No route matches: the $default route takes it (an HTTP API's catch-all).
    other = crud.api_request("PATCH", "/elsewhere/deep", api="ItemsApi").json()
    assert (other["version"], other["routeKey"], other["rawPath"]) == ("2.0", "$default", "/elsewhere/deep")


def test_an_http_api_without_a_matching_route_answers_404_not_found(start_stack: Callable[..., LocalStack]) -> None:
    text = CRUD.replace("        Everything:\n          Type: HttpApi\n          Properties: {ApiId: !Ref ItemsApi}\n",
                        "")
    stack = start_stack(text, {"src/app.py": CRUD_HANDLER, "src/legacy.py": LEGACY_HANDLER})
    response = stack.api_request("POST", "/items/1", api="ItemsApi")
    assert (response.status, response.json()) == (404, {"message": "Not Found"})


def test_an_http_api_answers_cors_preflights_itself(crud: LocalStack) -> None:
    preflight = crud.api_request("OPTIONS", "/items", api="ItemsApi",
                                 headers={"Origin": "https://shop.example.com",
                                          "Access-Control-Request-Method": "PUT"})
    assert preflight.status == 204
    assert preflight.header("Access-Control-Allow-Origin") == "https://shop.example.com"
    assert preflight.header("Access-Control-Allow-Methods") == "GET,PUT,DELETE"
    assert preflight.header("Access-Control-Max-Age") == "600"
    assert crud.invocations() == []
    listed = crud.api_request("GET", "/items", api="ItemsApi", headers={"Origin": "https://shop.example.com"})
    assert listed.header("Access-Control-Allow-Origin") == "https://shop.example.com"


PROXY = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Description: A Flask-style app behind a REST API greedy proxy

Globals:
  Function:
    Runtime: python3.13
    CodeUri: app/
  Api:
    Cors:
      AllowOrigin: "'*'"
      AllowHeaders: "'Content-Type,Authorization'"

Resources:
  WebApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: dev
      Variables:
        backend: blue
      BinaryMediaTypes: ["image~1png"]

  ProxyFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: proxy.handler
      Events:
        Proxy:
          Type: Api
          Properties: {RestApiId: !Ref WebApi, Path: "/{proxy+}", Method: ANY}

  HealthFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: health.handler
      Events:
        Health:
          Type: Api
          Properties: {RestApiId: !Ref WebApi, Path: /health, Method: GET}
        Crash:
          Type: Api
          Properties: {RestApiId: !Ref WebApi, Path: /health/crash, Method: GET}
        Broken:
          Type: Api
          Properties: {RestApiId: !Ref WebApi, Path: /health/broken, Method: GET}
"""

PROXY_HANDLER = """\
import json


def handler(event, context):
    return {"statusCode": 200, "multiValueHeaders": {"X-Seen": ["a", "b"]},
            "body": json.dumps({"proxy": event["pathParameters"]["proxy"], "body": event["body"],
                                "binary": event["isBase64Encoded"], "stage": event["stageVariables"],
                                "path": event["requestContext"]["path"]})}
"""

HEALTH_HANDLER = """\
import base64


def handler(event, context):
    if event["path"].endswith("/crash"):
        raise RuntimeError("the database is down")
    if event["path"].endswith("/broken"):
        return {"statusCode": 200, "body": {"not": "a string"}}
    return {"statusCode": 200, "headers": {"Content-Type": "image/png"}, "isBase64Encoded": True,
            "body": base64.b64encode(b"\\x89PNG").decode()}
"""


@pytest.fixture
def proxy(start_stack: Callable[..., LocalStack]) -> LocalStack:
    return start_stack(PROXY, {"app/proxy.py": PROXY_HANDLER, "app/health.py": HEALTH_HANDLER})


def test_a_greedy_proxy_takes_what_no_more_specific_resource_matches(proxy: LocalStack) -> None:
    health = proxy.api_request("GET", "/health")
    assert (health.status, health.header("content-type"), health.body) == (200, "image/png", b"\x89PNG")
    deep = proxy.api_request("POST", "/orders/2024/06%2F10", body="hello")
    assert deep.status == 200 and deep.header("X-Seen") == "a,b"
    assert deep.json() == {"proxy": "orders/2024/06/10", "body": "hello", "binary": False,
                           "stage": {"backend": "blue"}, "path": "/dev/orders/2024/06/10"}
    # POST /health: the /health resource has no POST (the greedy proxy does not take it).
    assert proxy.api_request("POST", "/health").status == 403


def test_a_body_of_a_binary_media_type_reaches_the_handler_base64_encoded(proxy: LocalStack) -> None:
    response = proxy.api_request("PUT", "/upload", body=b"\x89PNG\x00", headers={"Content-Type": "image/png"})
    assert response.json()["binary"] is True
    assert base64.b64decode(response.json()["body"]) == b"\x89PNG\x00"


@pytest.mark.parametrize("path", ["/health/crash", "/health/broken"])
def test_a_failed_function_or_a_malformed_response_is_a_502_and_is_reported(proxy: LocalStack, path: str) -> None:
    response = proxy.api_request("GET", path)
    assert (response.status, response.json()) == (502, {"message": "Internal server error"})
    [root] = [activity for activity in proxy.trace.roots if activity.kind == "api"]
    assert not root.ok
    reason = "RuntimeError: the database is down" if path.endswith("crash") else "malformed Lambda proxy response"
    assert reason in root.detail["error"]


def test_a_rest_api_with_cors_answers_the_preflight_of_each_path(proxy: LocalStack) -> None:
    response = proxy.api_request("OPTIONS", "/health", headers={"Origin": "https://app.example.com"})
    assert response.status == 200
    assert response.header("Access-Control-Allow-Origin") == "*"
    assert response.header("Access-Control-Allow-Methods") == "GET,OPTIONS"
    assert response.header("Access-Control-Allow-Headers") == "Content-Type,Authorization"



@pytest.mark.parametrize(("cors", "origin"), [("{MaxAge: 5}", "*"), ("\"'https://app.example.com'\"", "https://app.example.com")])
def test_sams_cors_defaults_allow_origin_to_any(start_stack: Callable[..., LocalStack], cors: str,
                                                origin: str) -> None:
    """aws-sam-translator's `CorsProperties` defaults `AllowOrigin` to `'*'`: `Cors: {MaxAge: 5}` is valid
    (serverless-patterns' apigw-lambda-dynamodb-go-sam); an unknown key is refused, as SAM refuses it."""
    template = PROXY.replace("""    Cors:
      AllowOrigin: "'*'"
      AllowHeaders: "'Content-Type,Authorization'"
""", f"    Cors: {cors}\n")
    stack = start_stack(template, {"app/proxy.py": PROXY_HANDLER, "app/health.py": HEALTH_HANDLER})
    response = stack.api_request("OPTIONS", "/health", headers={"Origin": "https://app.example.com"})
    assert (response.status, response.header("Access-Control-Allow-Origin")) == (200, origin)
    with pytest.raises(TemplateError, match=r"Cors must be .* \(not AllowOrigins\)"):
        start_stack(template.replace(f"    Cors: {cors}\n", "    Cors: {AllowOrigins: \"'*'\"}\n"),
                    {"app/proxy.py": PROXY_HANDLER, "app/health.py": HEALTH_HANDLER})


DEFINITION = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Description: REST API defined with OpenAPI

Resources:
  OrdersApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: v1
      Auth:
        DefaultAuthorizer: AWS_IAM
      DefinitionBody:
        openapi: "3.0.1"
        info: {title: orders, version: "1.0"}
        paths:
          /orders/{orderId}:
            get:
              x-amazon-apigateway-integration:
                type: aws_proxy
                httpMethod: POST
                uri: !Sub "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/\\
                  ${OrdersFunction.Arn}/invocations"
          /status:
            get:
              x-amazon-apigateway-integration:
                type: http_proxy
                connectionType: VPC_LINK
                httpMethod: GET
                uri: https://status.example.com/

  OrdersFunction:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: orders.handler
      CodeUri: src/
"""

ORDERS_HANDLER = """\
import json


def handler(event, context):
    return {"statusCode": 200, "body": json.dumps({"order": event["pathParameters"]["orderId"],
                                                   "resource": event["resource"]})}
"""


def test_an_openapi_definition_body_routes_its_lambda_proxy_integrations(
        start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(DEFINITION, {"src/orders.py": ORDERS_HANDLER})
    api_id = stack.template.ref("OrdersApi")
    response = stack.api_request("GET", f"https://{api_id}.execute-api.us-east-1.amazonaws.com/v1/orders/o-1")
    assert (response.status, response.json()) == (200, {"order": "o-1", "resource": "/orders/{orderId}"})
    # The wrong stage is no resource of the API.
    assert stack.api_request("GET", f"https://{api_id}.execute-api.us-east-1.amazonaws.com/v2/orders/o-1").status \
        == 403
    warnings = "\n".join(stack.warnings)
    assert "GET /status: a VPC link's private endpoint is not reachable locally: not served" in warnings
    assert warnings.count("authorizers, API keys and resource policies are not enforced locally") == 1


def test_a_strict_stack_refuses_an_authorizer_it_would_not_enforce(start_stack: Callable[..., LocalStack]) -> None:
    head, tail = DEFINITION.split("          /status:\n", maxsplit=1)
    proxy_only = head + tail.split("uri: https://status.example.com/\n", maxsplit=1)[1]  # without the HTTP one
    with pytest.raises(UnsupportedFeature, match="not enforced locally"):
        start_stack(proxy_only, {"src/orders.py": ORDERS_HANDLER}, strict=True)


def test_several_apis_need_the_api_named(start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(CRUD.replace("Outputs:", """\
  Other:
    Type: AWS::Serverless::Function
    Properties:
      Handler: legacy.handler
      Events:
        Hello:
          Type: Api
          Properties: {Path: /hello, Method: get}

Outputs:"""), {"src/app.py": CRUD_HANDLER, "src/legacy.py": LEGACY_HANDLER})
    with pytest.raises(StackError, match=r"2 APIs: name one with api= \(ItemsApi .*ServerlessRestApi"):
        stack.api_request("GET", "/hello")
    assert stack.api_request("GET", "/hello", api="ServerlessRestApi").status == 200


def test_an_event_on_an_api_sluice_does_not_serve_is_warned_about_not_fatal(
        start_stack: Callable[..., LocalStack]) -> None:
    text = HELLO_WORLD.replace("Resources:\n", "Resources:\n  RawApi:\n    Type: AWS::ApiGateway::RestApi\n", 1)
    text = text.replace("            Path: /hello\n", "            RestApiId: !Ref RawApi\n            Path: /hello\n")
    text = text.split("Outputs:")[0]
    stack = start_stack(text, {"hello_world/app.py": HELLO_HANDLER})
    # SAM adds only the permission for an event on a raw API; this one has no method and no stage to serve.
    assert any("resource RawApi" in warning and "no stage deploys this API" in warning for warning in stack.warnings)
    assert stack.world.apis is not None and stack.world.apis.apis == ()

    on_nothing = text.replace("RestApiId: !Ref RawApi", "RestApiId: some-other-api")
    stack = start_stack(on_nothing, {"hello_world/app.py": HELLO_HANDLER})
    assert any("Events.HelloWorld.Properties.RestApiId: its RestApiId is not an AWS::Serverless::Api" in warning
               for warning in stack.warnings)


def test_a_template_without_an_api_says_so_when_asked_for_one(start_stack: Callable[..., LocalStack]) -> None:
    text = HELLO_WORLD.split("      Events:", maxsplit=1)[0] + "\n"
    stack = start_stack(text, {"hello_world/app.py": HELLO_HANDLER})
    assert stack.world.apis is None  # nothing of the gateway is loaded for it
    with pytest.raises(StackError, match="the template declares no API"):
        stack.api_request("GET", "/hello")


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        # SAM CLI's start-api test_multiple_headers_overrides_headers_response: both lists, merged.
        ({"headers": {"MyCustomHeader": "Custom"}, "multiValueHeaders": {"MyCustomHeader": ["Value1", "Value2"]}},
         "Value1,Value2,Custom"),
        # "If the same key-value pair is specified in both, only the values from multiValueHeaders will appear."
        ({"headers": {"MyCustomHeader": "Value2"}, "multiValueHeaders": {"MyCustomHeader": ["Value1", "Value2"]}},
         "Value1,Value2"),
        ({"headers": {"MyCustomHeader": "Custom"}}, "Custom"),
    ],
)
def test_headers_and_multi_value_headers_are_merged_as_api_gateway_merges_them(
    answer: dict[str, Any], expected: str
) -> None:
    response = to_response({"statusCode": 200, "body": "", **answer}, protocol="REST", payload_version="1.0")
    assert response.header("MyCustomHeader") == expected
