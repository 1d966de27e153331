"""Cognito user pool authorizers (REST) and JWT authorizers (HTTP) check the caller's token, with a user pool
of the template and tokens its local Cognito issues, as public applications put Cognito in front of their
APIs (templates written here in our own words).

AWS behaviour under test (API Gateway docs: "Control access to REST APIs using Amazon Cognito user pools as
an authorizer", "Control access to HTTP APIs with JWT authorizers"; AWS SAM docs: CognitoAuthorizer,
OAuth2Authorizer): no token, a token that is not a JWT, a forged or expired one, or one from another
issuer is 401 `{"message": "Unauthorized"}`; a REST API takes an ID token (an access token when the route
names scopes); an HTTP API checks `aud`/`client_id` against its audience and accepts `Bearer `; a route's
scopes the token lacks are REST 401, HTTP 403; the function sees the claims
(`requestContext.authorizer.claims`; HTTP `requestContext.authorizer.jwt`).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sluice.local.stack import LocalStack
from tests.local.templates import function, invocation_uri, sam_template

HANDLER = """\
import json

def handler(event, context):
    return {"statusCode": 200, "body": json.dumps(event["requestContext"].get("authorizer"))}
"""

POOL = """\
  Users:
    Type: AWS::Cognito::UserPool
    Properties:
      UserPoolName: users
  WebClient:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref Users
      ExplicitAuthFlows: [ALLOW_ADMIN_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
  OtherClient:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref Users
      ExplicitAuthFlows: [ALLOW_ADMIN_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
"""

REST = sam_template("Orders behind Cognito", Runtime="python3.13", CodeUri="src/") + POOL + """\
  OrdersApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: v1
      Auth:
        DefaultAuthorizer: UsersAuth
        Authorizers:
          UsersAuth:
            UserPoolArn: !GetAtt Users.Arn
""" + function("Orders", handler="app.handler", properties="""\
      Events:
        List:
          Type: Api
          Properties: {RestApiId: !Ref OrdersApi, Path: /orders, Method: get}
        Admin:
          Type: Api
          Properties:
            RestApiId: !Ref OrdersApi
            Path: /admin
            Method: get
            Auth: {AuthorizationScopes: [orders/admin]}
        Health:
          Type: Api
          Properties:
            RestApiId: !Ref OrdersApi
            Path: /health
            Method: get
            Auth: {Authorizer: NONE}
""")

HTTP = sam_template("Orders behind a JWT authorizer", Runtime="python3.13", CodeUri="src/") + POOL + """\
  OrdersHttpApi:
    Type: AWS::Serverless::HttpApi
    Properties:
      Auth:
        DefaultAuthorizer: UsersJwt
        Authorizers:
          UsersJwt:
            IdentitySource: $request.header.Authorization
            JwtConfiguration:
              issuer: !Sub https://cognito-idp.${AWS::Region}.amazonaws.com/${Users}
              audience: [!Ref WebClient]
""" + function("Orders", handler="app.handler", properties="""\
      Events:
        List:
          Type: HttpApi
          Properties: {ApiId: !Ref OrdersHttpApi, Path: /orders, Method: get}
        Admin:
          Type: HttpApi
          Properties:
            ApiId: !Ref OrdersHttpApi
            Path: /admin
            Method: get
            Auth: {AuthorizationScopes: [orders/admin]}
""")


def tokens(stack: LocalStack, client: str = "WebClient") -> dict[str, str]:
    """A user of the template's pool, signed in through the local Cognito: its ID and access tokens."""
    cognito = stack.client("cognito-idp")
    pool = stack.template.ref("Users")
    try:
        cognito.admin_create_user(UserPoolId=pool, Username="ada", TemporaryPassword="Passw0rd!",
                                  MessageAction="SUPPRESS")
        cognito.admin_set_user_password(UserPoolId=pool, Username="ada", Password="Passw0rd!", Permanent=True)
    except cognito.exceptions.UsernameExistsException:
        pass
    result = cognito.admin_initiate_auth(UserPoolId=pool, ClientId=stack.template.ref(client),
                                         AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                         AuthParameters={"USERNAME": "ada", "PASSWORD": "Passw0rd!"})
    return {"id": result["AuthenticationResult"]["IdToken"], "access": result["AuthenticationResult"]["AccessToken"]}


def forged(token: str, **claims: Any) -> str:
    """`token` with its payload changed (its signature no longer holds)."""
    header, payload, signature = token.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))) | claims
    return ".".join([header, base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("="), signature])


