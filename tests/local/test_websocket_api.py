"""WebSocket APIs served in-process: a chat application in the style of the public WebSocket examples
(connections kept in DynamoDB, messages fanned out with `apigatewaymanagementapi`), written here in our
own words.

AWS behaviour under test (API Gateway developer guide, "Working with WebSocket APIs"):
- "Working with routes": the route selection expression (`$request.body.action`) picks a route from a
  JSON message; a message that is not JSON, or names no route, takes `$default`; with no `$default`
  the client is sent `{"message": "Forbidden", "connectionId", "requestId"}`.
- "Set up WebSocket API integrations": the Lambda proxy events of `$connect` (headers, query string),
  messages (`body`, `messageId`) and `$disconnect` (`disconnectStatusCode`); Powertools' parser models
  of those events (built from AWS's samples) read ours.
- "Set up route responses": only a two-way route sends the integration's answer back.
- "Use @connections commands in your backend service": `PostToConnection`, `GetConnection` and
  `DeleteConnection`; a connection that is gone, or still in `$connect`, is `GoneException` (410).
- "Control access to WebSocket APIs with Lambda REQUEST authorizers": identity sources on `$connect`,
  401 without them, 403 on a deny, and the authorizer's context on every later event.
- Quotas: a message over 128 KB closes the connection with 1009.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sluice.local.apigateway.websocket.gateway import ConnectionRefused
from sluice.local.errors import StackError, TemplateError
from sluice.local.stack import LocalStack
from tests.local.templates import function, invocation_uri, sam_template, websocket_api, websocket_route

HANDLERS = """\
import json
import os

import boto3
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import (
    APIGatewayWebSocketConnectEventModel,
    APIGatewayWebSocketDisconnectEventModel,
    APIGatewayWebSocketMessageEventModel,
)

table = boto3.resource("dynamodb").Table(os.environ["TABLE"])


def management(context):
    return boto3.client("apigatewaymanagementapi", endpoint_url=f"https://{context['domainName']}/{context['stage']}")


def on_connect(event, context):
    connected = parse(event=event, model=APIGatewayWebSocketConnectEventModel)
    name = (event.get("queryStringParameters") or {}).get("name", "anonymous")
    if name == "mallory":
        return {"statusCode": 403}
    try:  # too early: the connection is not established until $connect answers
        management(event["requestContext"]).post_to_connection(ConnectionId=connected.request_context.connection_id,
                                                               Data=b"too early")
    except Exception as error:
        name += "/" + type(error).__name__
    table.put_item(Item={"id": connected.request_context.connection_id, "name": name,
                         "agent": event["headers"].get("User-Agent", "")})
    return {"statusCode": 200}


def on_disconnect(event, context):
    gone = parse(event=event, model=APIGatewayWebSocketDisconnectEventModel)
    table.delete_item(Key={"id": gone.request_context.connection_id})
    table.put_item(Item={"id": "closed#" + gone.request_context.connection_id,
                         "code": gone.request_context.disconnect_status_code})
    return {"statusCode": 200}


def send_message(event, context):
    message = parse(event=event, model=APIGatewayWebSocketMessageEventModel)
    api = management(event["requestContext"])
    text = json.loads(event["body"])["data"]
    for item in table.scan()["Items"]:
        if item["id"].startswith("closed#"):
            continue
        try:
            api.post_to_connection(ConnectionId=item["id"], Data=text.encode())
        except api.exceptions.GoneException:
            table.delete_item(Key={"id": item["id"]})
    return {"statusCode": 200, "body": message.request_context.message_id}


def echo(event, context):
    context_ = event["requestContext"]
    # The status as text, as some public examples answer it: API Gateway reads the digits.
    answer = {"route": context_["routeKey"], "body": event["body"], "authorizer": context_.get("authorizer")}
    return {"statusCode": "200", "isBase64Encoded": "false", "body": json.dumps(answer)}


def fail(event, context):
    raise RuntimeError("the handler broke")


