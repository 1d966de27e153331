"""Lambda authorizers of REST APIs (`sluice.local.apigateway.authorizers`), declared as SAM declares them
(`Auth.DefaultAuthorizer`, `Auth.Authorizers` with `FunctionArn`, an event's `Auth.Authorizer`).

AWS behaviour under test (API Gateway docs: "Input to an API Gateway Lambda authorizer", "Output from an
API Gateway Lambda authorizer"; AWS SAM docs: ApiAuth, LambdaTokenAuthorizer, LambdaRequestAuthorizer): a
request without its identity source is 401 and the authorizer never runs; `Unauthorized` raised is 401; a
deny is 403 with IAM's message; a failure or a malformed answer is 500; an allowed request reaches the
function with `requestContext.authorizer` holding `principalId` and the stringified `context`.
"""

from __future__ import annotations

import doctest
from collections.abc import Callable

import pytest

from sluice.local.apigateway import authorizers
from sluice.local.stack import LocalStack

AUTHORIZER = """\
def token(event, context):
    verdict = event["authorizationToken"].split(" ", 1)[1]
    if verdict == "nope":
        raise Exception("Unauthorized")
    if verdict == "boom":
        raise RuntimeError("the user store is down")
    if verdict == "junk":
        return {"hello": 1}
    effect = "Deny" if verdict == "deny" else "Allow"
    resource = event["methodArn"].rsplit("/", 2)[0] + "/GET/*" if verdict == "wildcard" else event["methodArn"]
    return {"principalId": "ada",
            "policyDocument": {"Version": "2012-10-17", "Statement": [
                {"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}]},
            "context": {"user": "ada", "admin": True, "level": 3}}


def request(event, context):
    return {"principalId": event["headers"]["X-Tenant"],
            "policyDocument": {"Version": "2012-10-17", "Statement": [
                {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": event["methodArn"]}]}}

"""

ITEMS = """\
import json


def handler(event, context):
    return {"statusCode": 200, "body": json.dumps({"authorizer": event["requestContext"].get("authorizer")})}
"""

TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  ItemsApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: Prod
      Auth:
        DefaultAuthorizer: TokenAuth
        Authorizers:
          TokenAuth:
            FunctionArn: !GetAtt TokenFunction.Arn
            Identity:
              ValidationExpression: 'Bearer .*'
          TenantAuth:
            FunctionArn: !GetAtt RequestFunction.Arn
            FunctionPayloadType: REQUEST
            Identity:
              Headers: [X-Tenant]
              QueryStrings: [key]
  TokenFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: auth/
      Handler: app.token
      Runtime: python3.13
  RequestFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: auth/
      Handler: app.request
      Runtime: python3.13
  ItemsFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: items/
      Handler: app.handler
      Runtime: python3.13
      Events:
        Items:
          Type: Api
          Properties: {RestApiId: !Ref ItemsApi, Path: /items, Method: get}
        Public:
          Type: Api
          Properties: {RestApiId: !Ref ItemsApi, Path: /public, Method: get, Auth: {Authorizer: NONE}}
        Tenants:
          Type: Api
          Properties: {RestApiId: !Ref ItemsApi, Path: /tenants, Method: get, Auth: {Authorizer: TenantAuth}}
        Orders:
          Type: Api
          Properties: {RestApiId: !Ref ItemsApi, Path: /orders, Method: get}