def test_a_rest_cognito_authorizer_takes_only_a_valid_id_token(start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(REST, {"src/app.py": HANDLER})
    issued = tokens(stack)

    answers = {name: stack.api_request("GET", "/orders", headers=headers) for name, headers in {
        "none": {}, "junk": {"Authorization": "not-a-jwt"}, "access": {"Authorization": issued["access"]},
        "forged": {"Authorization": forged(issued["id"], **{"cognito:username": "mallory"})},
        "bearer": {"Authorization": "Bearer " + issued["id"]}, "id": {"Authorization": issued["id"]}}.items()}

    assert {name: answer.status for name, answer in answers.items()} == {
        "none": 401, "junk": 401, "access": 401, "forged": 401, "bearer": 401, "id": 200}
    assert answers["none"].json() == {"message": "Unauthorized"}
    claims = answers["id"].json()["claims"]
    assert claims["cognito:username"] == "ada" and claims["token_use"] == "id"
    assert claims["exp"].endswith(" UTC " + claims["exp"][-4:]) and len(claims["exp"].split()) == 6  # a Java date
    assert stack.api_request("GET", "/health").status == 200  # Authorizer: NONE


def test_a_token_expires_on_the_stacks_clock(start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(REST, {"src/app.py": HANDLER})
    token = tokens(stack)["id"]
    assert stack.api_request("GET", "/orders", headers={"Authorization": token}).status == 200

    stack.advance(3601)  # Cognito's ID tokens last an hour

    assert stack.api_request("GET", "/orders", headers={"Authorization": token}).status == 401
    assert "expired" in stack.trace.roots[-1].detail["error"]


def test_a_route_with_scopes_takes_an_access_token_that_has_one(start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(REST, {"src/app.py": HANDLER})
    issued = tokens(stack)

    assert stack.api_request("GET", "/admin", headers={"Authorization": issued["id"]}).status == 401
    assert stack.api_request("GET", "/admin", headers={"Authorization": issued["access"]}).status == 401
    assert "none of the route's scopes" in stack.trace.roots[-1].detail["error"]


def test_an_http_jwt_authorizer_checks_issuer_and_audience(start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(HTTP, {"src/app.py": HANDLER})
    issued, other = tokens(stack), tokens(stack, "OtherClient")

    ok = stack.api_request("GET", "/orders", headers={"Authorization": "Bearer " + issued["id"]})
    access = stack.api_request("GET", "/orders", headers={"Authorization": issued["access"]})

    assert (ok.status, access.status) == (200, 200)
    jwt = ok.json()["jwt"]
    assert jwt["claims"]["cognito:username"] == "ada" and jwt["scopes"] is None
    assert stack.api_request("GET", "/orders").json() == {"message": "Unauthorized"}
    assert stack.api_request("GET", "/orders", headers={"Authorization": other["id"]}).status == 401  # audience
    refused = stack.api_request("GET", "/orders", headers={
        "Authorization": forged(issued["id"], iss="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other")})
    assert refused.status == 401
    scoped = stack.api_request("GET", "/admin", headers={"Authorization": issued["access"]})
    assert (scoped.status, scoped.json()) == (403, {"message": "Forbidden"})


@pytest.mark.parametrize("api", ["rest", "http"])
def test_no_authorizer_warning_is_left_for_what_is_now_enforced(start_stack: Callable[..., LocalStack],
                                                                api: str) -> None:
    stack = start_stack(REST if api == "rest" else HTTP, {"src/app.py": HANDLER})
    assert not [warning for warning in stack.warnings if "not enforced" in warning or "signature" in warning]


AUTHORIZER_HANDLER = """\
def handler(event, context):
    effect = "Allow" if event["authorizationToken"] == "allow" else "Deny"
    return {"principalId": "ada", "policyDocument": {"Version": "2012-10-17", "Statement": [
        {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}]}}
"""

RAW_REST = sam_template("A raw REST API guarded by Cognito and a Lambda authorizer", Runtime="python3.13",
                        CodeUri="src/") + POOL + function("Orders", handler="app.handler") + function(
    "Gatekeeper", handler="gate.handler") + """\
  OrdersApi:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: orders}
  OrdersResource:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref OrdersApi, ParentId: !GetAtt OrdersApi.RootResourceId, PathPart: orders}
  AuditResource:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref OrdersApi, ParentId: !GetAtt OrdersApi.RootResourceId, PathPart: audit}
  UsersAuthorizer:
    Type: AWS::ApiGateway::Authorizer
    Properties:
      Name: users
      RestApiId: !Ref OrdersApi
      Type: COGNITO_USER_POOLS
      IdentitySource: method.request.header.Authorization
      ProviderARNs: [!GetAtt Users.Arn]
  GateAuthorizer:
    Type: AWS::ApiGateway::Authorizer
    Properties:
      Name: gate
      RestApiId: !Ref OrdersApi
      Type: TOKEN
      IdentitySource: method.request.header.X-Gate
      AuthorizerUri: !Sub GATEKEEPER_URI
  ListOrders:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref OrdersApi
      ResourceId: !Ref OrdersResource
      HttpMethod: GET
      AuthorizationType: COGNITO_USER_POOLS
      AuthorizerId: !Ref UsersAuthorizer
      Integration:
        Type: AWS_PROXY
        IntegrationHttpMethod: POST
        Uri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Orders.Arn}/invocations
  ReadAudit:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref OrdersApi
      ResourceId: !Ref AuditResource
      HttpMethod: GET
      AuthorizationType: CUSTOM
      AuthorizerId: !Ref GateAuthorizer
      Integration:
        Type: AWS_PROXY
        IntegrationHttpMethod: POST
        Uri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Orders.Arn}/invocations
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: [ListOrders, ReadAudit]
    Properties: {RestApiId: !Ref OrdersApi, StageName: live}
""".replace("GATEKEEPER_URI", invocation_uri("Gatekeeper"))

RAW_HTTP = sam_template("A raw HTTP API guarded by a JWT authorizer", Runtime="python3.13", CodeUri="src/") + \
    POOL + function("Orders", handler="app.handler") + """\
  OrdersHttpApi:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: orders, ProtocolType: HTTP}
  UsersJwt:
    Type: AWS::ApiGatewayV2::Authorizer
    Properties:
      Name: users
      ApiId: !Ref OrdersHttpApi
      AuthorizerType: JWT
      IdentitySource: [$request.header.Authorization]
      JwtConfiguration:
        Issuer: !Sub https://cognito-idp.${AWS::Region}.amazonaws.com/${Users}
        Audience: [!Ref WebClient]
  OrdersIntegration:
    Type: AWS::ApiGatewayV2::Integration
    Properties: {ApiId: !Ref OrdersHttpApi, IntegrationType: AWS_PROXY, IntegrationUri: !GetAtt Orders.Arn,
                 PayloadFormatVersion: '2.0'}
  ListOrders:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref OrdersHttpApi
      RouteKey: GET /orders
      AuthorizationType: JWT
      AuthorizerId: !Ref UsersJwt
      Target: !Sub integrations/${OrdersIntegration}
  DefaultStage:
    Type: AWS::ApiGatewayV2::Stage
    Properties: {ApiId: !Ref OrdersHttpApi, StageName: $default, AutoDeploy: true}
"""


def test_a_raw_rest_apis_cognito_and_lambda_authorizers_guard_their_methods(
        start_stack: Callable[..., LocalStack]) -> None:
    """Raw methods' `AuthorizationType`/`AuthorizerId` were dropped: every method was open."""
    stack = start_stack(RAW_REST, {"src/app.py": HANDLER, "src/gate.py": AUTHORIZER_HANDLER})
    token = tokens(stack)["id"]

    assert stack.api_request("GET", "/orders").status == 401
    allowed = stack.api_request("GET", "/orders", headers={"Authorization": token})
    assert (allowed.status, allowed.json()["claims"]["cognito:username"]) == (200, "ada")
    assert stack.api_request("GET", "/audit").status == 401  # no X-Gate: refused before the authorizer runs
    assert stack.api_request("GET", "/audit", headers={"X-Gate": "deny"}).status == 403
    assert stack.api_request("GET", "/audit", headers={"X-Gate": "allow"}).json()["principalId"] == "ada"
    assert not [warning for warning in stack.warnings if "not enforced" in warning]


def test_a_raw_http_apis_jwt_authorizer_guards_its_route(start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(RAW_HTTP, {"src/app.py": HANDLER})

    assert stack.api_request("GET", "/orders").status == 401
    answer = stack.api_request("GET", "/orders", headers={"Authorization": "Bearer " + tokens(stack)["id"]})
    assert (answer.status, answer.json()["jwt"]["claims"]["cognito:username"]) == (200, "ada")


def _segment(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


CLAIM_VALUES = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=20),
                         st.lists(st.text(max_size=5), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(),
                                                                                     max_size=2))
TOKENS = st.one_of(
    st.text(max_size=80),
    st.builds(lambda a, b, c: f"{a}.{b}.{c}", st.text(max_size=10), st.text(max_size=30), st.text(max_size=10)),
    st.builds(lambda claims, signature: ".".join([_segment(b'{"alg":"RS256","kid":"dummy"}'),
                                                   _segment(json.dumps(claims).encode()), _segment(signature)]),
              st.dictionaries(st.sampled_from(["iss", "exp", "aud", "client_id", "token_use", "scope", "sub"]),
                              CLAIM_VALUES, max_size=7), st.binary(max_size=40)),
    st.builds(lambda payload: ".".join(["e30", _segment(payload), "sig"]), st.binary(max_size=60)),
)


@pytest.fixture
def guarded(start_stack: Callable[..., LocalStack]) -> LocalStack:
    return start_stack(HTTP, {"src/app.py": HANDLER})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(token=TOKENS, bearer=st.booleans(), data=st.data())
def test_hostile_tokens_are_refused_never_raised(guarded: LocalStack, token: str, bearer: bool,
                                                 data: st.DataObject) -> None:
    """Any text, malformed JWTs, claims of every JSON type (an `exp` that is text, a `scope` that is a
    list, an `iss` that is a number) and forged signatures, also under the pool's own issuer: API
    Gateway's 401/403, never an exception."""
    if data.draw(st.booleans()):  # the pool's issuer, so the signature check and what follows it run
        claims = data.draw(st.dictionaries(st.sampled_from(["exp", "aud", "token_use", "scope"]), CLAIM_VALUES))
        claims["iss"] = f"https://cognito-idp.us-east-1.amazonaws.com/{guarded.template.ref('Users')}"
        token = ".".join([_segment(b'{"alg":"RS256","kid":"dummy"}'), _segment(json.dumps(claims).encode()),
                          _segment(data.draw(st.binary(max_size=40)))])
    value = ("Bearer " if bearer else "") + token
    if any(ord(character) < 32 or ord(character) == 127 for character in value):
        value = value.encode("unicode_escape").decode()  # a header carries no control characters
    response = guarded.api_request("GET", "/orders", headers={"Authorization": value})
    assert response.status in (401, 403)