def whoami(event, context):
    api = management(event["requestContext"])
    connection = event["requestContext"]["connectionId"]
    info = api.get_connection(ConnectionId=connection)
    api.post_to_connection(ConnectionId=connection, Data=json.dumps(
        {"sourceIp": info["Identity"]["SourceIp"], "connectedAt": info["ConnectedAt"].isoformat()}).encode())
    if json.loads(event["body"]).get("leave"):
        api.delete_connection(ConnectionId=connection)
    return {"statusCode": 200}


def flood(event, context):
    api = management(event["requestContext"])
    for _ in range(int(json.loads(event["body"])["count"])):
        api.post_to_connection(ConnectionId=event["requestContext"]["connectionId"], Data=b"x" * 100_000)
    return {"statusCode": 200}


def authorize(event, context):
    token = event["queryStringParameters"].get("token", "")
    effect = "Allow" if token == "letmein" else "Deny"
    return {"principalId": "ada", "context": {"team": "data", "admin": True},
            "policyDocument": {"Version": "2012-10-17", "Statement": [
                {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}]}}
"""

CONNECTIONS = """\
  Connections:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
"""


# A model the sendmessage route validates messages against (chosen by the action, as in the public examples).
MESSAGE_MODEL = """\
  MessageModel:
    Type: AWS::ApiGatewayV2::Model
    Properties:
      ApiId: !Ref ChatApi
      Name: message
      ContentType: application/json
      Schema:
        $schema: http://json-schema.org/draft-04/schema#
        type: object
        required: [action, data]
        properties:
          data: {type: string, maxLength: 20}
"""
VALIDATED = """\
      ModelSelectionExpression: $request.body.action
      RequestModels:
        sendmessage: message
"""


def chat_template(*, default_route: bool = True, authorizer: bool = False, validated: bool = False) -> str:
    functions = "".join(function(name, handler=f"chat.{handler}") for name, handler in (
        ("OnConnect", "on_connect"), ("OnDisconnect", "on_disconnect"), ("SendMessage", "send_message"),
        ("Echo", "echo"), ("Fail", "fail"), ("WhoAmI", "whoami"), ("Authorize", "authorize"), ("Flood", "flood")))
    connect_auth = """\
      AuthorizationType: CUSTOM
      AuthorizerId: !Ref TokenAuthorizer
""" if authorizer else ""
    routes = (websocket_route("ChatApi", "Connect", "$connect", "OnConnect", route_properties=connect_auth)
              + websocket_route("ChatApi", "Disconnect", "$disconnect", "OnDisconnect")
              + websocket_route("ChatApi", "Send", "sendmessage", "SendMessage",
                                route_properties=VALIDATED if validated else "")
              + (MESSAGE_MODEL if validated else "")
              + websocket_route("ChatApi", "Echo", "echo", "Echo", two_way=True)
              + websocket_route("ChatApi", "Fail", "fail", "Fail", two_way=True)
              + websocket_route("ChatApi", "WhoAmI", "whoami", "WhoAmI")
              + websocket_route("ChatApi", "Flood", "flood", "Flood"))
    if default_route:
        routes += websocket_route("ChatApi", "Default", "$default", "Echo", two_way=True)
    token_authorizer = f"""\
  TokenAuthorizer:
    Type: AWS::ApiGatewayV2::Authorizer
    Properties:
      Name: token
      ApiId: !Ref ChatApi
      AuthorizerType: REQUEST
      AuthorizerUri: !Sub {invocation_uri("Authorize")}
      IdentitySource: [route.request.querystring.token]
""" if authorizer else ""
    return (sam_template("A WebSocket chat", Runtime="python3.13", CodeUri="src/", Timeout=10,
                         Environment={"Variables": {"TABLE": "!Ref Connections"}})
            + CONNECTIONS + functions + websocket_api("ChatApi") + routes + token_authorizer + """\
Outputs:
  WebSocketURL:
    Value: !Sub wss://${ChatApi}.execute-api.${AWS::Region}.amazonaws.com/${ChatApiStage}
