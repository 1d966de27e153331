"""Step Functions' `apigateway:invoke` on the local stack, reaching the template's own APIs as it would on
AWS (Step Functions docs: "Call API Gateway with Step Functions"): a REST API's route on its stage, and a
WebSocket API's `@connections` (the way public workflows answer a WebSocket client asynchronously:
the message starts a workflow, which posts its answer to the connection later)."""

from __future__ import annotations

from collections.abc import Callable

from sluice.local.stack import LocalStack
from tests.local.templates import function, sam_template, websocket_api, websocket_route

ORDERS = """\
def handler(event, context):
    order = event["pathParameters"]["id"]
    if order == "404":
        return {"statusCode": 404, "body": '{"message": "no such order"}'}
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
            "body": '{"order": "%s", "team": "%s"}' % (order, event["headers"].get("X-Team"))}
"""

REST_WORKFLOW = sam_template("A workflow calling the stack's own API", Runtime="python3.13", CodeUri="src/") + \
    function("Orders", handler="orders.handler", properties="""\
      Events:
        Get:
          Type: Api
          Properties:
            RestApiId: !Ref OrdersApi
            Path: /orders/{id}
            Method: get
""") + """\
  OrdersApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: live
  Lookup:
    Type: AWS::Serverless::StateMachine
    Properties:
      Definition:
        StartAt: Get
        States:
          Get:
            Type: Task
            Resource: arn:aws:states:::apigateway:invoke
            Parameters:
              ApiEndpoint: !Sub ${OrdersApi}.execute-api.${AWS::Region}.amazonaws.com
              Method: GET
              Stage: live
              Path.$: States.Format('/orders/{}', $.id)
              Headers: {X-Team: [data]}
            ResultSelector:
              body.$: $.ResponseBody
              status.$: $.StatusCode
            End: true
"""


def test_a_workflow_calls_a_route_of_the_templates_rest_api(start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(REST_WORKFLOW, {"src/orders.py": ORDERS})

    found = stack.start_execution("Lookup", {"id": "7"})
    missing = stack.start_execution("Lookup", {"id": "404"})
    stack.run_until_idle()

    assert found.status == "SUCCEEDED", found.error
    assert found.output == {"body": {"order": "7", "team": "data"}, "status": 200}
    assert (missing.status, missing.error, missing.cause) == ("FAILED", "ApiGateway.404",
                                                              '{"message": "no such order"}')


ASYNC_ANSWER = sam_template("A WebSocket API answered later by a workflow") + websocket_api("JobsApi") + """\
  Job:
    Type: AWS::Serverless::StateMachine
    Properties:
      Definition:
        StartAt: Work
        States:
          Work: {Type: Wait, Seconds: 30, Next: Answer}
          Answer:
            Type: Task
            Resource: arn:aws:states:::apigateway:invoke
            Parameters:
              ApiEndpoint: !Sub ${JobsApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}
              Method: POST
              Stage: production
              Path.$: States.Format('/@connections/{}', $.connection)
              RequestBody:
                done.$: $.job
              AuthType: IAM_ROLE
            End: true
""" + websocket_route("JobsApi", "Start", "$default", integration="""\
      IntegrationType: AWS
      IntegrationMethod: POST
      IntegrationUri: !Sub arn:aws:apigateway:${AWS::Region}:states:action/StartExecution
      TemplateSelectionExpression: \\$default
      RequestTemplates:
        $default: !Sub >-
          {"input": "{\\"connection\\": \\"$context.connectionId\\",
          \\"job\\": $util.escapeJavaScript($input.json('$.job'))}", "stateMachineArn": "${Job}"}
""")


def test_a_workflow_answers_a_websocket_client_through_its_connection(start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(ASYNC_ANSWER)
    client = stack.websocket_connect()
    gone = stack.websocket_connect()

    client.send({"job": "resize"})
    gone.send({"job": "crop"})
    gone.close()
    stack.run_until_idle()

    assert client.json() == [{"done": "resize"}]  # one-way route: only the workflow's answer arrives
    by_job = {execution.input["job"]: execution for execution in stack.executions("Job")}
    assert by_job["resize"].status == "SUCCEEDED"
    assert (by_job["crop"].status, by_job["crop"].error) == ("FAILED", "ApiGateway.410")
