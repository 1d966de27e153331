"""APIs declared with CloudFormation's own API Gateway resources (`sluice.local.apigateway.raw`), as
public SAM applications that mix SAM and raw CloudFormation declare them.

AWS behaviour under test (CloudFormation: AWS::ApiGateway::RestApi/Resource/Method/Deployment/Stage,
AWS::ApiGatewayV2::Api/Route/Integration/Stage; API Gateway docs: "Set up a Lambda proxy integration",
"quick create"): a resource's path is its `PathPart` under its `ParentId`, the root being
`RootResourceId`; an `AWS_PROXY` method invokes the function its invocation ARN names with the 1.0 proxy
event; an HTTP API route's `Target` is `integrations/<id>`; `Ref` of a stage is its name; an API no stage
deploys cannot be called.
"""

from __future__ import annotations

import doctest
from collections.abc import Callable

import pytest

from sluice.local.apigateway import raw
from sluice.local.stack import LocalStack

HANDLER = """\
import json


def handler(event, context):
    return {"statusCode": 200, "body": json.dumps({
        "version": event.get("version", "1.0"),
        "path": event.get("resource") or event.get("routeKey"),
        "parameters": event.get("pathParameters"),
        "stage": event["requestContext"]["stage"],
    })}
"""

FUNCTION = """\
  OrdersFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.13
"""

INVOCATION_URI = ('!Sub "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/'
                  '${OrdersFunction.Arn}/invocations"')

REST = f"""\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
{FUNCTION}      Events:
        Listed:
          Type: Api
          Properties:
            RestApiId: !Ref OrdersApi
            Path: /orders
            Method: get
  OrdersApi:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: orders
  OrdersResource:
    Type: AWS::ApiGateway::Resource
    Properties:
      RestApiId: !Ref OrdersApi
      ParentId: !GetAtt OrdersApi.RootResourceId
      PathPart: orders
  OrderResource:
    Type: AWS::ApiGateway::Resource
    Properties:
      RestApiId: !Ref OrdersApi
      ParentId: !Ref OrdersResource
      PathPart: '{{id}}'
  ListOrders:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref OrdersApi
      ResourceId: !Ref OrdersResource
      HttpMethod: GET
      AuthorizationType: NONE
      Integration:
        Type: AWS_PROXY
        IntegrationHttpMethod: POST
        Uri: {INVOCATION_URI}
  AnyOrder:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref OrdersApi
      ResourceId: !Ref OrderResource
      HttpMethod: ANY
      AuthorizationType: NONE
      Integration:
        Type: AWS_PROXY
        IntegrationHttpMethod: POST
        Uri: {INVOCATION_URI}
  OrdersOptions:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref OrdersApi
      ResourceId: !Ref OrdersResource
      HttpMethod: OPTIONS
      AuthorizationType: NONE
      Integration:
        Type: MOCK
        RequestTemplates:
          application/json: '{{"statusCode": 200}}'
        IntegrationResponses:
          - StatusCode: 200
            ResponseParameters:
              method.response.header.Access-Control-Allow-Origin: "'*'"
              method.response.header.Access-Control-Allow-Methods: "'GET,OPTIONS'"
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: [ListOrders, AnyOrder]
    Properties:
      RestApiId: !Ref OrdersApi
  LiveStage:
    Type: AWS::ApiGateway::Stage
    Properties:
      RestApiId: !Ref OrdersApi
      DeploymentId: !Ref Deployment
      StageName: live
Outputs:
  OrdersUrl:
    Value: !Sub "https://${{OrdersApi}}.execute-api.${{AWS::Region}}.amazonaws.com/${{LiveStage}}/orders"
"""


