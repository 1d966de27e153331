"""The non-Lambda integrations a route may have, read from the template: a REST API's `AWS`, `MOCK`,
`HTTP` and `HTTP_PROXY` integrations, and an HTTP API's AWS service (`IntegrationSubtype`) and
`HTTP_PROXY` integrations.

- **REST `AWS`** (API Gateway docs: "Set up an AWS service integration"): the `uri` names the service and
  either an action (`arn:aws:apigateway:us-east-1:states:action/StartExecution`) or a path
  (`arn:aws:apigateway:us-east-1:sqs:path/123456789012/orders`). Its `requestTemplates` (one per
  request Content-Type) and `requestParameters` build the service request; its responses, chosen by
  `selectionPattern` against the service's status code (a Lambda function's `errorMessage`), map the
  answer back with `responseTemplates` and `responseParameters`.
- **REST `MOCK`**: the request template's `statusCode` chooses the response; nothing is called.
- **REST `HTTP` and `HTTP_PROXY`, HTTP API `HTTP_PROXY`**: the request goes to the uri, an http(s) URL
  whose `{name}` parts are path parameters; `HTTP` maps it both ways as `AWS` does, the proxies pass it
  through (API Gateway docs: "Set up HTTP integrations").
- **HTTP `AWS_PROXY` with an `IntegrationSubtype`** (`SQS-SendMessage`, `EventBridge-PutEvents`,
  `StepFunctions-StartExecution` …; API Gateway docs: "Integration subtype reference"): its
  `RequestParameters` map the request onto the action's parameters.

The same integration is read from an OpenAPI `x-amazon-apigateway-integration` (camelCase) and from an
`AWS::ApiGateway::Method`'s `Integration` or an `AWS::ApiGatewayV2::Integration` (PascalCase).

Example:
    >>> integration = read_rest_integration({"type": "aws", "httpMethod": "POST",
    ...     "uri": "arn:aws:apigateway:us-east-1:states:action/StartExecution"})
    >>> integration.service, integration.action
    ('states', 'StartExecution')
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

#: `arn:aws:apigateway:<region>:<subdomain.>service:action/<Action>` or `…:path/<path>`.
_SERVICE_URI = re.compile(r"^arn:[^:]+:apigateway:(?P<region>[^:]*):(?:[^:.]+\.)?(?P<service>[^:.]+)"
                          r":(?P<kind>action|path)/(?P<rest>.*)$", re.DOTALL)
PASSTHROUGH = ("WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER")
#: The subtypes API Gateway offers HTTP APIs, with the botocore service and operation each calls.
SUBTYPES = {
    "SQS-SendMessage": ("sqs", "SendMessage"),
    "SQS-ReceiveMessage": ("sqs", "ReceiveMessage"),
    "SQS-DeleteMessage": ("sqs", "DeleteMessage"),
    "SQS-PurgeQueue": ("sqs", "PurgeQueue"),
    "EventBridge-PutEvents": ("events", "PutEvents"),
    "Kinesis-PutRecord": ("kinesis", "PutRecord"),
    "StepFunctions-StartExecution": ("stepfunctions", "StartExecution"),
    "StepFunctions-StartSyncExecution": ("stepfunctions", "StartSyncExecution"),
    "StepFunctions-StopExecution": ("stepfunctions", "StopExecution"),
    "AppConfig-GetConfiguration": ("appconfig", "GetConfiguration"),
}


# The name an integration uri gives a service where it is not botocore's (its endpoint prefix).
_BOTOCORE_NAMES = {"states": "stepfunctions"}


def served_service(name: str) -> str | None:
    """botocore's name of the service an integration uri (`states`) or subtype names, when the local
    stack serves it; else None."""
    from sluice.local.edge.routing import SERVICES  # noqa: PLC0415 - the edge serves what a stack serves

    botocore_name = _BOTOCORE_NAMES.get(name, name)
    return botocore_name if botocore_name in SERVICES else None


class IntegrationError(ValueError):
    """An integration the template declares in a way API Gateway would refuse."""


class IntegrationFailure(Exception):
    """A request the integration could not carry out: said in the trace, answered as API Gateway's 500,
    or its 504 when an endpoint timed out."""

    def __init__(self, message: str, *, timed_out: bool = False) -> None:
        super().__init__(message)
        self.timed_out = timed_out


@dataclass(frozen=True)
class IntegrationResponse:
    """One of a non-proxy integration's responses."""

    status: int
    #: The regular expression the service's status code (a function's `errorMessage`) must match in
    #: full; None for the default response.
    pattern: str | None
    templates: dict[str, str]
    #: `method.response.header.<name>` → a mapping expression.
    parameters: dict[str, str]


