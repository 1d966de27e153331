"""API Gateway routes whose integration is an HTTP endpoint (API Gateway developer guide: "Set up HTTP
integrations", "HTTP proxy integrations", "Transforming API requests and responses for HTTP APIs"):
the endpoint is called for real, here a server of the test's own on 127.0.0.1.

AWS behaviour under test:
- REST `HTTP_PROXY`: method, query string, headers and body go through, `{proxy}` in the uri filled by
  `integration.request.path.proxy`; the endpoint's status, headers and body come back as they are.
- REST `HTTP` (non-proxy): the mapping template is the body sent; the integration response is chosen by
  the endpoint's status code (`selectionPattern`), its template shapes the answer.
- HTTP API `HTTP_PROXY` with parameter mapping: `overwrite:path`, `append:header.<name>`,
  `remove:querystring.<name>`, values as `$request.<…>` or, within text, `${request.<…>}`; the
  request's method with `IntegrationMethod: ANY`.
- An endpoint slower than `timeoutInMillis` is 504 "Endpoint request timed out"; one that cannot be
  reached is API Gateway's 500; both are said in the trace.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sluice.local.stack import LocalStack


class _Echo(BaseHTTPRequestHandler):
    """Answers every request with what it received; a path holding `/slow` first waits, `/missing` is a 404."""

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        if "/slow" in self.path:
            time.sleep(0.5)
        status = 404 if self.path.startswith("/missing") else 201 if self.command == "POST" else 200
        payload = json.dumps({"method": self.command, "path": self.path, "body": body,
                              "headers": {key.lower(): value for key, value in self.headers.items()}}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Backend", "echo")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, *_: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    def handle_error(self, *_: Any) -> None:
        pass  # the slow request's client (API Gateway) has gone: its broken pipe is expected


@pytest.fixture
def endpoint() -> Iterator[str]:
    server = _Server(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


REST_PROXY = """\
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {{Name: legacy-front}}
  Proxy:
    Type: AWS::ApiGateway::Resource
    Properties:
      RestApiId: !Ref Api
      ParentId: !GetAtt Api.RootResourceId
      PathPart: "{{proxy+}}"
  AnyProxy:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Proxy
      HttpMethod: ANY
      AuthorizationType: NONE
      RequestParameters: {{method.request.path.proxy: true}}
      Integration:
        Type: HTTP_PROXY
        IntegrationHttpMethod: ANY
        Uri: {endpoint}/legacy/{{proxy}}
        TimeoutInMillis: 300
        RequestParameters:
          integration.request.path.proxy: method.request.path.proxy
          integration.request.header.X-Via: "'sluice'"
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: AnyProxy
    Properties: {{RestApiId: !Ref Api, StageName: live}}
"""

REST_MAPPED = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      DefinitionBody:
        swagger: "2.0"
        info: {{title: catalog}}
        paths:
          /items/{{id}}:
            get:
              x-amazon-apigateway-integration:
                type: http
                httpMethod: POST
                uri: {endpoint}/{{kind}}/lookup
                requestParameters:
                  integration.request.path.kind: "'catalog'"
                requestTemplates:
                  application/json: '{{"id": "$input.params(''id'')"}}'
                responses:
                  "404":
                    statusCode: "404"
                    responseTemplates:
                      application/json: '{{"error": "no such item"}}'
                  default:
                    statusCode: "200"
                    responseParameters:
                      method.response.header.X-Backend: integration.response.header.X-Backend
                    responseTemplates:
                      application/json: |
                        #set($sent = $util.parseJson($input.path('$.body')))
                        {{"item": "$sent.id", "via": "$input.path('$.method') $input.path('$.path')"}}
          /gone:
            get:
              x-amazon-apigateway-integration:
                type: http
                httpMethod: GET
                uri: {endpoint}/missing
                responses:
                  "404": {{statusCode: "404", responseTemplates: {{application/json: '{{"error": "gone"}}'}}}}
                  default: {{statusCode: "200"}}
"""

