"""API Gateway routes that call an AWS service, or answer as a mock, without a function in between:
the way a large share of public SAM applications put an API in front of SQS, Step Functions or
EventBridge (templates written here in our own words, in the styles those applications use).

AWS behaviour under test (API Gateway developer guide):
- "Set up an AWS service integration": a REST `AWS` integration's uri names the service and an action
  (`states:action/StartExecution`) or a path (`sqs:path/<account>/<queue>`); its mapping template,
  chosen by the request's Content-Type, is the service request's body; `requestParameters` set its
  headers (`integration.request.header.Content-Type`) from constants or the method request.
- "Mapping template reference": `$input.json('$')`, `$input.path`, `$input.params`, `$util.escapeJavaScript`,
  `$context.requestId`, and `$context.responseOverride.status`.
- "Integration responses": the response whose `selectionPattern` matches the service's status code,
  else the default one; a Lambda non-proxy integration matches the function's `errorMessage`; with
  none to choose, API Gateway answers 500 "Internal server error".
- "passthroughBehavior": `NEVER` refuses a Content-Type without a template with 415.
- "Integration subtype reference" (HTTP APIs): `SQS-SendMessage`'s `QueueUrl` and `MessageBody` mapped
  from `$request.body.<name>` and `$request.header.<name>`; `StepFunctions-StartExecution`.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sluice.local.errors import TemplateError
from sluice.local.stack import LocalStack

# A REST API of raw resources: POST / puts the body on a queue (the form protocol SQS still takes).
SQS_REST = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Orders:
    Type: AWS::SQS::Queue
  OrdersApi:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: orders-intake
  PostOrder:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref OrdersApi
      ResourceId: !GetAtt OrdersApi.RootResourceId
      HttpMethod: POST
      AuthorizationType: NONE
      Integration:
        Type: AWS
        IntegrationHttpMethod: POST
        Uri: !Sub arn:aws:apigateway:${AWS::Region}:sqs:path/${AWS::AccountId}/${Orders.QueueName}
        PassthroughBehavior: NEVER
        RequestParameters:
          integration.request.header.Content-Type: "'application/x-www-form-urlencoded'"
        RequestTemplates:
          application/json: Action=SendMessage&MessageBody=$util.urlEncode($input.body)
        IntegrationResponses:
          - StatusCode: "200"
            ResponseTemplates:
              application/json: '{"accepted": true, "request": "$context.requestId"}'
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: PostOrder
    Properties:
      RestApiId: !Ref OrdersApi
      StageName: v1
"""