"""


@pytest.fixture
def stack(start_stack: Callable[..., LocalStack]) -> LocalStack:
    return start_stack(TEMPLATE, {"auth/app.py": AUTHORIZER, "items/app.py": ITEMS})


def bearer(verdict: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {verdict}"}


def test_the_modules_example_holds() -> None:
    assert doctest.testmod(authorizers).failed == 0


def test_an_allowed_request_reaches_the_function_with_the_authorizers_context(stack: LocalStack) -> None:
    response = stack.api_request("GET", "/items", headers=bearer("allow"))
    assert response.status == 200
    assert response.json()["authorizer"] == {"principalId": "ada", "user": "ada", "admin": "true", "level": "3",
                                             "integrationLatency": 0}
    [event] = [invocation.event for invocation in stack.invocations("TokenFunction")]
    api_id = stack.template.ref("ItemsApi")
    assert event == {"type": "TOKEN", "authorizationToken": "Bearer allow",
                     "methodArn": f"arn:aws:execute-api:us-east-1:{stack.template.account}:{api_id}/Prod/GET/items"}
    assert stack.warnings == []  # Lambda authorizers are enforced, not warned about


@pytest.mark.parametrize(("headers", "status", "body"), [
    ({}, 401, {"message": "Unauthorized"}),
    ({"Authorization": "Basic abc"}, 401, {"message": "Unauthorized"}),  # fails the ValidationExpression
    (bearer("nope"), 401, {"message": "Unauthorized"}),
    (bearer("deny"), 403, {"Message": "User is not authorized to access this resource with an explicit deny"}),
    (bearer("boom"), 500, {"message": None}),
    (bearer("junk"), 500, {"message": None}),
])
def test_a_refused_request_never_reaches_the_function(stack: LocalStack, headers: dict[str, str], status: int,
                                                      body: dict[str, object]) -> None:
    response = stack.api_request("GET", "/items", headers=headers)
    assert (response.status, response.json()) == (status, body)
    assert stack.invocations("ItemsFunction") == []
    [root] = [activity for activity in stack.trace.roots if activity.kind == "api"]
    assert not root.ok
    ran = len(stack.invocations("TokenFunction"))
    assert ran == (0 if status == 401 and headers in ({}, {"Authorization": "Basic abc"}) else 1)


def test_a_wildcard_policy_allows_the_methods_it_names(stack: LocalStack) -> None:
    assert stack.api_request("GET", "/items", headers=bearer("wildcard")).status == 200
    assert stack.api_request("GET", "/orders", headers=bearer("wildcard")).status == 200  # from the cache
    assert len(stack.invocations("TokenFunction")) == 1


def test_a_cached_policy_naming_one_method_refuses_the_others_until_it_expires(stack: LocalStack) -> None:
    # The classic production surprise: the policy names /items only; cached for the token (300 s by
    # default), it is what API Gateway applies to /orders too, without running the authorizer.
    assert stack.api_request("GET", "/items", headers=bearer("allow")).status == 200
    refused = stack.api_request("GET", "/orders", headers=bearer("allow"))
    assert (refused.status, refused.json()) == (403, {"Message": "User is not authorized to access this resource"})
    assert len(stack.invocations("TokenFunction")) == 1
    stack.advance(301)
    assert stack.api_request("GET", "/orders", headers=bearer("allow")).status == 200
    assert len(stack.invocations("TokenFunction")) == 2


def test_reauthorize_every_0_runs_the_authorizer_for_every_request(start_stack: Callable[..., LocalStack]) -> None:
    uncached = TEMPLATE.replace("              ValidationExpression: 'Bearer .*'\n",
                                "              ValidationExpression: 'Bearer .*'\n              ReauthorizeEvery: 0\n")
    stack = start_stack(uncached, {"auth/app.py": AUTHORIZER, "items/app.py": ITEMS})
    assert stack.api_request("GET", "/items", headers=bearer("allow")).status == 200
    assert stack.api_request("GET", "/orders", headers=bearer("allow")).status == 200
    assert len(stack.invocations("TokenFunction")) == 2


def test_a_route_without_authorizer_and_a_request_authorizer(stack: LocalStack) -> None:
    assert stack.api_request("GET", "/public").json() == {"authorizer": None}
    assert stack.api_request("GET", "/tenants?key=1").status == 401  # no X-Tenant header
    assert stack.api_request("GET", "/tenants", headers={"X-Tenant": "acme"}).status == 401  # no key
    response = stack.api_request("GET", "/tenants?key=1", headers={"X-Tenant": "acme"})
    assert response.json()["authorizer"]["principalId"] == "acme"
    [event] = [invocation.event for invocation in stack.invocations("RequestFunction")]
    assert (event["type"], event["httpMethod"], event["resource"], event["queryStringParameters"]) == \
        ("REQUEST", "GET", "/tenants", {"key": "1"})
    assert event["methodArn"].endswith("/Prod/GET/tenants") and "body" not in event


def test_a_cognito_authorizer_of_another_stacks_pool_checks_the_token_and_says_what_it_cannot(
        start_stack: Callable[..., LocalStack]) -> None:
    cognito = TEMPLATE.replace("""          TenantAuth:
            FunctionArn: !GetAtt RequestFunction.Arn
            FunctionPayloadType: REQUEST
            Identity:
              Headers: [X-Tenant]
              QueryStrings: [key]
""", """          TenantAuth:
            UserPoolArn: arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abc