def test_the_modules_example_holds(start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(REST, {"src/app.py": HANDLER})
    result = doctest.testmod(raw, extraglobs={"template": stack.template})
    assert (result.attempted, result.failed) == (1, 0)


def test_a_raw_rest_api_routes_its_proxy_methods_at_its_stage(start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(REST, {"src/app.py": HANDLER})
    url = stack.template.outputs()["OrdersUrl"]
    assert url.endswith(".execute-api.us-east-1.amazonaws.com/live/orders")
    listed = stack.api_request("GET", url)
    assert (listed.status, listed.json()) == (200, {"version": "1.0", "path": "/orders", "parameters": None,
                                                    "stage": "live"})
    one = stack.api_request("DELETE", url + "/42")
    assert one.json()["parameters"] == {"id": "42"} and one.json()["path"] == "/orders/{id}"
    assert stack.api_request("POST", url).status == 403  # no POST method on /orders: Missing Authentication Token
    # The CORS preflight is the MOCK method's: its response parameters are the headers.
    preflight = stack.api_request("OPTIONS", url)
    assert (preflight.status, preflight.body) == (200, b"")
    assert (preflight.header("access-control-allow-origin"), preflight.header("access-control-allow-methods")) == \
        ("*", "GET,OPTIONS")
    # The SAM event on the raw API adds no route of its own (its method is the API's own).
    assert stack.warnings == []


def test_a_raw_rest_api_without_a_stage_is_warned_about_and_not_served(
        start_stack: Callable[..., LocalStack]) -> None:
    template = REST.split("  Deployment:", maxsplit=1)[0]
    stack = start_stack(template, {"src/app.py": HANDLER})
    assert any("no stage deploys this API" in warning for warning in stack.warnings)
    assert stack.world.apis is not None and stack.world.apis.apis == ()


def test_a_raw_rest_api_with_an_openapi_body(start_stack: Callable[..., LocalStack]) -> None:
    template = f"""\
Resources:
{FUNCTION}  BodyApi:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Body:
        openapi: 3.0.1
        paths:
          /health:
            get:
              x-amazon-apigateway-integration:
                type: aws_proxy
                httpMethod: POST
                uri: {INVOCATION_URI}
  Deployment:
    Type: AWS::ApiGateway::Deployment
    Properties:
      RestApiId: !Ref BodyApi
      StageName: v1
"""
    stack = start_stack(template, {"src/app.py": HANDLER})
    assert stack.api_request("GET", "/health").json()["stage"] == "v1"


HTTP = f"""\
Resources:
{FUNCTION}  HttpApi:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      Name: orders
      ProtocolType: HTTP
      CorsConfiguration:
        AllowOrigins: [https://app.example.com]
  OrdersIntegration:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref HttpApi
      IntegrationType: AWS_PROXY
      IntegrationUri: !GetAtt OrdersFunction.Arn
      PayloadFormatVersion: '2.0'
  GetOrder:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref HttpApi
      RouteKey: GET /orders/{{id}}
      Target: !Sub integrations/${{OrdersIntegration}}
  DefaultStage:
    Type: AWS::ApiGatewayV2::Stage
    Properties:
      ApiId: !Ref HttpApi
      StageName: $default
      AutoDeploy: true
Outputs:
  Endpoint:
    Value: !GetAtt HttpApi.ApiEndpoint
"""


def test_a_raw_http_api_routes_to_its_lambda_integrations(start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(HTTP, {"src/app.py": HANDLER})
    assert stack.warnings == []
    response = stack.api_request("GET", stack.template.outputs()["Endpoint"] + "/orders/7",
                                 headers={"Origin": "https://app.example.com"})
    assert response.json() == {"version": "2.0", "path": "GET /orders/{id}", "parameters": {"id": "7"},
                               "stage": "$default"}
    assert response.header("Access-Control-Allow-Origin") == "https://app.example.com"
    assert stack.api_request("GET", "/other").status == 404


def test_a_quick_create_http_api_sends_everything_to_its_target(start_stack: Callable[..., LocalStack]) -> None:
    template = f"""\
Resources:
{FUNCTION}  QuickApi:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      ProtocolType: HTTP
      Target: !GetAtt OrdersFunction.Arn
"""
    stack = start_stack(template, {"src/app.py": HANDLER})
    assert stack.api_request("PATCH", "/any/path").json()["path"] == "$default"


@pytest.mark.parametrize(("change", "warning"), [
    # A raw route's authorizer is not run locally: said, never silently open.
    (("      RouteKey: GET /orders/{id}\n", "      RouteKey: GET /orders/{id}\n      AuthorizationType: JWT\n"),
     "resource GetOrder, property AuthorizationType: its JWT authorization is not enforced locally"),
    # An HTTP_PROXY integration is served when its uri is an http(s) URL; a function's ARN is none.
    (("IntegrationType: AWS_PROXY", "IntegrationType: HTTP_PROXY"), "route 'GET /orders/{id}': uri 'arn:aws:lambda:"),
])
def test_what_a_raw_http_api_does_not_serve_is_warned_about(start_stack: Callable[..., LocalStack],
                                                            change: tuple[str, str], warning: str) -> None:
    stack = start_stack(HTTP.replace(*change), {"src/app.py": HANDLER})
    assert any(warning in message for message in stack.warnings), stack.warnings


def test_a_method_whose_api_is_not_a_reference_is_said_not_dropped(start_stack: Callable[..., LocalStack]) -> None:
    """Found with SAM CLI's own start-api templates: `RestApiId: OrdersApi` written as a string names an API
    id nothing deploys, so the method was left out with no word about it."""
    template = REST.replace("""  ListOrders:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref OrdersApi""", """  ListOrders:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: OrdersApi""")
    stack = start_stack(template, {"src/app.py": HANDLER})
    assert any(warning.endswith("resource ListOrders, property RestApiId: its RestApiId 'OrdersApi' is not an API "
                                "of the template (a reference is written !Ref <Api>): not served")
               for warning in stack.warnings)
    assert stack.api_request("GET", "/orders", api="OrdersApi").status == 403  # not served, as the warning says
    assert stack.api_request("GET", "/orders/7", api="OrdersApi").status == 200  # the other methods are