HTTP_PROXY = """\
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties: {{Name: front, ProtocolType: HTTP}}
  Backend:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Api
      IntegrationType: HTTP_PROXY
      IntegrationMethod: ANY
      IntegrationUri: {endpoint}/v1/{{proxy}}
      PayloadFormatVersion: "1.0"
      RequestParameters:
        overwrite:path: v2/${{request.path.proxy}}
        append:header.x-tenant: $request.header.x-user
        remove:querystring.debug: "''"
  Route:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref Api
      RouteKey: ANY /{{proxy+}}
      Target: !Sub integrations/${{Backend}}
  Stage:
    Type: AWS::ApiGatewayV2::Stage
    Properties: {{ApiId: !Ref Api, StageName: $default}}
"""


def test_a_rest_http_proxy_passes_the_request_through_and_the_answer_back(
        start_stack: Callable[..., LocalStack], endpoint: str) -> None:
    stack = start_stack(REST_PROXY.format(endpoint=endpoint))

    response = stack.api_request("POST", "/orders/7?expand=lines", body={"qty": 2}, headers={"X-Client": "wéb 中"})

    assert (response.status, response.header("x-backend")) == (201, "echo")
    seen = response.json()
    assert (seen["method"], seen["path"], json.loads(seen["body"])) == ("POST", "/legacy/orders/7?expand=lines",
                                                                        {"qty": 2})
    # http.server reads header bytes as latin-1: the value arrived as its UTF-8 bytes.
    assert (seen["headers"]["x-client"].encode("latin-1").decode(), seen["headers"]["x-via"]) == ("wéb 中", "sluice")
    assert not [warning for warning in stack.template.warnings if "AnyProxy" in warning]


def test_a_rest_http_integration_maps_the_request_and_selects_the_response_by_status(
        start_stack: Callable[..., LocalStack], endpoint: str) -> None:
    stack = start_stack(REST_MAPPED.format(endpoint=endpoint))

    found = stack.api_request("GET", "/items/42")
    gone = stack.api_request("GET", "/gone")

    assert (found.status, found.json()) == (200, {"item": "42", "via": "POST /catalog/lookup"})
    assert found.header("x-backend") == "echo"
    assert (gone.status, gone.json()) == (404, {"error": "gone"})


def test_an_http_api_proxy_applies_its_parameter_mapping(start_stack: Callable[..., LocalStack],
                                                         endpoint: str) -> None:
    stack = start_stack(HTTP_PROXY.format(endpoint=endpoint))

    response = stack.api_request("PUT", "/users/9?debug=1&page=2", body="x", headers={"X-User": "ann"})

    seen = response.json()
    assert (response.status, seen["method"], seen["path"]) == (200, "PUT", "/v2/users/9?page=2")
    assert seen["headers"]["x-tenant"] == "ann" and seen["body"] == "x"


def test_a_slow_endpoint_is_a_504_and_an_unreachable_one_a_500_both_said(
        start_stack: Callable[..., LocalStack], endpoint: str) -> None:
    stack = start_stack(REST_PROXY.format(endpoint=endpoint))
    slow = stack.api_request("GET", "/slow")
    unreachable = start_stack(REST_PROXY.format(endpoint="http://127.0.0.1:9")).api_request("GET", "/a")

    assert (slow.status, slow.json()) == (504, {"message": "Endpoint request timed out"})
    assert (unreachable.status, unreachable.json()) == (500, {"message": "Internal server error"})


def test_hostile_requests_through_an_http_proxy_are_answered_never_raised(
        start_stack: Callable[..., LocalStack], endpoint: str) -> None:
    stack = start_stack(REST_PROXY.format(endpoint=endpoint))

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(method=st.sampled_from(["GET", "POST", "PUT", "DELETE"]),
           path=st.text(alphabet="abc/%?&=._~-+ é", min_size=1, max_size=20),
           body=st.binary(max_size=100), header=st.text(max_size=15))
    def answered(method: str, path: str, body: bytes, header: str) -> None:
        response = stack.api_request(method, "/" + path.lstrip("/"), body=body, headers={"X-Odd": header})
        # The endpoint's own answer, API Gateway's "no route" (a path with no segment to proxy), or its 500
        # for a request that cannot be sent on (a header value HTTP cannot carry); never an exception.
        assert response.status in (200, 201, 403, 404, 500)
        if response.status == 500:
            assert response.json() == {"message": "Internal server error"}

    answered()