""")
    stack = start_stack(cognito, {"auth/app.py": AUTHORIZER, "items/app.py": ITEMS})
    assert any("tokens of https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc are checked for issuer, "
               "audience, expiry and scopes, not for their signature" in warning for warning in stack.warnings)
    assert stack.api_request("GET", "/tenants").status == 401  # no token: API Gateway refuses it itself


HTTP_AUTHORIZER = """\
def simple(event, context):
    allowed = event["identitySource"] == ["let-me-in"]
    if event["headers"].get("authorization") == "crash":
        raise RuntimeError("the user store is down")
    return {"isAuthorized": allowed, "context": {"tenant": "acme", "tier": 2}}


def policy(event, context):
    effect = "Allow" if event["authorizationToken"] == "let-me-in" else "Deny"
    return {"principalId": "ada", "context": {"tenant": "globex"},
            "policyDocument": {"Version": "2012-10-17", "Statement": [
                {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}]}}
"""

HTTP_ITEMS = """\
import json


def handler(event, context):
    return {"authorizer": event["requestContext"].get("authorizer")}
"""

HTTP_TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  ItemsApi:
    Type: AWS::Serverless::HttpApi
    Properties:
      Auth:
        DefaultAuthorizer: SimpleAuth
        Authorizers:
          SimpleAuth:
            FunctionArn: !GetAtt SimpleFunction.Arn
            AuthorizerPayloadFormatVersion: '2.0'
            EnableSimpleResponses: true
            Identity:
              Headers: [Authorization]
          PolicyAuth:
            FunctionArn: !GetAtt PolicyFunction.Arn
            AuthorizerPayloadFormatVersion: '1.0'
            Identity:
              Headers: [Authorization]
  SimpleFunction:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: auth/, Handler: app.simple, Runtime: python3.13}
  PolicyFunction:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: auth/, Handler: app.policy, Runtime: python3.13}
  ItemsFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: items/
      Handler: app.handler
      Runtime: python3.13
      Events:
        Items:
          Type: HttpApi
          Properties: {ApiId: !Ref ItemsApi, Path: /items, Method: GET}
        Legacy:
          Type: HttpApi
          Properties: {ApiId: !Ref ItemsApi, Path: /legacy, Method: GET, Auth: {Authorizer: PolicyAuth}}
"""


@pytest.fixture
def http(start_stack: Callable[..., LocalStack]) -> LocalStack:
    return start_stack(HTTP_TEMPLATE, {"auth/app.py": HTTP_AUTHORIZER, "items/app.py": HTTP_ITEMS})


def test_an_http_api_simple_response_authorizer(http: LocalStack) -> None:
    assert http.warnings == []
    allowed = http.api_request("GET", "/items", headers={"Authorization": "let-me-in"})
    assert (allowed.status, allowed.json()) == (200, {"authorizer": {"lambda": {"tenant": "acme", "tier": 2}}})
    [event] = [invocation.event for invocation in http.invocations("SimpleFunction")]
    api_id = http.template.ref("ItemsApi")
    assert (event["version"], event["type"], event["identitySource"], event["routeKey"]) == \
        ("2.0", "REQUEST", ["let-me-in"], "GET /items")
    assert event["routeArn"] == f"arn:aws:execute-api:us-east-1:{http.template.account}:{api_id}/$default/GET/items"

    refused = http.api_request("GET", "/items", headers={"Authorization": "wrong"})
    assert (refused.status, refused.json()) == (403, {"message": "Forbidden"})
    assert http.api_request("GET", "/items").json() == {"message": "Unauthorized"}
    crashed = http.api_request("GET", "/items", headers={"Authorization": "crash"})
    assert (crashed.status, crashed.json()) == (500, {"message": "Internal Server Error"})
    assert len(http.invocations("ItemsFunction")) == 1


def test_an_http_api_policy_authorizer_with_payload_1_0(http: LocalStack) -> None:
    allowed = http.api_request("GET", "/legacy", headers={"Authorization": "let-me-in"})
    assert allowed.json() == {"authorizer": {"lambda": {"tenant": "globex"}}}
    [event] = [invocation.event for invocation in http.invocations("PolicyFunction")]
    assert (event["version"], event["identitySource"], event["httpMethod"]) == ("1.0", "let-me-in", "GET")
    assert http.api_request("GET", "/legacy", headers={"Authorization": "no"}).status == 403
