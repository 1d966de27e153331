"""Public SAM applications with Python functions behind API Gateway, run as their READMEs say: each
template here is written the way one kind of public app writes it (serverless-patterns style), in
our own words.

AWS behaviour under test: SAM's generated API stage (`<Api><StageName>Stage`, the referenceable
property `MyApi.Stage`, whose `Ref` is the stage name — AWS SAM docs "Referenceable properties",
CloudFormation "AWS::ApiGateway::Stage" return values); a browser's CORS preflight `OPTIONS` answered
by the API itself ("Enabling CORS for a REST API resource"); SAM's `RequestModel` with `ValidateBody`,
checked by API Gateway's request validator before the function runs (400 "Invalid request body").
"""

from __future__ import annotations

import signal
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from sluice.local.errors import TemplateError
from sluice.local.stack import LocalStack
from tests.local.test_cli_up import start_up, stop

# An API whose Outputs and a function's environment name the stage through SAM's generated resources.
STAGE_REFERENCES = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Description: Status endpoint whose URL is built from the API's stage

Resources:
  StatusApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: live

  CallbackApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: v1-beta

  StatusFunction:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      CodeUri: src/
      Environment:
        Variables:
          SELF_URL: !Sub 'https://${StatusApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${StatusApi.Stage}'
      Events:
        Status:
          Type: Api
          Properties:
            RestApiId: !Ref StatusApi
            Path: /status
            Method: get
        Callback:
          Type: Api
          Properties:
            RestApiId: !Ref CallbackApi
            Path: /callback
            Method: post
        Health:
          Type: Api
          Properties:
            Path: /health
            Method: get

Outputs:
  StatusUrl:
    Value: !Sub "https://${StatusApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${StatusApiliveStage}/status"
  StageName:
    Value: !Ref StatusApi.Stage
  ImplicitStage:
    Value: !Ref ServerlessRestApiProdStage
  CallbackStage:
    Value: !Ref CallbackApi.Stage
"""

STATUS_HANDLER = """\
import json
import os


def handler(event, context):
    return {"statusCode": 200, "body": json.dumps({"self": os.environ["SELF_URL"]})}
"""


def test_the_generated_stage_of_an_api_is_named_by_ref_and_by_its_logical_id(
        start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(STAGE_REFERENCES, {"src/app.py": STATUS_HANDLER})
    api_id = stack.template.ref("StatusApi")
    outputs = stack.template.outputs()

    assert outputs["StatusUrl"] == f"https://{api_id}.execute-api.us-east-1.amazonaws.com/live/status"
    assert (outputs["StageName"], outputs["ImplicitStage"], outputs["CallbackStage"]) == ("live", "Prod", "v1-beta")
    response = stack.api_request("GET", outputs["StatusUrl"])
    assert (response.status, response.json()) == \
        (200, {"self": f"https://{api_id}.execute-api.us-east-1.amazonaws.com/live"})
    # SAM's own resources are not reported as constructs sluice does not emulate.
    assert not [warning for warning in stack.template.warnings if "Stage" in warning]


# A webhook receiver: a REST API with CORS for browsers, its POST answered 202.
WEBHOOK = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Description: Webhook receiver callable from a browser

Resources:
  HooksApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Cors:
        AllowMethods: "'POST,OPTIONS'"
        AllowHeaders: "'Content-Type,X-Signature'"
        AllowOrigin: "'*'"

  ReceiveFunction:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: receive.handler
      CodeUri: src/
      Events:
        Hook:
          Type: Api
          Properties:
            RestApiId: !Ref HooksApi
            Path: /hooks
            Method: post
"""

RECEIVE_HANDLER = """\
def handler(event, context):
    return {"statusCode": 202, "headers": {"Access-Control-Allow-Origin": "*"}, "body": "accepted"}
"""


def test_sluice_up_answers_a_browsers_cors_preflight(write_template: Callable[..., Path]) -> None:
    up = start_up("--template", str(write_template(WEBHOOK, {"src/receive.py": RECEIVE_HANDLER})))
    try:
        hooks = up.resources["HooksApi"] + "hooks"
        preflight = urllib.request.Request(hooks, method="OPTIONS", headers={
            "Origin": "https://example.com", "Access-Control-Request-Method": "POST"})
        with urllib.request.urlopen(preflight, timeout=30) as response:
            assert response.status == 200
            assert response.headers["Access-Control-Allow-Methods"] == "POST,OPTIONS"
            assert response.headers["Access-Control-Allow-Headers"] == "Content-Type,X-Signature"
            assert response.headers["Access-Control-Allow-Origin"] == "*"
        with urllib.request.urlopen(urllib.request.Request(hooks, data=b"{}", method="POST"), timeout=30) as response:
            assert (response.status, response.read()) == (202, b"accepted")
    finally:
        code, err = stop(up, signal.SIGTERM)
    assert code == 0, err