@dataclass(frozen=True)
class RestIntegration:
    """A REST API's `AWS`, `MOCK`, `HTTP` or `HTTP_PROXY` integration."""

    kind: Literal["AWS", "MOCK", "HTTP", "HTTP_PROXY"]
    #: The service's endpoint prefix as the uri names it (`sqs`, `states`, `dynamodb`); "" for the others.
    service: str = ""
    action: str | None = None
    path: str | None = None
    #: An `HTTP`/`HTTP_PROXY` integration's endpoint, with `{name}` path parameters to fill.
    url: str | None = None
    http_method: str = "POST"
    #: How long the endpoint may take (`timeoutInMillis`; API Gateway's default 29 s).
    timeout: float = 29.0
    request_templates: tuple[tuple[str, str], ...] = ()
    #: `integration.request.<header|querystring|path>.<name>` → a mapping expression.
    request_parameters: tuple[tuple[str, str], ...] = ()
    passthrough: str = "WHEN_NO_MATCH"
    responses: tuple[IntegrationResponse, ...] = ()


@dataclass(frozen=True)
class HttpProxyIntegration:
    """An HTTP API's `HTTP_PROXY` integration: the request sent on to `url`, the answer sent back."""

    url: str
    #: `IntegrationMethod`; `ANY` sends the request's own method.
    http_method: str = "ANY"
    #: `<append|overwrite|remove>:<header.name|querystring.name|path>` → a mapping expression.
    parameters: tuple[tuple[str, str], ...] = ()
    #: `TimeoutInMillis` (HTTP APIs' default and maximum: 30 s).
    timeout: float = 30.0


@dataclass(frozen=True)
class SubtypeIntegration:
    """An HTTP API's AWS service integration."""

    subtype: str
    #: The action's parameter names (`QueueUrl`, `MessageBody` …) → mapping expressions.
    parameters: tuple[tuple[str, str], ...]

    @property
    def service(self) -> str:
        return SUBTYPES[self.subtype][0]

    @property
    def operation(self) -> str:
        return SUBTYPES[self.subtype][1]


ServiceIntegration = RestIntegration | SubtypeIntegration | HttpProxyIntegration


def read_rest_integration(spec: dict[str, Any]) -> RestIntegration:
    """An `AWS` or `MOCK` integration from its OpenAPI (camelCase) or CloudFormation (PascalCase) form."""
    get = _getter(spec)
    kind = str(get("type", "")).upper()
    if kind not in ("AWS", "MOCK", "HTTP", "HTTP_PROXY"):
        raise IntegrationError(f"not an AWS, MOCK, HTTP or HTTP_PROXY integration: {kind or 'no type'}")
    passthrough = str(get("passthroughBehavior", "WHEN_NO_MATCH")).upper()
    if passthrough not in PASSTHROUGH:
        raise IntegrationError(f"passthroughBehavior {passthrough!r} is not one of {', '.join(PASSTHROUGH)}")
    fields: dict[str, Any] = {}
    if kind == "AWS":
        uri = str(get("uri", ""))
        found = _SERVICE_URI.match(uri)
        if found is None:
            raise IntegrationError(f"uri {uri!r} is not an AWS service's (arn:aws:apigateway:<region>:<service>:"
                                   "action/<Action> or :path/<path>)")
        rest = found["rest"]
        fields = {"service": found["service"], "http_method": str(get("httpMethod", "POST")).upper(),
                  "action" if found["kind"] == "action" else "path": rest}
    elif kind in ("HTTP", "HTTP_PROXY"):
        fields = {"url": _endpoint(get("uri")), "http_method": str(get("httpMethod", "ANY")).upper(),
                  "timeout": _timeout(get("timeoutInMillis"), 29.0)}
    return RestIntegration(kind=kind, passthrough=passthrough, responses=_responses(get("responses")),  # type: ignore[arg-type]
                           request_templates=_pairs(get("requestTemplates")),
                           request_parameters=_pairs(get("requestParameters")), **fields)


