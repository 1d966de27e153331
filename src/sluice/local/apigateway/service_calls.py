"""A route whose integration is an AWS service (or a mock) → the service call → the HTTP response.

The call is made as the edge endpoint replays a request (`sluice.local.edge.gateway`), so it takes the
path any call of the stack takes: injected faults, sluice's own Lambda, SQS and Step Functions, moto,
then the wiring (an SQS message reaches the queue's consumer, an execution runs on the clock).

REST `AWS` integrations (API Gateway docs: "Set up an AWS service integration", "Mapping template
reference", "Parameter mapping source reference for REST APIs"):

1. The request template is the one for the request's Content-Type (`application/json` when none is
   sent). Without one, `passthroughBehavior` decides: `WHEN_NO_MATCH` (the default) sends the body as
   it is, `WHEN_NO_TEMPLATES` only when the integration has no template at all, `NEVER` not at all:
   415 `{"message": "Unsupported Media Type"}`.
2. `requestParameters` set the service request's headers, query string and path labels from
   `method.request.<header|querystring|path>.<name>`, `method.request.body[.<JSONPath>]`,
   `context.<name>`, `stageVariables.<name>` or a quoted constant.
3. An `action/<Action>` uri calls that action: a JSON service with the body as its input, a query
   service (SNS) with the form of the query string and the body. A `path/<path>` uri sends the HTTP
   request as is (`sqs:path/<account>/<queue>` with `Action=SendMessage&MessageBody=…`,
   `s3:path/<bucket>/<key>`, `lambda:path/2015-03-31/functions/<arn>/invocations`).
4. The response is the integration response whose `selectionPattern` matches the service's status
   code in full (a function's `errorMessage` when it failed), else the default one; its template
   (the client's `Accept`, else `application/json`, else the first) maps the answer, an empty template
   passes it through, and its `responseParameters` set headers. With no response to choose, the
   client gets API Gateway's 500 `{"message": "Internal server error"}`.

REST `MOCK`: the rendered request template's `statusCode` (200 when absent) chooses the response.

REST `HTTP` is mapped as `AWS` is, its request sent to the endpoint (`http_calls`); the proxies
(`HTTP_PROXY`) are `http_calls`' own. Mapping expressions are read by `mapping`.

HTTP API subtypes ("Integration subtype reference", "Transforming API requests and responses for HTTP
APIs"): each of `RequestParameters` is `$request.<header|querystring|path>.<name>`,
`$request.body[.<JSONPath>]`, `$context.<name>`, `$stageVariables.<name>`, or text holding
`${request.body.name}`-style references; the parameter names the action's member (`QueueUrl`,
`StateMachineArn` as Step Functions' `stateMachineArn`), and EventBridge's become one entry of
`PutEvents`. The service's answer is the response.

Example:
    >>> calls = ServiceCalls(Gateway(EdgeClients("us-east-1")), region="us-east-1")
    >>> calls.answer(route.integration, request, event).status      # doctest: +SKIP - inside a stack
    200
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

from sluice import json_text
from sluice.local.apigateway.http_calls import call_endpoint, endpoint_url, http_proxy, method_of, rest_http_proxy
from sluice.local.apigateway.integrations import (
    HttpProxyIntegration,
    IntegrationFailure,
    IntegrationResponse,
    RestIntegration,
    ServiceIntegration,
    SubtypeIntegration,
    served_service,
)
from sluice.local.apigateway.mapping import (
    Sources,
    filled,
    http_mapping_value,
    integration_request_parameters,
    mapping_value,
)
from sluice.local.apigateway.responses import ApiResponse, gateway_error
from sluice.local.apigateway.vtl import TemplateFailure, UnparsableBody, render
from sluice.local.edge.messages import EdgeError, HttpAnswer, HttpRequest
from sluice.local.edge.requests import scalar
from sluice.local.edge.routing import service_model

if TYPE_CHECKING:
    from botocore.model import Shape, StructureShape

    from sluice.local.apigateway.events import ApiRequest
    from sluice.local.edge.gateway import Gateway

_JSON = "application/json"
_DATE = "20240101"


class ServiceCalls:
    """Carries out routes' service integrations through the edge gateway's replay."""

    def __init__(self, edge: Gateway, *, region: str) -> None:
        self.edge = edge
        #: The region requests are signed for (the edge reads the service from the credential scope).
        self.region = region

    def answer(self, integration: ServiceIntegration, request: ApiRequest, event: dict[str, Any]) -> ApiResponse:
        """The response to `request` (with `event`, its payload 1.0 proxy event) through `integration`;
        `IntegrationFailure` when the integration cannot be carried out."""
        sources = Sources.of(event, request.body)
        if isinstance(integration, SubtypeIntegration):
            return self._subtype(integration, sources)
        if isinstance(integration, HttpProxyIntegration):
            return http_proxy(integration, request, sources)
        if integration.kind == "HTTP_PROXY":
            return rest_http_proxy(integration, request, sources)
        return self._rest(integration, request, sources)

    # REST `AWS`, `MOCK` and `HTTP`

    def _rest(self, integration: RestIntegration, request: ApiRequest, sources: Sources) -> ApiResponse:
        templates = dict(integration.request_templates)
        media = request.header("content-type").split(";", 1)[0].strip().lower() or _JSON
        template = next((text for kind, text in templates.items() if kind.lower() == media), None)
        if template is None and (integration.passthrough == "NEVER"
                                 or (integration.passthrough == "WHEN_NO_TEMPLATES" and templates)):
            return gateway_error(415, "Unsupported Media Type", "UnsupportedMediaTypeException",
                                 response_type="UNSUPPORTED_MEDIA_TYPE")
        try:
            if template is None or not template.strip():
                body, overrides = request.body, {}
            else:
                rendered = render(template, body=request.body, params=sources.params(), context=sources.context,
                                  stage_variables=sources.stage_variables)
                body, overrides = rendered.text.encode(), rendered.overrides
        except UnparsableBody as error:  # a client's error, answered 400 before any call
            return gateway_error(400, str(error), "BadRequestException", response_type="BAD_REQUEST_BODY")
        except TemplateFailure as error:
            raise IntegrationFailure(f"the request template failed: {error}") from None
        if integration.kind == "MOCK":
            answer, selector = HttpAnswer(_mock_status(body), {"Content-Type": _JSON}, b""), None
        elif integration.kind == "HTTP":
            mapped = integration_request_parameters(integration, sources, overrides)
            headers = {"Content-Type": _JSON, **mapped["header"]}
            url = endpoint_url(integration, mapped, sources)
            answer = call_endpoint(method_of(integration.http_method, request), url, headers, body, integration.timeout)
            selector = None
        else:
            _served(integration.service)
            answer = self.edge.handle(self._service_request(integration, body, sources, overrides))
            selector = _function_error(answer)
        return _integration_response(integration, answer, selector, request, sources)

    def _service_request(self, integration: RestIntegration, body: bytes, sources: Sources,
                         overrides: dict[str, Any]) -> HttpRequest:
        """The HTTP request API Gateway sends the service, signed for it (the edge reads the service
        from the credential scope)."""
        mapped = integration_request_parameters(integration, sources, overrides)
        # API Gateway asks the service for JSON: query services (SNS, SQS's query form) answer
        # `{"PublishResponse": {"PublishResult": …}}` rather than XML, unless the template maps an Accept.
        headers = {"Authorization": f"AWS4-HMAC-SHA256 Credential=sluice/{_DATE}/{self.region}/{integration.service}"
                                    f"/aws4_request, SignedHeaders=host, Signature=0", "Accept": _JSON}
        headers = {**{key: value for key, value in headers.items()
                      if key.lower() not in {name.lower() for name in mapped["header"]}}, **mapped["header"]}
        query = list(mapped["querystring"].items())
        if integration.action is not None:
            return self._action_request(integration, integration.action, headers, query, body)
        path = filled(integration.path or "", mapped["path"])
        path = path if path.startswith("/") else "/" + path  # `s3:path//` is the service's root
        if not any(key.lower() == "content-type" for key in headers):
            headers["Content-Type"] = _JSON
        return HttpRequest(integration.http_method, path, urlencode(query), headers, body)

    def _action_request(self, integration: RestIntegration, action: str, headers: dict[str, str],
                        query: list[tuple[str, str]], body: bytes) -> HttpRequest:
        name, _, extra = action.partition("&")  # `action/Publish&TopicArn=…` carries parameters too
        query += parse_qsl(extra, keep_blank_values=True)
        model = service_model(_served(integration.service))
        if model.protocol == "json":
            return HttpRequest("POST", "/", urlencode(query), {
                **headers, "X-Amz-Target": f"{model.metadata['targetPrefix']}.{name}",
                "Content-Type": f"application/x-amz-json-{model.metadata.get('jsonVersion', '1.0')}"}, body)
        if model.protocol == "query":
            pairs = [("Action", name), *query, *parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)]
            return HttpRequest("POST", "/", "", {**headers, "Content-Type": "application/x-www-form-urlencoded"},
                               urlencode(pairs).encode())
        raise IntegrationFailure(f"action/{name}: {integration.service} is called by path, not by action")

    # HTTP API subtypes

    def _subtype(self, integration: SubtypeIntegration, sources: Sources) -> ApiResponse:
        operation = service_model(_served(integration.service)).operation_model(integration.operation)
        shape = operation.input_shape
        assert shape is not None
        # EventBridge's parameters are one entry's members (`Entries` is a list of `PutEventsRequestEntry`).
        entries: Any = shape.members["Entries"] if integration.subtype == "EventBridge-PutEvents" else None
        entry_shape: StructureShape = entries.member if entries is not None else shape
        params: dict[str, Any] = {}
        for name, expression in integration.parameters:
            if name == "Region":
                continue  # one region locally
            member = next((key for key in entry_shape.members if key.lower() == name.lower()), None)
            if member is None:
                raise IntegrationFailure(f"{integration.subtype}: {name!r} is not one of its parameters")
            value = http_mapping_value(expression, sources)
            if value is not None:
                try:
                    params[member] = _typed(entry_shape.members[member], value)
                except EdgeError as error:  # a value the action cannot take: the service's own refusal
                    return gateway_error(400, f"{integration.subtype}: {name}: {error.message}")
        if entry_shape is not shape:
            params = {"Entries": [params]}
        answer = self.edge.call(integration.service, integration.operation, params)
        return ApiResponse(answer.status, {"Content-Type": _JSON}, answer.body)


def _integration_response(integration: RestIntegration, answer: HttpAnswer, selector: str | None,
                          request: ApiRequest, sources: Sources) -> ApiResponse:
    chosen = _select(integration.responses, selector if selector is not None else str(answer.status))
    if chosen is None:
        if not integration.responses and integration.kind == "AWS":
            raise IntegrationFailure("no integration response is declared (API Gateway: \"No match for output "
                                     "mapping and no default output mapping configured\")")
        raise IntegrationFailure(f"no integration response matches {selector or answer.status} and none is the "
                                 "default (API Gateway: \"No match for output mapping and no default output "
                                 "mapping configured\")")
    answered = Sources({key.lower(): value for key, value in answer.headers.items()}, {}, {}, answer.body,
                        sources.context, sources.stage_variables)
    body, status, headers = answer.body, chosen.status, {}
    # A non-proxy integration passes none of the service's headers: only what responseParameters map.
    content_type = _JSON
    template_type, template = _response_template(chosen.templates, request.header("accept"))
    if template is not None and template.strip():
        try:
            rendered = render(template, body=answer.body, params=sources.params(), context=sources.context,
                              stage_variables=sources.stage_variables, override="responseOverride")
        except TemplateFailure as error:
            raise IntegrationFailure(f"the response template failed: {error}") from None
        body = rendered.text.encode()
        status = _override_status(rendered.overrides.get("status"), status)
        headers.update({str(key): str(value) for key, value in rendered.overrides.get("header", {}).items()})
    if template_type is not None:
        content_type = template_type
    for target, expression in chosen.parameters.items():
        value = mapping_value(expression, answered, "integration.response")
        if target.startswith("method.response.header.") and value is not None:
            headers[target.removeprefix("method.response.header.")] = value
    return ApiResponse(status, {"Content-Type": content_type, **headers}, body)


def _override_status(value: Any, status: int) -> int:
    """The status `$context.responseOverride.status` set, when it is an HTTP status."""
    if value is None:
        return status
    if re.fullmatch(r"[1-5][0-9][0-9]", str(value)):
        return int(str(value))
    raise IntegrationFailure(f"the response template set the status to {value!r}, which is not an HTTP status")


def _select(responses: tuple[IntegrationResponse, ...], selector: str) -> IntegrationResponse | None:
    """The response whose pattern matches `selector` in full (Java's `String.matches`), else the default."""
    for response in responses:
        if response.pattern is not None:
            try:
                if re.fullmatch(response.pattern, selector, re.DOTALL):
                    return response
            except re.error:
                continue
    return next((response for response in responses if response.pattern is None), None)


def _response_template(templates: dict[str, str], accept: str) -> tuple[str | None, str | None]:
    if not templates:
        return None, None
    wanted = [part.split(";", 1)[0].strip().lower() for part in accept.split(",") if part.strip()]
    for kind in (*wanted, _JSON):
        for declared, text in templates.items():
            if declared.lower() == kind:
                return declared, text
    declared = next(iter(templates))
    return declared, templates[declared]


def _function_error(answer: HttpAnswer) -> str | None:
    """A Lambda function's `errorMessage` when the service called was Lambda and the function failed."""
    if not any(key.lower() == "x-amz-function-error" for key in answer.headers):
        return None
    try:
        message = json_text.loads(answer.body).get("errorMessage")
    except (json.JSONDecodeError, AttributeError):
        return ""
    return str(message) if message is not None else ""


def _mock_status(body: bytes) -> int:
    try:
        status = json_text.loads(body or b"{}").get("statusCode", 200)
    except (json.JSONDecodeError, AttributeError):
        raise IntegrationFailure("the MOCK integration's request template must render a JSON object with its "
                                 "statusCode") from None
    if not isinstance(status, int) or isinstance(status, bool):
        raise IntegrationFailure(f"the MOCK integration's statusCode {status!r} is not a number")
    return status


def _served(service: str) -> str:
    name = served_service(service)
    if name is None:
        raise IntegrationFailure(f"the {service!r} service is not emulated locally")
    return name


def _typed(member: Shape, text: str) -> Any:
    """A parameter's text as the member's type: JSON for lists, maps and structures (a list also as
    comma-separated text), numbers, booleans, and base64 for blobs."""
    if member.type_name in ("list", "map", "structure"):
        try:
            return json_text.loads(text)
        except json.JSONDecodeError:
            if member.type_name == "list":
                return [part.strip() for part in text.split(",") if part.strip()]
            raise IntegrationFailure(f"{text!r} is not the JSON its {member.type_name} parameter needs") from None
    return scalar(member, text)

