"""`arn:aws:states:::apigateway:invoke` (Step Functions docs: "Call API Gateway with Step Functions"):
the request the task sends, its result (`Headers` as lists, `ResponseBody` parsed when JSON, `StatusCode`,
`StatusText`), `ApiGateway.<status>` failures with the body as the cause, and what is refused."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sluice.asl import Engine
from sluice.asl.integrations import ServiceIntegrations
from sluice.asl.integrations.apigateway import InvokeAnswer, InvokeRequest
from tests.asl.integrations.support import task

ENDPOINT = "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"


class Recorder:
    """An API that answers `status` with `body`, and remembers each request."""

    def __init__(self, status: int = 200, body: bytes = b'{"ok": true}') -> None:
        self.status, self.body = status, body
        self.requests: list[InvokeRequest] = []

    def __call__(self, request: InvokeRequest) -> InvokeAnswer:
        self.requests.append(request)
        return InvokeAnswer(self.status, {"Content-Type": "application/json"}, self.body)


def run(api: Recorder | None, parameters: Any, **fields: Any) -> Any:
    engine = Engine(integrations=ServiceIntegrations(apis=api))
    try:
        return engine.run(task("apigateway:invoke", parameters, **fields), {})
    finally:
        engine.close()


def test_the_request_carries_stage_path_query_headers_and_a_json_body() -> None:
    api = Recorder()
    execution = run(api, {"ApiEndpoint": ENDPOINT, "Method": "POST", "Stage": "prod", "Path": "/orders/7",
                          "QueryParameters": {"expand": ["lines", "totals"]}, "Headers": {"X-Team": ["data"]},
                          "RequestBody": {"qty": 2}, "AuthType": "IAM_ROLE"})

    assert execution.status == "SUCCEEDED", execution.error
    assert execution.output == {"Headers": {"Content-Type": ["application/json"]}, "ResponseBody": {"ok": True},
                                "StatusCode": 200, "StatusText": "OK"}
    [request] = api.requests
    assert (request.endpoint, request.method, request.stage, request.path) == (ENDPOINT, "POST", "prod", "orders/7")
    assert request.query == (("expand", "lines"), ("expand", "totals"))
    assert ("X-Team", "data") in request.headers and ("Content-Type", "application/json") in request.headers
    assert json.loads(request.body) == {"qty": 2}


def test_a_text_answer_is_the_response_body_as_text() -> None:
    execution = run(Recorder(body=b"plain words"), {"ApiEndpoint": ENDPOINT, "Method": "GET"})
    assert execution.output["ResponseBody"] == "plain words"


def test_an_answer_of_400_or_more_fails_the_task_with_its_status_and_body() -> None:
    execution = run(Recorder(404, b'{"message":"Not Found"}'), {"ApiEndpoint": ENDPOINT, "Method": "GET"},
                    Retry=[{"ErrorEquals": ["ApiGateway.500"], "MaxAttempts": 3}])
    assert execution.status == "FAILED"
    assert (execution.error, execution.cause) == ("ApiGateway.404", '{"message":"Not Found"}')


@pytest.mark.parametrize(("parameters", "reason"), [
    ({"Method": "GET"}, "needs an ApiEndpoint"),
    ({"ApiEndpoint": ENDPOINT, "Method": "FETCH"}, "Method must be one of"),
    ({"ApiEndpoint": ENDPOINT, "Method": "GET", "AuthType": "COGNITO"}, "AuthType must be one of"),
    ({"ApiEndpoint": ENDPOINT, "Method": "GET", "Headers": ["X-Team"]}, "Headers must be an object"),
    ({"ApiEndpoint": ENDPOINT, "Method": "GET", "Body": {}}, "does not take Body"),
])
def test_parameters_it_cannot_send_fail_the_task_saying_why(parameters: dict[str, Any], reason: str) -> None:
    api = Recorder()
    execution = run(api, parameters)
    assert execution.status == "FAILED" and execution.error == "States.Runtime"
    assert reason in execution.cause and not api.requests


def test_without_an_api_to_answer_the_task_fails_saying_so() -> None:
    execution = run(None, {"ApiEndpoint": ENDPOINT, "Method": "GET"})
    assert execution.error == "States.Runtime" and "no API answers" in execution.cause
