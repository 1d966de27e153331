"""A REST API's gateway responses: how it customises the answers API Gateway gives itself.

API Gateway answers some requests without the integration: no route (`MISSING_AUTHENTICATION_TOKEN`),
a refused or failed authorizer (`UNAUTHORIZED`, `ACCESS_DENIED`, `AUTHORIZER_CONFIGURATION_ERROR`), a
request validator's refusal (`BAD_REQUEST_BODY`, `BAD_REQUEST_PARAMETERS`), `UNSUPPORTED_MEDIA_TYPE`,
`INTEGRATION_TIMEOUT`, `API_CONFIGURATION_ERROR`. A REST API may give each type, or `DEFAULT_4XX` and
`DEFAULT_5XX` for the rest of a class, its own status, headers and body template (API Gateway docs:
"Gateway responses for REST APIs", "Gateway response types"). Browsers need this most: CORS headers on
an authorizer's 401.

Read from SAM's `GatewayResponses` (`Headers` under `ResponseParameters`), an OpenAPI definition's
`x-amazon-apigateway-gateway-responses`, and `AWS::ApiGateway::GatewayResponse` resources. Header values
are mapping expressions (`'*'`, `method.request.header.Origin`); templates are Velocity over
`$context.error.message`, `messageString` (quoted), `responseType` and `validationErrorString`.

Example:
    >>> responses = read_gateway_responses(template, api_decl, definition)
    >>> responses["DEFAULT_4XX"].headers
    (('Access-Control-Allow-Origin', "'*'"),)
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from sluice import json_text
from sluice.local.apigateway.mapping import Sources, mapping_value
from sluice.local.apigateway.vtl import TemplateFailure, render
from sluice.local.errors import TemplateError

if TYPE_CHECKING:
    from sluice.local.apigateway.events import ApiRequest
    from sluice.local.apigateway.responses import ApiResponse
    from sluice.local.template.model import ResourceDecl, SamTemplate

LOG = logging.getLogger("sluice.apigateway")
RESOURCE = "AWS::ApiGateway::GatewayResponse"
_HEADER = "gatewayresponse.header."


@dataclass(frozen=True)
class GatewayResponse:
    """One response type's customisation."""

    status: int | None
    #: Header name → mapping expression.
    headers: tuple[tuple[str, str], ...] = ()
    #: Content type → Velocity template.
    templates: tuple[tuple[str, str], ...] = ()


def read_gateway_responses(template: SamTemplate, decl: ResourceDecl,
                           definition: Any = None) -> dict[str, GatewayResponse]:
    """The REST API `decl`'s gateway responses: its OpenAPI `definition`'s, its SAM `GatewayResponses`,
    and the `AWS::ApiGateway::GatewayResponse` resources of its `RestApiId` (later ones win)."""
    found: dict[str, GatewayResponse] = {}
    declared = definition.get("x-amazon-apigateway-gateway-responses") if isinstance(definition, dict) else None
    for kind, spec in (declared.items() if isinstance(declared, dict) else ()):
        found[str(kind)] = _read(template, decl, spec)
    sam = template.prop(decl, "GatewayResponses") if decl.type == "AWS::Serverless::Api" else None
    for kind, spec in (sam.items() if isinstance(sam, dict) else ()):
        parameters = spec.get("ResponseParameters") if isinstance(spec, dict) else None
        headers = parameters.get("Headers") if isinstance(parameters, dict) else None
        shaped = {**spec, "ResponseParameters": {_HEADER + str(name): value for name, value in
                                                 (headers.items() if isinstance(headers, dict) else ())}} \
            if isinstance(spec, dict) else spec
        found[str(kind)] = _read(template, decl, shaped)
    for resource in template.of_type(RESOURCE):
        if template.prop(resource, "RestApiId") == template.ref(decl.logical_id):
            kind = str(template.prop(resource, "ResponseType", ""))
            spec = {key: template.prop(resource, key) for key in resource.properties}
            found[kind] = _read(template, resource, spec)
    return found


def _read(template: SamTemplate, decl: ResourceDecl, spec: Any) -> GatewayResponse:
    """One gateway response from OpenAPI's (camelCase) or CloudFormation's (PascalCase) members."""
    if not isinstance(spec, dict):
        raise TemplateError("a gateway response must be a mapping", resource=decl.logical_id,
                            origin=template.origin)
    members = {str(key)[:1].lower() + str(key)[1:]: value for key, value in spec.items()}
    status = members.get("statusCode")
    if status is not None and not (str(status).isdigit() and 100 <= int(str(status)) <= 599):
        raise TemplateError(f"a gateway response's status {status!r} is not an HTTP status", resource=decl.logical_id,
                            origin=template.origin)
    parameters = members.get("responseParameters")
    templates = members.get("responseTemplates")
    return GatewayResponse(
        int(str(status)) if status is not None else None,
        tuple((str(key).removeprefix(_HEADER), str(value)) for key, value in
              (parameters.items() if isinstance(parameters, dict) else ()) if str(key).startswith(_HEADER)),
        tuple((str(kind), str(text)) for kind, text in (templates.items() if isinstance(templates, dict) else ())))


def customised(responses: dict[str, GatewayResponse], request: ApiRequest, response: ApiResponse, *,
               context: dict[str, Any], stage_variables: dict[str, str]) -> ApiResponse:
    """`response` as the API's gateway responses shape it: its type's, else its class's default."""
    kind = response.gateway_type
    if kind is None:
        return response
    chosen = responses.get(kind) or responses.get("DEFAULT_4XX" if response.status < 500 else "DEFAULT_5XX")
    if chosen is None:
        return response
    message = _message(response.body)
    error = {"message": message, "messageString": json.dumps(message), "responseType": kind,
             "validationErrorString": response.validation_error}
    full_context = {**context, "error": error}
    sources = Sources({name.lower(): value for name, value in request.headers}, {}, {}, request.body,
                      full_context, stage_variables)
    headers = dict(response.headers)
    for name, expression in chosen.headers:
        value = mapping_value(expression, sources, "method.request")
        if value is not None:
            headers[name] = value
    body = response.body
    if chosen.templates:
        declared = dict(chosen.templates)
        text = declared.get("application/json", next(iter(declared.values())))
        try:
            body = render(text, body=b"", context=full_context, stage_variables=stage_variables).text.encode()
        except TemplateFailure as failure:  # API Gateway's own body stays; the reason is said
            LOG.warning("gateway response %s: its template failed, API Gateway's own body is sent: %s", kind, failure)
    return replace(response, status=chosen.status or response.status, headers=headers, body=body)


def _message(body: bytes) -> Any:
    """API Gateway's own message in `body` (`message`, or an IAM refusal's `Message`)."""
    try:
        parsed = json_text.loads(body or b"{}")
    except json.JSONDecodeError:
        return None
    return parsed.get("message", parsed.get("Message")) if isinstance(parsed, dict) else None
