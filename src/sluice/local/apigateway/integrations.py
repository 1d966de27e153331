"""The non-Lambda integrations a route may have, read from the template: a REST API's `AWS` and `MOCK`
integrations, and an HTTP API's AWS service integrations (`IntegrationSubtype`).

- **REST `AWS`** (API Gateway docs: "Set up an AWS service integration"): the `uri` names the service and
  either an action (`arn:aws:apigateway:us-east-1:states:action/StartExecution`) or a path
  (`arn:aws:apigateway:us-east-1:sqs:path/123456789012/orders`). Its `requestTemplates` (one per
  request Content-Type) and `requestParameters` build the service request; its responses, chosen by
  `selectionPattern` against the service's status code (a Lambda function's `errorMessage`), map the
  answer back with `responseTemplates` and `responseParameters`.
- **REST `MOCK`**: the request template's `statusCode` chooses the response; nothing is called.
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
    """A REST API's `AWS` or `MOCK` integration."""

    kind: Literal["AWS", "MOCK"]
    #: The service's endpoint prefix as the uri names it (`sqs`, `states`, `dynamodb`); "" for MOCK.
    service: str = ""
    action: str | None = None
    path: str | None = None
    http_method: str = "POST"
    request_templates: tuple[tuple[str, str], ...] = ()
    #: `integration.request.<header|querystring|path>.<name>` → a mapping expression.
    request_parameters: tuple[tuple[str, str], ...] = ()
    passthrough: str = "WHEN_NO_MATCH"
    responses: tuple[IntegrationResponse, ...] = ()


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


ServiceIntegration = RestIntegration | SubtypeIntegration


def read_rest_integration(spec: dict[str, Any]) -> RestIntegration:
    """An `AWS` or `MOCK` integration from its OpenAPI (camelCase) or CloudFormation (PascalCase) form."""
    get = _getter(spec)
    kind = str(get("type", "")).upper()
    if kind not in ("AWS", "MOCK"):
        raise IntegrationError(f"not an AWS or MOCK integration: {kind or 'no type'}")
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
    return RestIntegration(kind=kind, passthrough=passthrough, responses=_responses(get("responses")),  # type: ignore[arg-type]
                           request_templates=_pairs(get("requestTemplates")),
                           request_parameters=_pairs(get("requestParameters")), **fields)


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
        if not status.isdigit():
            raise IntegrationError(f"an integration response's statusCode {status!r} is not a number")
        pattern = get("selectionPattern")
        responses.append(IntegrationResponse(int(status), str(pattern) if pattern not in (None, "") else None,
                                             dict(_pairs(get("responseTemplates"))),
                                             dict(_pairs(get("responseParameters")))))
    return tuple(responses)