""")


@pytest.fixture
def chat(start_stack: Callable[..., LocalStack]) -> LocalStack:
    return start_stack(chat_template(), {"src/chat.py": HANDLERS})


def test_a_message_reaches_its_route_and_the_function_posts_it_to_every_connection(chat: LocalStack) -> None:
    ada = chat.websocket_connect(chat.template.outputs()["WebSocketURL"] + "?name=ada", headers={"User-Agent": "wscat"})
    bob = chat.websocket_connect(query="name=bob")
    table = {item["id"]: item for item in chat.items("Connections")}
    assert set(table) == {ada.id, bob.id}
    assert table[ada.id]["agent"] == "wscat"

    ada.send({"action": "sendmessage", "data": "hello, Ünïcode"})

    assert ada.received == bob.received == ["hello, Ünïcode"]  # one-way: the function's own answer is not sent


def test_connect_sees_the_apis_domain_as_host_whatever_a_local_client_sent(chat: LocalStack) -> None:
    client = chat.websocket_connect(query="name=ada&name=bob",
                                    headers={"Host": "127.0.0.1:4566", "X-Client": "probe"})

    [connected] = chat.invocations("OnConnect")
    event = connected.event
    domain = f"{chat.world.websockets.api().api_id}.execute-api.us-east-1.amazonaws.com"  # type: ignore[union-attr]
    assert event["headers"]["Host"] == domain == event["requestContext"]["domainName"]
    assert event["multiValueHeaders"]["Host"] == [domain] and event["headers"]["X-Client"] == "probe"
    assert event["multiValueQueryStringParameters"] == {"name": ["ada", "bob"]}
    assert event["requestContext"]["connectionId"] == client.id
    # What a handshake carries, as AWS's sample `$connect` input shows it.
    assert (event["headers"]["Upgrade"], event["headers"]["Connection"]) == ("websocket", "upgrade")
    assert len(base64.b64decode(event["headers"]["Sec-WebSocket-Key"])) == 16
    assert event["headers"]["X-Amzn-Trace-Id"].startswith("Root=1-")


def test_posting_to_a_connection_still_in_its_connect_is_gone(chat: LocalStack) -> None:
    ada = chat.websocket_connect(query="name=ada")
    [item] = chat.items("Connections")
    assert (item["id"], item["name"]) == (ada.id, "ada/GoneException")
    assert ada.received == []


def test_a_refusing_connect_route_refuses_the_connection_and_it_never_exists(chat: LocalStack) -> None:
    with pytest.raises(ConnectionRefused) as refused:
        chat.websocket_connect(query="name=mallory")
    assert refused.value.status == 403
    assert chat.items("Connections") == []


def test_only_a_two_way_route_answers_and_a_non_json_message_takes_the_default_route(chat: LocalStack) -> None:
    client = chat.websocket_connect()

    client.send({"action": "echo", "n": 1})
    client.send("plain text, not JSON")
    client.send({"action": "nothing-by-that-name"})

    routes = [(answer["route"], answer["body"]) for answer in client.json()]
    assert routes == [("echo", '{"action": "echo", "n": 1}'), ("$default", "plain text, not JSON"),
                      ("$default", '{"action": "nothing-by-that-name"}')]


def test_without_a_default_route_an_unrouted_message_is_forbidden(start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(chat_template(default_route=False), {"src/chat.py": HANDLERS})
    client = stack.websocket_connect()

    client.send("hello?")

    [answer] = client.json()
    assert answer["message"] == "Forbidden"
    assert answer["connectionId"] == client.id and answer["requestId"]
    assert "no route" in stack.trace.roots[-1].title


def test_a_failing_function_sends_the_client_internal_server_error_and_is_said(chat: LocalStack) -> None:
    client = chat.websocket_connect()

    client.send({"action": "fail"})

    [answer] = client.json()
    assert answer == {"message": "Internal server error", "connectionId": client.id,
                      "requestId": answer["requestId"]}
    failed = chat.trace.roots[-1]
    assert failed.status == "failed" and "the handler broke" in failed.detail["error"]


def test_a_message_failing_its_routes_model_is_refused_before_the_function_runs(
        start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(chat_template(validated=True), {"src/chat.py": HANDLERS})
    client = stack.websocket_connect()

    client.send({"action": "sendmessage"})
    client.send({"action": "sendmessage", "data": "far too long for the model"})
    client.send({"action": "sendmessage", "data": "fits"})

    refusals = client.json()[:2]
    assert [answer["message"] for answer in refusals] == ["Invalid request body"] * 2
    assert client.received[2:] == ["fits"]
    assert len(stack.invocations("SendMessage")) == 1
    assert not [warning for warning in stack.warnings if "MessageModel" in warning]


def test_closing_runs_disconnect_with_the_close_code(chat: LocalStack) -> None:
    ada = chat.websocket_connect(query="name=ada")
    bob = chat.websocket_connect(query="name=bob")

    ada.close(1001, "going away")
    bob.send({"action": "sendmessage", "data": "anyone?"})

    items = {item["id"]: item for item in chat.items("Connections")}
    assert items["closed#" + ada.id]["code"] == 1001 and ada.id not in items
    assert ada.received == [] and bob.received == ["anyone?"]
    with pytest.raises(StackError, match="closed"):
        ada.send({"action": "echo"})


def test_get_and_delete_connection_from_a_function(chat: LocalStack) -> None:
    closes: list[tuple[int, str]] = []
    client = chat.world.websockets.connect(api="ChatApi", source_ip="203.0.113.9",  # type: ignore[union-attr]
                                           on_close=lambda code, reason: closes.append((code, reason)))

    client.send({"action": "whoami"})
    client.send({"action": "whoami", "leave": True})

    first = client.json()[0]
    assert first["sourceIp"] == "203.0.113.9" and first["connectedAt"].endswith("+00:00")
    assert not client.open and closes == [(1000, "")]
    assert {item["id"]: item for item in chat.items("Connections")}["closed#" + client.id]["code"] == 1000
    gone = boto3.client("apigatewaymanagementapi", endpoint_url="https://example.execute-api.us-east-1.amazonaws.com/x")
    with pytest.raises(gone.exceptions.GoneException):
        gone.post_to_connection(ConnectionId=client.id, Data=b"late")


def test_a_message_over_128_kb_closes_the_connection_with_1009(chat: LocalStack) -> None:
    closes: list[int] = []
    client = chat.world.websockets.connect(api="ChatApi",  # type: ignore[union-attr]
                                           on_close=lambda code, reason: closes.append(code))

    client.send({"action": "echo", "padding": "x" * (128 * 1024)})

    assert closes == [1009] and not client.open and client.received == []


def test_a_request_authorizer_guards_connect_and_its_context_reaches_every_route(
        start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(chat_template(authorizer=True), {"src/chat.py": HANDLERS})

    with pytest.raises(ConnectionRefused) as missing:
        stack.websocket_connect()
    with pytest.raises(ConnectionRefused) as denied:
        stack.websocket_connect(query="token=guess")
    client = stack.websocket_connect(query="token=letmein")
    client.send({"action": "echo"})

    assert (missing.value.status, denied.value.status) == (401, 403)
    assert client.json()[0]["authorizer"] == {"principalId": "ada", "team": "data", "admin": "true",
                                              "integrationLatency": 0}


def test_a_url_names_the_api_and_its_stage(chat: LocalStack) -> None:
    url = chat.template.outputs()["WebSocketURL"]
    assert chat.websocket_connect(url).open
    with pytest.raises(ConnectionRefused) as wrong_stage:
        chat.websocket_connect(url.rsplit("/", 1)[0] + "/dev")
    assert wrong_stage.value.status == 403
    with pytest.raises(StackError, match="not a WebSocket API's URL"):
        chat.websocket_connect("wss://example.com/production")


# An API in front of a workflow, no function between (the style of the public Step Functions examples):
# the message is the execution's input, and the two-way route answers with the execution's ARN.
WORKFLOW = sam_template("A WebSocket API starting a workflow") + websocket_api("JobsApi") + """\
  Jobs:
    Type: AWS::Serverless::StateMachine
    Properties:
      Definition:
        StartAt: Done
        States:
          Done: {Type: Pass, End: true}