# A SAM API whose OpenAPI body starts a workflow, and a mock health check choosing its status.
WORKFLOW_OPENAPI = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Approvals:
    Type: AWS::Serverless::StateMachine
    Properties:
      Definition:
        StartAt: Decide
        States:
          Decide:
            Type: Pass
            Parameters:
              "amount.$": "$.amount"
              approved: true
            End: true
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      DefinitionBody:
        swagger: "2.0"
        info: {title: approvals}
        paths:
          /approvals:
            post:
              x-amazon-apigateway-integration:
                type: aws
                httpMethod: POST
                uri: !Sub arn:aws:apigateway:${AWS::Region}:states:action/StartExecution
                passthroughBehavior: when_no_templates
                requestTemplates:
                  application/json: !Sub |
                    #set($body = $util.escapeJavaScript($input.json('$')))
                    #set($name = $input.params('name'))
                    {"input": "$body", #if($name != "")"name": "$name", #end"stateMachineArn": "${Approvals}"}
                responses:
                  "4\\\\d{2}":
                    statusCode: "400"
                    responseTemplates:
                      application/json: '{"error": "$input.path(''$.__type'')"}'
                  default:
                    statusCode: "202"
                    responseTemplates:
                      application/json: '{"execution": "$input.path(''$.executionArn'')"}'
          /health:
            get:
              x-amazon-apigateway-integration:
                type: mock
                requestTemplates:
                  application/json: |
                    #if($input.params('deep') == 'yes'){"statusCode": 503}#else{"statusCode": 200}#end
                responses:
                  "5\\\\d{2}":
                    statusCode: "503"
                    responseTemplates:
                      application/json: '{"status": "degraded"}'
                  default:
                    statusCode: "200"
                    responseTemplates:
                      application/json: |
                        #set($context.responseOverride.header.Cache-Control = "no-store")
                        {"status": "ok", "stage": "$context.stage"}
"""

# An HTTP API of raw resources sending to a queue (SQS-SendMessage) from the body and a header.
SQS_HTTP = """\
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Inbox:
    Type: AWS::SQS::Queue
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      Name: inbox
      ProtocolType: HTTP
  Send:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Api
      IntegrationType: AWS_PROXY
      IntegrationSubtype: SQS-SendMessage
      PayloadFormatVersion: "1.0"
      RequestParameters:
        QueueUrl: !Ref Inbox
        MessageBody: $request.body.message
        MessageAttributes: >-
          {"tenant": {"DataType": "String", "StringValue": "${request.header.x-tenant}"}}
  Route:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref Api
      RouteKey: POST /messages
      Target: !Sub integrations/${Send}
  Stage:
    Type: AWS::ApiGatewayV2::Stage
    Properties:
      ApiId: !Ref Api
      StageName: $default
      AutoDeploy: true
"""

# A REST API in front of a Python function without the proxy: templates shape both ways, and the
# function's error message chooses the response.
LAMBDA_NON_PROXY = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Quote:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      CodeUri: src/
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      DefinitionBody:
        openapi: "3.0.1"
        info: {title: quotes}
        paths:
          /quotes/{symbol}:
            get:
              x-amazon-apigateway-integration:
                type: aws
                httpMethod: POST
                uri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Quote.Arn}/invocations
                requestTemplates:
                  application/json: '{"symbol": "$input.params(''symbol'')"}'
                responses:
                  "Unknown symbol.*":
                    statusCode: "404"
                    responseTemplates:
                      application/json: '{"message": "no such symbol"}'
                  default:
                    statusCode: "200"
"""

QUOTE_HANDLER = """\
def handler(event, context):
    if event["symbol"] != "ACME":
        raise ValueError(f"Unknown symbol {event['symbol']}")
    return {"symbol": event["symbol"], "price": 12.5}
"""


def test_a_rest_sqs_integration_puts_the_body_on_the_queue_and_maps_the_answer(
        start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(SQS_REST)

    response = stack.api_request("POST", "/", body={"order": 7, "note": "a&b=c"})

    assert response.status == 200
    answer = response.json()
    assert answer["accepted"] is True and answer["request"]
    assert [json.loads(message.body) for message in stack.messages("Orders")] == [{"order": 7, "note": "a&b=c"}]
    assert not [warning for warning in stack.template.warnings if "PostOrder" in warning]


def test_a_query_services_answer_passes_through_as_its_json_form(start_stack: Callable[..., LocalStack]) -> None:
    """API Gateway asks the service for JSON: SQS's query form (and SNS) answer `{"<Action>Response":
    {"<Action>Result": {…}, "ResponseMetadata": {…}}}`, every member present (null when absent), which is
    what an integration response without a template hands the client."""
    stack = start_stack(SQS_REST.replace("""            ResponseTemplates:
              application/json: '{"accepted": true, "request": "$context.requestId"}'
""", ""))

    answer = stack.api_request("POST", "/", body={"order": 8}).json()

    result = answer["SendMessageResponse"]["SendMessageResult"]
    [message] = stack.messages("Orders")
    assert result["MessageId"] == message.message_id and result["SequenceNumber"] is None
    assert answer["SendMessageResponse"]["ResponseMetadata"]["RequestId"]


def test_passthrough_never_refuses_a_content_type_without_a_template(start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(SQS_REST)

    response = stack.api_request("POST", "/", body="order=7", headers={"Content-Type": "text/plain"})

    assert (response.status, response.json()) == (415, {"message": "Unsupported Media Type"})
    assert stack.messages("Orders") == []


def test_a_rest_step_functions_integration_starts_the_workflow_with_the_escaped_body(
        start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(WORKFLOW_OPENAPI)

    response = stack.api_request("POST", "/approvals", body={"amount": 120, "memo": 'say "hi"'})
    stack.run_until_idle()

    assert response.status == 202
    [execution] = stack.executions("Approvals")
    assert response.json() == {"execution": execution.arn}
    assert execution.status == "SUCCEEDED" and execution.output == {"amount": 120, "approved": True}


def test_the_services_error_status_chooses_the_matching_integration_response(
        start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(WORKFLOW_OPENAPI)

    # An execution name with a space: Step Functions answers 400 InvalidName.
    response = stack.api_request("POST", "/approvals?name=two%20words", body={"amount": 1})

    assert (response.status, response.json()) == (400, {"error": "InvalidName"})
    assert stack.executions("Approvals") == []


def test_a_body_that_is_not_json_is_refused_when_the_template_reads_it_as_json(
        start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(WORKFLOW_OPENAPI)

    response = stack.api_request("POST", "/approvals", body="{not json", headers={"Content-Type": "application/json"})

    assert response.status == 400
    assert response.json()["message"].startswith("Could not parse request body into json")
    assert stack.executions("Approvals") == []


def test_a_mock_integration_answers_from_its_templates_without_calling_anything(
        start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(WORKFLOW_OPENAPI)

    healthy = stack.api_request("GET", "/health")
    degraded = stack.api_request("GET", "/health?deep=yes")

    assert (healthy.status, healthy.json()) == (200, {"status": "ok", "stage": "prod"})
    assert healthy.header("cache-control") == "no-store"
    assert (degraded.status, degraded.json()) == (503, {"status": "degraded"})


def test_an_http_api_sqs_subtype_maps_the_body_and_a_header_onto_the_message(
        start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(SQS_HTTP)

    response = stack.api_request("POST", "/messages", body={"message": "hello"}, headers={"X-Tenant": "acme"})

    assert response.status == 200 and "MessageId" in response.json()
    [message] = stack.messages("Inbox")
    assert message.body == "hello"
    received = stack.client("sqs").receive_message(QueueUrl=stack.queue_url("Inbox"), MessageAttributeNames=["All"])
    assert received["Messages"][0]["MessageAttributes"]["tenant"]["StringValue"] == "acme"


def test_a_lambda_non_proxy_integration_maps_the_result_and_selects_on_the_error_message(
        start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(LAMBDA_NON_PROXY, {"src/app.py": QUOTE_HANDLER})

    found = stack.api_request("GET", "/quotes/ACME")
    missing = stack.api_request("GET", "/quotes/NOPE")

    assert (found.status, found.json()) == (200, {"symbol": "ACME", "price": 12.5})
    assert (missing.status, missing.json()) == (404, {"message": "no such symbol"})


def test_an_integration_without_a_matching_response_is_api_gateways_500_and_said(
        start_stack: Callable[..., LocalStack]) -> None:
    # Only a response for 2xx: the workflow's refusal (400) has none to map it.
    only_success = (WORKFLOW_OPENAPI.replace('"4\\\\d{2}":', '"4\\\\d{2}-never":')
                    .replace('default:\n                    statusCode: "202"',
                             '"2\\\\d{2}":\n                    statusCode: "202"'))
    assert only_success.count("-never") == 1 and "default:\n                    statusCode: \"202\"" not in only_success
    stack = start_stack(only_success)

    response = stack.api_request("POST", "/approvals?name=two%20words", body={"amount": 1})

    assert (response.status, response.json()) == (500, {"message": "Internal server error"})
    failed = [activity for activity in stack.trace.find("api") if activity.status == "failed"]
    assert failed and "No match for output mapping" in failed[-1].detail["error"]


# Raw routes and methods attached to SAM's own APIs (SAM deploys each as the raw API of its logical id).
ATTACHED_TO_SAM_APIS = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Refunds:
    Type: AWS::Serverless::StateMachine
    Properties:
      Definition:
        StartAt: Done
        States:
          Done: {Type: Succeed}
  HttpApi:
    Type: AWS::Serverless::HttpApi
  StartRefund:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref HttpApi
      IntegrationType: AWS_PROXY
      IntegrationSubtype: StepFunctions-StartExecution
      PayloadFormatVersion: "1.0"
      RequestParameters:
        StateMachineArn: !Ref Refunds
        Input: $request.body
        Name: refund-${request.path.id}
  RefundRoute:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref HttpApi
      RouteKey: POST /refunds/{id}
      Target: !Join [/, [integrations, !Ref StartRefund]]
  RestApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
  Status:
    Type: AWS::ApiGateway::Resource
    Properties:
      RestApiId: !Ref RestApi
      ParentId: !GetAtt RestApi.RootResourceId
      PathPart: status
  GetStatus:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref RestApi
      ResourceId: !Ref Status
      HttpMethod: GET
      AuthorizationType: NONE
      Integration:
        Type: MOCK
        RequestTemplates: {application/json: '{"statusCode": 200}'}
        IntegrationResponses:
          - StatusCode: 200
            ResponseTemplates: {application/json: '{"up": true}'}
"""


def test_raw_routes_and_methods_attached_to_sams_apis_are_served(start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(ATTACHED_TO_SAM_APIS)

    started = stack.api_request("POST", "/refunds/42", body={"amount": 5}, api="HttpApi")
    status = stack.api_request("GET", "/status", api="RestApi")
    stack.run_until_idle()

    assert started.status == 200
    [execution] = stack.executions("Refunds")
    assert started.json()["executionArn"] == execution.arn and execution.arn.endswith(":refund-42")
    assert execution.input == {"amount": 5} and execution.status == "SUCCEEDED"
    assert (status.status, status.json()) == (200, {"up": True})
    assert not [warning for warning in stack.template.warnings if "not served" in warning]


# A function's Api event on an API that has its own DefinitionBody: SAM adds the permission only, and
# the body's non-proxy integration is the route (the style of serverless-patterns' mapping-template apps).
EVENT_BESIDE_A_BODY = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Greeter:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      CodeUri: src/
      Events:
        Root:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /, Method: any}
        Elsewhere:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /not-in-the-body, Method: get}
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      DefinitionBody:
        swagger: "2.0"
        info: {title: greeter}
        paths:
          /:
            x-amazon-apigateway-any-method:
              x-amazon-apigateway-integration:
                type: aws
                httpMethod: POST
                uri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Greeter.Arn}/invocations
                passthroughBehavior: when_no_templates
                requestTemplates:
                  application/json: '{"request": "$context.requestId", "who": "$input.params(''who'')"}'
                responses:
                  default:
                    statusCode: "200"
"""

GREETER = """\
def handler(event, context):
    return {"greeting": f"hello {event['who']}", "traced": bool(event["request"])}
"""


def test_an_api_event_beside_a_definition_body_adds_no_route_of_its_own(start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(EVENT_BESIDE_A_BODY, {"src/app.py": GREETER})

    greeted = stack.api_request("GET", "/?who=ann")

    # The body's non-proxy integration ran (the mapped event, not a proxy event); the event's own path
    # exists only in the template, not on the deployed API.
    assert (greeted.status, greeted.json()) == (200, {"greeting": "hello ann", "traced": True})
    assert stack.api_request("GET", "/not-in-the-body").status == 403


def test_a_service_the_stack_does_not_emulate_is_said_at_start_and_answered_500(
        start_stack: Callable[..., LocalStack]) -> None:
    comprehend = SQS_REST.replace(":sqs:path/${AWS::AccountId}/${Orders.QueueName}",
                                  ":comprehend:action/DetectSentiment")
    stack = start_stack(comprehend)

    response = stack.api_request("POST", "/", body={"Text": "great"})

    assert any("PostOrder" in warning and "the 'comprehend' service is not emulated locally" in warning
               for warning in stack.template.warnings)
    assert (response.status, response.json()) == (500, {"message": "Internal server error"})
    [failed] = [activity for activity in stack.trace.find("api") if activity.status == "failed"]
    assert "not emulated locally" in failed.detail["error"]


SYNC_WORKFLOW = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Quote:
    Type: AWS::Serverless::StateMachine
    Properties:
      Type: EXPRESS
      Definition:
        StartAt: Think
        States:
          Think: {Type: Wait, Seconds: 5, Next: Answer}
          Answer: {Type: Pass, Parameters: {"price.$": "$.qty"}, End: true}
  HttpApi:
    Type: AWS::Serverless::HttpApi
  RunSync:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref HttpApi
      IntegrationType: AWS_PROXY
      IntegrationSubtype: StepFunctions-StartSyncExecution
      PayloadFormatVersion: "1.0"
      RequestParameters:
        StateMachineArn: !Ref Quote
        Input: $request.body
  QuoteRoute:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref HttpApi
      RouteKey: POST /quote
      Target: !Sub integrations/${RunSync}
"""


def test_a_start_sync_execution_subtype_answers_with_the_finished_execution(
        start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(SYNC_WORKFLOW)

    answer = stack.api_request("POST", "/quote", body={"qty": 3}).json()

    assert (answer["status"], json.loads(answer["output"])) == ("SUCCEEDED", {"price": 3})
    assert answer["stopDate"] - answer["startDate"] == 5.0  # the Wait, on the stack's clock


@pytest.mark.parametrize(("template", "routes"), [
    (WORKFLOW_OPENAPI, ("POST /approvals", "GET /health")),
    (SQS_HTTP, ("POST /messages",)),
    (SQS_REST, ("POST /",)),
])
def test_hostile_requests_to_service_routes_are_answered_never_raised(
        start_stack: Callable[..., LocalStack], template: str, routes: tuple[str, ...]) -> None:
    stack = start_stack(template)

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(route=st.sampled_from(routes), body=st.binary(max_size=200) | st.text(max_size=200).map(str.encode),
           content_type=st.sampled_from(["application/json", "text/plain", "", "application/json; charset=utf-8"]),
           query=st.text(alphabet="abcdeny=&%20'\"$", max_size=30), header=st.text(max_size=20))
    def answered(route: str, body: bytes, content_type: str, query: str, header: str) -> None:
        method, path = route.split(" ")
        headers = {"X-Tenant": header.encode("ascii", "ignore").decode()}
        if content_type:
            headers["Content-Type"] = content_type
        response = stack.api_request(method, f"{path}?{query}", body=body, headers=headers)
        assert response.status in (200, 202, 400, 415, 500, 503)
        assert not response.body or isinstance(response.json(), dict | list | str | int | float)
        if response.status == 500:  # API Gateway's own (REST's and HTTP's wording): the reason is in the trace
            assert response.json() in ({"message": "Internal server error"}, {"message": "Internal Server Error"})

    answered()


# An HTTP API whose DefinitionBody route sends to a queue, guarded by the API's default Lambda authorizer:
# SAM writes the DefaultAuthorizer into every path of the body (the serverless-patterns apigw-sqs style).
GUARDED_QUEUE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Buffer:
    Type: AWS::SQS::Queue
  Gatekeeper:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: auth.handler
      CodeUri: src/
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      Auth:
        DefaultAuthorizer: Gatekeeper
        Authorizers:
          Gatekeeper:
            FunctionArn: !GetAtt Gatekeeper.Arn
            AuthorizerPayloadFormatVersion: "2.0"
            EnableSimpleResponses: true
      DefinitionBody:
        openapi: "3.0.1"
        info: {title: buffer}
        paths:
          /submit:
            post:
              x-amazon-apigateway-integration:
                type: aws_proxy
                integrationSubtype: SQS-SendMessage
                payloadFormatVersion: "1.0"
                requestParameters:
                  QueueUrl: !Ref Buffer
                  MessageBody: $request.body
          /public:
            post:
              security: []
              x-amazon-apigateway-integration:
                type: aws_proxy
                integrationSubtype: SQS-SendMessage
                payloadFormatVersion: "1.0"
                requestParameters:
                  QueueUrl: !Ref Buffer
                  MessageBody: public
"""

GATEKEEPER = """\
def handler(event, context):
    return {"isAuthorized": event["headers"].get("authorization") == "let-me-in"}
"""


def test_the_default_authorizer_guards_definition_body_routes_unless_security_says_none(
        start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(GUARDED_QUEUE, {"src/auth.py": GATEKEEPER})

    missing = stack.api_request("POST", "/submit", body={"n": 1})
    refused = stack.api_request("POST", "/submit", body={"n": 2}, headers={"Authorization": "nope"})
    allowed = stack.api_request("POST", "/submit", body={"n": 3}, headers={"Authorization": "let-me-in"})
    public = stack.api_request("POST", "/public", body={"n": 4})

    # No `Identity` is declared, so the authorizer runs for every request and refuses both (HTTP APIs: 403).
    assert (missing.status, refused.status, allowed.status, public.status) == (403, 403, 200, 200)
    assert [message.body for message in stack.messages("Buffer")] == ['{"n": 3}', "public"]


# A REST API over a DynamoDB table with no function: put and get by path id (the apigw-ddb-openapi-crud style).
NOTES_TABLE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Notes:
    Type: AWS::Serverless::SimpleTable
    Properties:
      PrimaryKey: {Name: id, Type: String}
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: v1
      DefinitionBody:
        openapi: "3.0.1"
        info: {title: notes}
        paths:
          /notes/{id}:
            put:
              x-amazon-apigateway-integration:
                type: aws
                httpMethod: POST
                uri: !Sub arn:aws:apigateway:${AWS::Region}:dynamodb:action/PutItem
                requestTemplates:
                  application/json: !Sub >-
                    {"TableName": "${Notes}", "Item": {"id": {"S": "$input.params().path.id"},
                    "text": {"S": $input.json('$.text')}}}
                responses:
                  default: {statusCode: "204", responseTemplates: {application/json: ""}}
            get:
              x-amazon-apigateway-integration:
                type: aws
                httpMethod: POST
                uri: !Sub arn:aws:apigateway:${AWS::Region}:dynamodb:action/GetItem
                requestTemplates:
                  application/json: !Sub '{"TableName": "${Notes}", "Key": {"id": {"S": "$input.params(''id'')"}}}'
                responses:
                  default:
                    statusCode: "200"
                    responseTemplates:
                      application/json: |
                        #set($item = $input.path('$.Item'))
                        #set($text = $util.escapeJavaScript($item.text.S))
                        #if("$!item" == ""){"found": false}#else{"id": "$item.id.S", "text": "$text"}#end
"""


def test_a_rest_api_over_a_dynamodb_table_puts_and_gets_by_path_id(start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(NOTES_TABLE)

    put = stack.api_request("PUT", "/notes/n-1", body={"text": 'say "hi"'})
    got = stack.api_request("GET", "/notes/n-1")
    missing = stack.api_request("GET", "/notes/n-2")

    assert put.status == 204
    assert (got.status, got.json()) == (200, {"id": "n-1", "text": 'say "hi"'})
    assert missing.json() == {"found": False}


# An OpenAPI definition with request validators: the body checked against a referenced model and a
# required header, before the workflow is started (the apigw-eventbridge-schema-validation style).
VALIDATED_WORKFLOW = WORKFLOW_OPENAPI.replace('''        paths:
          /approvals:
            post:
''', '''        x-amazon-apigateway-request-validators:
          all: {validateRequestBody: true, validateRequestParameters: true}
        x-amazon-apigateway-request-validator: all
        definitions:
          Approval:
            type: object
            required: [amount]
            properties: {amount: {type: number, minimum: 0}}
        paths:
          /approvals:
            post:
              parameters:
                - {in: header, name: X-Requester, required: true, type: string}
                - {in: body, name: approval, required: true, schema: {$ref: "#/definitions/Approval"}}
''')


def test_an_openapi_request_validator_checks_the_body_model_and_required_parameters(
        start_stack: Callable[..., LocalStack]) -> None:
    assert VALIDATED_WORKFLOW != WORKFLOW_OPENAPI
    stack = start_stack(VALIDATED_WORKFLOW)
    requester = {"X-Requester": "ann"}

    no_header = stack.api_request("POST", "/approvals", body={"amount": 5})
    bad_body = stack.api_request("POST", "/approvals", body={"amount": -1}, headers=requester)
    good = stack.api_request("POST", "/approvals", body={"amount": 5}, headers=requester)

    assert (no_header.status, no_header.json()) == (400, {"message": "Missing required request parameters: "
                                                                     "[X-Requester]"})
    assert (bad_body.status, bad_body.json()) == (400, {"message": "Invalid request body"})
    assert good.status == 202
    stack.run_until_idle()
    assert [execution.input for execution in stack.executions("Approvals")] == [{"amount": 5}]


# The same checks declared with CloudFormation's own resources: a RequestValidator and a Model.
VALIDATED_QUEUE = SQS_REST.replace('''      HttpMethod: POST
      AuthorizationType: NONE
      Integration:''', '''      HttpMethod: POST
      AuthorizationType: NONE
      RequestValidatorId: !Ref Validator
      RequestModels: {application/json: !Ref OrderModel}
      RequestParameters: {method.request.querystring.tenant: true, method.request.header.X-Trace: false}
      Integration:''') + """\
  Validator:
    Type: AWS::ApiGateway::RequestValidator
    Properties: {RestApiId: !Ref OrdersApi, ValidateRequestBody: true, ValidateRequestParameters: true}
  OrderModel:
    Type: AWS::ApiGateway::Model
    Properties:
      RestApiId: !Ref OrdersApi
      ContentType: application/json
      Schema: '{"type": "object", "required": ["order"], "properties": {"order": {"type": "integer"}}}'
"""


def test_a_raw_request_validator_checks_the_model_and_the_required_query_string(
        start_stack: Callable[..., LocalStack]) -> None:
    assert VALIDATED_QUEUE.count("RequestValidatorId") == 1
    stack = start_stack(VALIDATED_QUEUE)

    no_tenant = stack.api_request("POST", "/", body={"order": 1})
    bad = stack.api_request("POST", "/?tenant=a", body={"order": "one"})
    good = stack.api_request("POST", "/?tenant=a", body={"order": 1})

    assert (no_tenant.status, no_tenant.json()) == (400, {"message": "Missing required request parameters: [tenant]"})
    assert (bad.status, bad.json()) == (400, {"message": "Invalid request body"})
    assert good.status == 200
    assert [json.loads(message.body) for message in stack.messages("Orders")] == [{"order": 1}]


# Found by mutating these templates' API resources (1,000 mutants, each started and sent requests):
# each is now a one-line refusal at start, a named "not served", or API Gateway's 500 with the reason.
def test_a_default_authorizer_that_is_not_a_name_is_refused_at_start(start_stack: Callable[..., LocalStack]) -> None:
    with pytest.raises(TemplateError, match=r"Auth\.DefaultAuthorizer must be the name"):
        start_stack(GUARDED_QUEUE.replace("DefaultAuthorizer: Gatekeeper", "DefaultAuthorizer: [Gatekeeper]"),
                    {"src/auth.py": GATEKEEPER})


def test_raw_request_parameters_that_are_not_a_map_are_refused_at_start(
        start_stack: Callable[..., LocalStack]) -> None:
    with pytest.raises(TemplateError, match="RequestParameters must map"):
        start_stack(VALIDATED_QUEUE.replace(
            "RequestParameters: {method.request.querystring.tenant: true, method.request.header.X-Trace: false}",
            "RequestParameters: true"))


def test_an_integration_response_status_that_is_no_http_status_is_not_served(
        start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(SQS_REST.replace('- StatusCode: "200"', '- StatusCode: "2000"'))

    assert any("statusCode '2000' is not an HTTP status" in warning for warning in stack.template.warnings)
    assert stack.api_request("POST", "/", body={"order": 1}).status == 403  # no route


@pytest.mark.parametrize(("model", "override"), [
    ('{"type": "object", "properties": {"order": {"$ref": "#/nowhere"}}}', None),
    ('{"type": "record"}', None),
    (None, '#set($context.responseOverride.status = "soon")'),
])
def test_a_model_or_override_that_cannot_be_applied_is_api_gateways_500_with_the_reason(
        start_stack: Callable[..., LocalStack], model: str | None, override: str | None) -> None:
    template = VALIDATED_QUEUE
    declared = """'{"type": "object", "required": ["order"], "properties": {"order": {"type": "integer"}}}'"""
    if model is not None:
        template = template.replace(declared, f"'{model}'")
    if override is not None:
        template = template.replace('''"accepted": true''', f'''"accepted": true{override}''')
    stack = start_stack(template)

    response = stack.api_request("POST", "/?tenant=a", body={"order": 1})

    assert (response.status, response.json()) == (500, {"message": "Internal server error"})
    failed = [activity for activity in stack.trace.find("api") if activity.status == "failed"]
    assert failed and ("cannot be applied" in failed[-1].title or "not an HTTP status" in failed[-1].detail["error"])


# Gateway responses: the API's own errors with CORS headers for browsers and bodies of its own.
CUSTOMISED_ERRORS = VALIDATED_WORKFLOW.replace('''      StageName: prod
      DefinitionBody:''', '''      StageName: prod
      GatewayResponses:
        DEFAULT_4XX:
          ResponseParameters:
            Headers: {Access-Control-Allow-Origin: "'*'", X-Seen-Origin: method.request.header.Origin}
        MISSING_AUTHENTICATION_TOKEN:
          StatusCode: 404
          ResponseTemplates: {application/json: '{"error": "no such path", "type": "$context.error.responseType"}'}
        BAD_REQUEST_BODY:
          ResponseTemplates:
            application/json: '{"error": $context.error.messageString, "why": "$context.error.validationErrorString"}'
      DefinitionBody:''')


def test_gateway_responses_shape_the_apis_own_errors(start_stack: Callable[..., LocalStack]) -> None:
    assert CUSTOMISED_ERRORS.count("GatewayResponses") == 1
    stack = start_stack(CUSTOMISED_ERRORS)
    origin = {"Origin": "https://app.example.com"}

    missing = stack.api_request("GET", "/nowhere", headers=origin)
    no_header = stack.api_request("POST", "/approvals", body={"amount": 5}, headers=origin)
    bad_body = stack.api_request("POST", "/approvals", body={"amount": -1}, headers={**origin, "X-Requester": "a"})
    good = stack.api_request("POST", "/approvals", body={"amount": 5}, headers={**origin, "X-Requester": "a"})

    assert (missing.status, missing.json()) == (404, {"error": "no such path", "type": "MISSING_AUTHENTICATION_TOKEN"})
    assert (bad_body.status, bad_body.json()) == (400, {"error": "Invalid request body",
                                                        "why": "-1 is less than the minimum of 0"})
    # A type without its own response takes DEFAULT_4XX's (its headers, and API Gateway's own body); a type
    # with its own does not ("If the response type is unspecified, this response defaults to DEFAULT_4XX").
    missing_parameters = "Missing required request parameters: [X-Requester]"
    assert (no_header.status, no_header.json()["message"]) == (400, missing_parameters)
    assert (no_header.header("access-control-allow-origin"), no_header.header("x-seen-origin")) == (
        "*", "https://app.example.com")
    assert missing.header("access-control-allow-origin") == bad_body.header("access-control-allow-origin") == ""
    assert good.status == 202 and good.header("access-control-allow-origin") == ""


def test_a_raw_gateway_response_resource_shapes_its_type(start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(SQS_REST + """\
  NoSuchType:
    Type: AWS::ApiGateway::GatewayResponse
    Properties:
      RestApiId: !Ref OrdersApi
      ResponseType: UNSUPPORTED_MEDIA_TYPE
      StatusCode: "400"
      ResponseParameters: {gatewayresponse.header.X-Hint: "'send application/json'"}
      ResponseTemplates: {application/json: '{"hint": $context.error.messageString}'}
""")

    refused = stack.api_request("POST", "/", body="order=7", headers={"Content-Type": "text/plain"})

    assert (refused.status, refused.json(), refused.header("x-hint")) == (
        400, {"hint": "Unsupported Media Type"}, "send application/json")


def test_operation_parameters_of_the_wrong_shape_are_no_parameters(start_stack: Callable[..., LocalStack]) -> None:
    # Found by the mutation campaign's re-run: `parameters: 7` crashed reading the validators.
    stack = start_stack(VALIDATED_WORKFLOW.replace('''              parameters:
                - {in: header, name: X-Requester, required: true, type: string}
                - {in: body, name: approval, required: true, schema: {$ref: "#/definitions/Approval"}}
''', '''              parameters: 7
'''))

    assert stack.api_request("POST", "/approvals", body={"amount": -1}).status == 202