# A vehicle registry whose POST body API Gateway validates against a JSON schema model.
VALIDATED = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Description: Registry whose request bodies are validated by API Gateway

Resources:
  RegistryApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: Prod
      Models:
        Car:
          type: object
          required: [plate]
          properties:
            plate: {type: string}

  RegisterFunction:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: register.handler
      InlineCode: |
        def handler(event, context):
            return {"statusCode": 200, "body": event["body"] or ""}
      Events:
        Register:
          Type: Api
          Properties:
            RestApiId: !Ref RegistryApi
            Path: /cars
            Method: post
            RequestModel:
              Model: Car
              Required: true
              ValidateBody: true
"""


def test_a_body_that_fails_the_request_model_is_a_400_and_never_reaches_the_function(
        start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(VALIDATED)

    good = stack.api_request("POST", "/cars", body={"plate": "B-SL 1"})
    assert (good.status, good.json()) == (200, {"plate": "B-SL 1"})
    for body in ({"year": 2009}, {"plate": 7}, "not json", None):
        refused = stack.api_request("POST", "/cars", body=body)
        assert (refused.status, refused.json()) == (400, {"message": "Invalid request body"}), body
        assert refused.headers["x-amzn-ErrorType"] == "BadRequestException"
    assert len(stack.invocations()) == 1  # only the valid body ran the function
    assert not any("RequestModel" in warning for warning in stack.template.warnings)


def test_required_request_parameters_are_checked_when_the_model_validates_parameters(
        start_stack: Callable[..., LocalStack]) -> None:
    # SAM's `RequestParameters` with `Required: true` and `RequestModel.ValidateParameters: true`.
    stack = start_stack(VALIDATED.replace("""              ValidateBody: true
""", """              ValidateBody: true
              ValidateParameters: true
            RequestParameters:
              - method.request.header.X-Dealer: {Required: true}
              - method.request.querystring.dry: {Required: false}
"""))

    missing = stack.api_request("POST", "/cars", body={"plate": "B-SL 1"})
    sent = stack.api_request("POST", "/cars", body={"plate": "B-SL 1"}, headers={"x-dealer": "d-1"})

    assert (missing.status, missing.json()) == (400, {"message": "Missing required request parameters: [X-Dealer]"})
    assert sent.status == 200 and len(stack.invocations()) == 1


def test_a_request_model_missing_from_the_apis_models_is_refused_as_sam_does(
        start_stack: Callable[..., LocalStack]) -> None:
    with pytest.raises(TemplateError, match=r"RequestModel \[Car\]: it isn't defined in the Models of RegistryApi"):
        start_stack(VALIDATED.replace("        Car:\n", "        Truck:\n"))


# An HTTP API that drops each POST body straight onto a FIFO queue (no function in front).
QUEUE_FRONT = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Description: HTTP API sending its requests to an SQS FIFO queue

Resources:
  OrdersQueue:
    Type: AWS::SQS::Queue
    Properties:
      FifoQueue: true
      ContentBasedDeduplication: true

  IngestApi:
    Type: AWS::Serverless::HttpApi
    Properties:
      DefinitionBody:
        openapi: '3.0.1'
        info: {title: ingest, version: '1'}
        paths:
          /:
            post:
              x-amazon-apigateway-integration:
                type: aws_proxy
                integrationSubtype: SQS-SendMessage
                payloadFormatVersion: '1.0'
                requestParameters:
                  QueueUrl: !Ref OrdersQueue
                  MessageBody: $request.body
                  MessageGroupId: orders
"""


def test_an_http_api_aws_service_integration_sends_to_its_fifo_queue(start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(QUEUE_FRONT)

    sent = stack.api_request("POST", "/", body={"id": 1})

    assert sent.status == 200 and sent.json()["SequenceNumber"]
    assert [(message.body, message.group_id) for message in stack.messages("OrdersQueue")] == [('{"id": 1}', "orders")]
    assert stack.api_request("GET", "/").status == 404  # only POST / is routed