""" + websocket_route("JobsApi", "Start", "$default", two_way=True, integration="""\
      IntegrationType: AWS
      IntegrationMethod: POST
      IntegrationUri: !Sub arn:aws:apigateway:${AWS::Region}:states:action/StartExecution
      TemplateSelectionExpression: request.body.kind
      RequestTemplates:
        nightly: !Sub >-
          {"input": "$util.escapeJavaScript($input.body)", "stateMachineArn": "${Jobs}",
          "name": "nightly-$context.connectionId.hashCode()"}
        $default: !Sub '{"input": "{}", "stateMachineArn": "${Jobs}"}'
""") + websocket_route("JobsApi", "Connect", "$connect", integration="""\
      IntegrationType: MOCK
      TemplateSelectionExpression: '200'
      RequestTemplates:
        '200': '{"statusCode": 200}'
""")


def test_a_service_integration_chooses_its_template_by_the_message_and_answers_two_way(
        start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(WORKFLOW)
    client = stack.websocket_connect()

    client.send({"kind": "nightly", "day": "monday"})
    client.send({"kind": "other"})
    stack.run_until_idle()

    arns = [answer["executionArn"] for answer in client.json()]
    executions = {execution["executionArn"]: execution for execution in boto3.client(
        "stepfunctions").list_executions(stateMachineArn=stack.arn("Jobs"))["executions"]}
    assert set(arns) == set(executions)
    nightly = boto3.client("stepfunctions").describe_execution(executionArn=arns[0])
    assert nightly["name"].startswith("nightly-")
    assert json.loads(nightly["input"]) == {"kind": "nightly", "day": "monday"}
    assert json.loads(boto3.client("stepfunctions").describe_execution(executionArn=arns[1])["input"]) == {}


@pytest.mark.parametrize(("change", "warning"), [
    (("IntegrationType: AWS_PROXY", "IntegrationType: HTTP_PROXY"),
     "route 'echo': HTTP_PROXY integrations of WebSocket APIs are not served locally"),
    (("StageName: production", "Description: no stage name"), "no AWS::ApiGatewayV2::Stage deploys this WebSocket API"),
    (("AuthorizationType: CUSTOM", "AuthorizationType: AWS_IAM"), "$connect's AWS_IAM authorization is not enforced"),
])
def test_what_a_websocket_api_does_not_serve_is_warned_about(start_stack: Callable[..., LocalStack],
                                                             change: tuple[str, str], warning: str) -> None:
    template = chat_template(authorizer=True).replace(*change)
    stack = start_stack(template, {"src/chat.py": HANDLERS})
    assert any(warning in message for message in stack.warnings), stack.warnings


def test_shapes_cloudformation_refuses_are_one_line_errors_never_crashes(
        start_stack: Callable[..., LocalStack]) -> None:
    """Found by the WebSocket template mutation campaign (docs/RELIABILITY.md): both crashed the start."""
    template = chat_template(authorizer=True)
    with pytest.raises(TemplateError, match="IdentitySource must be a list"):
        start_stack(template.replace("IdentitySource: [route.request.querystring.token]", "IdentitySource: 7"),
                    {"src/chat.py": HANDLERS})
    stack = start_stack(template.replace("RouteId: !Ref EchoRoute", "RouteId: {Name: echo}"),
                        {"src/chat.py": HANDLERS})
    client = stack.websocket_connect(query="token=letmein")
    client.send({"action": "echo"})
    assert client.received == []  # the route response names no route of the API: one-way


MESSAGES = st.one_of(st.text(max_size=60), st.binary(max_size=60),
                     st.dictionaries(st.sampled_from(["action", "data", "kind", "leave"]),
                                     st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=10),
                                               st.lists(st.integers(), max_size=2)), max_size=3)
                     # (`whoami` with `leave` deletes the connection: a route's own doing, not hostile input)
                     .filter(lambda message: message.get("action") != "whoami"))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(messages=st.lists(MESSAGES, min_size=1, max_size=4), query=st.text(max_size=20))
def test_hostile_messages_are_answered_or_routed_never_raised(chat: LocalStack, messages: list[object],
                                                              query: str) -> None:
    """Any text, bytes or JSON a client sends takes a route or is answered by API Gateway itself; each
    is a root of the trace, and the connection stays open."""
    client = chat.websocket_connect(query=query)
    before = len(chat.trace.roots)

    for message in messages:
        client.send(message)  # type: ignore[arg-type]

    assert client.open
    assert len(chat.trace.roots) - before == len(messages)
    for answer in client.json():
        assert not isinstance(answer, dict) or answer.get("message") != "Forbidden"  # the chat has $default
    client.close()