def read_http_proxy_integration(spec: dict[str, Any]) -> HttpProxyIntegration:
    """An HTTP API's `HTTP_PROXY` integration from its OpenAPI or CloudFormation form."""
    get = _getter(spec)
    return HttpProxyIntegration(_endpoint(get("integrationUri", get("uri"))),
                                str(get("integrationMethod", get("httpMethod", "ANY"))).upper(),
                                _pairs(get("requestParameters")), _timeout(get("timeoutInMillis"), 30.0))


def _endpoint(uri: Any) -> str:
    text = str(uri or "")
    if not text.lower().startswith(("http://", "https://")):
        raise IntegrationError(f"uri {text!r} is not an http(s) URL (a VPC link's or a service's is not served)")
    return text


def _timeout(millis: Any, default: float) -> float:
    try:
        return int(millis) / 1000 if millis is not None else default
    except (TypeError, ValueError):
        raise IntegrationError(f"timeoutInMillis {millis!r} is not a number of milliseconds") from None


def read_subtype_integration(spec: dict[str, Any]) -> SubtypeIntegration:
    """An HTTP API's AWS service integration from its OpenAPI or CloudFormation form."""
    get = _getter(spec)
    subtype = str(get("integrationSubtype", ""))
    if subtype not in SUBTYPES:
        raise IntegrationError(f"IntegrationSubtype {subtype!r} is not one of {', '.join(SUBTYPES)}")
    return SubtypeIntegration(subtype, _pairs(get("requestParameters")))


def _getter(spec: dict[str, Any]) -> Any:
    """Read a member by its OpenAPI name or the CloudFormation name (`httpMethod`: `IntegrationHttpMethod`)."""
    aliases = {"httpMethod": "IntegrationHttpMethod", "responses": "IntegrationResponses"}

    def get(name: str, default: Any = None) -> Any:
        for key in (name, name[0].upper() + name[1:], aliases.get(name, "")):
            if key in spec:
                return spec[key]
        return default
    return get


def _pairs(value: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict):
        return ()
    return tuple((str(key), "" if item is None else str(item)) for key, item in value.items())


def _responses(value: Any) -> tuple[IntegrationResponse, ...]:
    """OpenAPI's `responses` map (selection pattern → response; `default`) or CloudFormation's
    `IntegrationResponses` list (each with its `SelectionPattern`)."""
    if isinstance(value, dict):
        items = [({**spec, "selectionPattern": None if pattern == "default" else pattern})
                 for pattern, spec in value.items() if isinstance(spec, dict)]
    elif isinstance(value, list):
        items = [spec for spec in value if isinstance(spec, dict)]
    else:
        items = []
    responses = []
    for spec in items:
        get = _getter(spec)
        status = str(get("statusCode", "200"))
        if not re.fullmatch(r"[1-5][0-9][0-9]", status):  # API Gateway's own check on the integration
            raise IntegrationError(f"an integration response's statusCode {status!r} is not an HTTP status "
                                   "(100-599)")
        pattern = get("selectionPattern")
        responses.append(IntegrationResponse(int(status), str(pattern) if pattern not in (None, "") else None,
                                             dict(_pairs(get("responseTemplates"))),
                                             dict(_pairs(get("responseParameters")))))
    return tuple(responses)
