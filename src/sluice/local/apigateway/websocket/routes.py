"""The template's WebSocket APIs, read as API Gateway deploys them: an `AWS::ApiGatewayV2::Api` with
`ProtocolType: WEBSOCKET`, its `AWS::ApiGatewayV2::Route`s (`$connect`, `$disconnect`, `$default` and
custom route keys) and their `AWS::ApiGatewayV2::Integration`s, its `AWS::ApiGatewayV2::Stage`, a
`REQUEST` `AWS::ApiGatewayV2::Authorizer` on `$connect`, the `RequestModels` a route validates messages
against (`AWS::ApiGatewayV2::Model`s), and the `RouteResponse`s that make a route two-way (API Gateway
docs: "Working with WebSocket APIs"; CloudFormation: AWS::ApiGatewayV2::*).

A route's integration is a Lambda proxy (`AWS_PROXY`) to a function of the template, or an `AWS` or
`MOCK` integration whose `RequestTemplates` are chosen by its `TemplateSelectionExpression`. Anything
else, a WebSocket API without a stage, and an authorizer that is not a Lambda `REQUEST` one are warned
about and not served.

Example:
    >>> [sorted(api.routes) for api in read_websocket_apis(template)]
    [['$connect', '$default', '$disconnect', 'sendmessage']]
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sluice.local.apigateway.authorizers import LambdaAuthorizer
from sluice.local.apigateway.definition import function_target, service_integration
from sluice.local.apigateway.integrations import RestIntegration
from sluice.local.apigateway.raw import model_schema
from sluice.local.apigateway.resources import RAW_HTTP_API, api_id
from sluice.local.errors import TemplateError
from sluice.local.lambda_.resources import function_arns

if TYPE_CHECKING:
    from sluice.local.template.model import ResourceDecl, SamTemplate

ROUTE, INTEGRATION = "AWS::ApiGatewayV2::Route", "AWS::ApiGatewayV2::Integration"
STAGE, AUTHORIZER, MODEL = "AWS::ApiGatewayV2::Stage", "AWS::ApiGatewayV2::Authorizer", "AWS::ApiGatewayV2::Model"
ROUTE_RESPONSE, INTEGRATION_RESPONSE = "AWS::ApiGatewayV2::RouteResponse", "AWS::ApiGatewayV2::IntegrationResponse"
CONNECT, DISCONNECT, DEFAULT = "$connect", "$disconnect", "$default"
#: `$request.body.<path>` or `${request.body.<path>}` (API Gateway docs: "Route selection expressions").
#: A template selection expression may leave out the `$` (`request.body.action`).
_BODY_EXPRESSION = re.compile(r"^(?:\$\{request\.body\.(?P<braced>[^}]+)\}|\$?request\.body\.(?P<plain>\S+))$")
_INTEGRATION_PREFIX = "integrations/"
_IDENTITY_SOURCE = re.compile(r"^route\.request\.(?P<where>header|querystring)\.(?P<name>.+)$")


@dataclass(frozen=True)
class Selection:
    """A route (or template) selection expression: a path into the message's JSON body, or a constant
    (`\\$default`, the escaped form of a key that starts with `$`)."""

    path: tuple[str, ...] | None
    constant: str = DEFAULT

    @classmethod
    def parse(cls, expression: Any) -> Selection:
        text = str(expression or "").strip()
        found = _BODY_EXPRESSION.match(text)
        if found is None:
            return cls(None, text.replace("\\$", "$") or DEFAULT)
        return cls(tuple((found["braced"] or found["plain"]).split(".")))

    def key(self, message: Any) -> str:
        """The key `message` (its JSON body, or None when it is not JSON) selects; `$default` when the
        expression cannot be evaluated against it (a non-JSON message, a member missing, not a scalar)."""
        if self.path is None:
            return self.constant
        value = message
        for part in self.path:
            if not isinstance(value, dict) or part not in value:
                return DEFAULT
            value = value[part]
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value) if isinstance(value, str | int | float) else DEFAULT


@dataclass(frozen=True)
class WebSocketRoute:
    """One route: a function (Lambda proxy) or a service or mock integration."""

    key: str
    function: str | None = None
    integration: RestIntegration | None = None
    #: The integration's `RequestTemplates` by key, chosen by `template_selection`.
    templates: tuple[tuple[str, str], ...] = ()
    template_selection: Selection = field(default_factory=lambda: Selection(None))
    #: A route response (or a `RouteResponseSelectionExpression`) sends the integration's answer back.
    two_way: bool = False
    #: `$connect`'s Lambda `REQUEST` authorizer.
    authorizer: LambdaAuthorizer | None = None
    #: `RequestModels` (key → JSON schema), chosen by `ModelSelectionExpression`; None: no validation.
    model_selection: Selection | None = None
    models: tuple[tuple[str, dict[str, Any]], ...] = ()

    def model(self, message: Any) -> dict[str, Any] | None:
        """The schema `message` must match: its selected key's, else `$default`'s; None when there is none
        (API Gateway docs: "Request validation for WebSocket APIs": then the validation fails)."""
        assert self.model_selection is not None
        models = dict(self.models)
        return models.get(self.model_selection.key(message), models.get(DEFAULT))

    def template(self, message: Any) -> str | None:
        """The request template for `message`: the one its selection names, else `$default`'s."""
        templates = dict(self.templates)
        return templates.get(self.template_selection.key(message), templates.get(DEFAULT))


@dataclass(frozen=True)
class WebSocketApi:
    logical_id: str
    api_id: str
    stage: str
    selection: Selection
    routes: dict[str, WebSocketRoute]
    stage_variables: dict[str, str] = field(default_factory=dict)

    def route_for(self, message: Any) -> WebSocketRoute | None:
        """The route a message takes: its selected key's, else `$default`; None when neither exists."""
        return self.routes.get(self.selection.key(message)) or self.routes.get(DEFAULT)


def is_websocket(template: SamTemplate, decl: ResourceDecl) -> bool:
    return decl.type == RAW_HTTP_API and str(template.prop(decl, "ProtocolType", "HTTP")).upper() == "WEBSOCKET"


def read_websocket_apis(template: SamTemplate) -> list[WebSocketApi]:
    """The template's WebSocket APIs that a client could reach (those with a stage)."""
    apis = []
    for decl in template.of_type(RAW_HTTP_API):
        if not is_websocket(template, decl):
            continue
        stage = _stage(template, decl)
        if stage is None:
            template.unsupported("no AWS::ApiGatewayV2::Stage deploys this WebSocket API: no client can reach it, "
                                 "locally either", resource=decl.logical_id)
            continue
        name, variables = stage
        apis.append(WebSocketApi(decl.logical_id, api_id(template, decl.logical_id), name,
                                 Selection.parse(template.prop(decl, "RouteSelectionExpression")),
                                 {route.key: route for route in _routes(template, decl)}, variables))
    return apis


def _belongs(template: SamTemplate, part: ResourceDecl, api: ResourceDecl) -> bool:
    return bool(template.prop(part, "ApiId") == template.ref(api.logical_id))


def _stage(template: SamTemplate, api: ResourceDecl) -> tuple[str, dict[str, str]] | None:
    for decl in template.of_type(STAGE):
        name = template.prop(decl, "StageName")
        if name and _belongs(template, decl, api):
            variables = template.prop(decl, "StageVariables") or {}
            return str(name), {str(key): str(value) for key, value in variables.items()} \
                if isinstance(variables, dict) else {}
    return None


def _routes(template: SamTemplate, api: ResourceDecl) -> Iterator[WebSocketRoute]:
    functions = function_arns(template)
    integrations = {template.ref(decl.logical_id): decl for decl in template.of_type(INTEGRATION)
                    if _belongs(template, decl, api)}
    # A list, not a set: a RouteId written as something other than a reference may be a mapping.
    two_way = [template.prop(decl, "RouteId") for decl in template.of_type(ROUTE_RESPONSE)
               if _belongs(template, decl, api)]
    for route in template.of_type(ROUTE):
        if not _belongs(template, route, api):
            continue
        key = str(template.prop(route, "RouteKey", ""))
        reference = str(template.prop(route, "Target", "")).removeprefix(_INTEGRATION_PREFIX)
        integration = integrations.get(reference)
        if integration is None:
            template.unsupported(f"route {key!r} has no integration of this API (Target: integrations/<id>): not "
                                 "served", resource=route.logical_id, property="Target")
            continue
        authorizer = _authorizer(template, route, functions) if key == CONNECT else None
        common: dict[str, Any] = {
            "key": key, "authorizer": authorizer, **_models(template, api, route),
            "two_way": template.ref(route.logical_id) in two_way
            or template.prop(route, "RouteResponseSelectionExpression") is not None}
        kind = str(template.prop(integration, "IntegrationType", "")).upper()
        if kind == "AWS_PROXY":
            target = function_target(template.prop(integration, "IntegrationUri"), functions)
            if target is None:
                template.unsupported(f"route {key!r}: its Lambda proxy integration names no function of the "
                                     "template: not served", resource=integration.logical_id, property="IntegrationUri")
                continue
            yield WebSocketRoute(function=target, **common)
        elif kind in ("AWS", "MOCK"):
            served = _service(template, integration, key)
            if served is not None:
                templates = template.prop(integration, "RequestTemplates") or {}
                yield WebSocketRoute(integration=served, template_selection=Selection.parse(
                    template.prop(integration, "TemplateSelectionExpression")),
                    templates=tuple((str(name), str(text)) for name, text in templates.items())
                    if isinstance(templates, dict) else (), **common)
        else:
            template.unsupported(f"route {key!r}: {kind or 'no'} integrations of WebSocket APIs are not served "
                                 "locally (only AWS_PROXY, AWS and MOCK)", resource=integration.logical_id,
                                 property="IntegrationType")


def _models(template: SamTemplate, api: ResourceDecl, route: ResourceDecl) -> dict[str, Any]:
    """A route's request validation: its `ModelSelectionExpression` and `RequestModels`, each naming an
    `AWS::ApiGatewayV2::Model` of the API by its `Name`."""
    expression = template.prop(route, "ModelSelectionExpression")
    if expression is None:
        return {}
    declared = template.prop(route, "RequestModels") or {}
    by_name = {str(template.prop(decl, "Name")): decl for decl in template.of_type(MODEL)
               if _belongs(template, decl, api)}
    models = tuple((str(key), schema) for key, name in (declared.items() if isinstance(declared, dict) else ())
                   if (schema := model_schema(template, by_name.get(str(name)))) is not None)
    return {"model_selection": Selection.parse(expression), "models": models}


def _service(template: SamTemplate, integration: ResourceDecl, key: str) -> RestIntegration | None:
    """An `AWS` or `MOCK` integration, its templates left out (they are chosen per message), with its
    `IntegrationResponse`s (`$default`, or `/<regular expression>/` against the service's status)."""
    responses = [{"statusCode": "200",
                  "selectionPattern": None if str(template.prop(decl, "IntegrationResponseKey")) == DEFAULT
                  else str(template.prop(decl, "IntegrationResponseKey")).strip("/"),
                  "responseTemplates": _response_template(template.prop(decl, "ResponseTemplates"))}
                 for decl in template.of_type(INTEGRATION_RESPONSE)
                 if template.prop(decl, "IntegrationId") == template.ref(integration.logical_id)]
    spec = {"type": template.prop(integration, "IntegrationType"), "uri": template.prop(integration, "IntegrationUri"),
            "httpMethod": template.prop(integration, "IntegrationMethod", "POST"),
            "requestParameters": template.prop(integration, "RequestParameters"),
            "passthroughBehavior": template.prop(integration, "PassthroughBehavior", "WHEN_NO_MATCH"),
            # A one-way route's answer goes nowhere: without a response of its own it passes through.
            "responses": responses or [{"statusCode": "200"}]}
    served = service_integration(template, integration, spec, where="IntegrationUri", title=f"route {key!r}",
                                 protocol="REST")
    return served if isinstance(served, RestIntegration) else None


def _response_template(templates: Any) -> dict[str, str]:
    """An integration response's template: its `$default` one (else its first), which API Gateway sends
    the client whatever it asked for (WebSocket messages have no Accept header)."""
    if not isinstance(templates, dict) or not templates:
        return {}
    return {"application/json": str(templates.get(DEFAULT, next(iter(templates.values()))))}


def _authorizer(template: SamTemplate, route: ResourceDecl, functions: frozenset[str]) -> LambdaAuthorizer | None:
    """`$connect`'s Lambda `REQUEST` authorizer; None when the route has none, or one sluice cannot run
    (IAM, or a function outside the template), which is warned about as not enforced, as on REST and
    HTTP APIs."""
    kind = str(template.prop(route, "AuthorizationType", "NONE")).upper()
    if kind == "NONE":
        return None
    decl = next((found for found in template.of_type(AUTHORIZER)
                 if template.ref(found.logical_id) == template.prop(route, "AuthorizerId")), None)
    function = function_target(template.prop(decl, "AuthorizerUri"), functions) if decl is not None else None
    if kind != "CUSTOM" or decl is None or function is None:
        template.unsupported(f"$connect's {kind} authorization is not enforced locally (only a Lambda REQUEST "
                             "authorizer of the template's functions is)", resource=route.logical_id,
                             property="AuthorizationType")
        return None
    declared = template.prop(decl, "IdentitySource") or []
    if not isinstance(declared, list | str):  # CloudFormation refuses it: a list of strings
        raise TemplateError("IdentitySource must be a list of route.request.header.<name> and "
                            "route.request.querystring.<name> sources", resource=decl.logical_id,
                            property="IdentitySource", origin=template.origin)
    sources = [_IDENTITY_SOURCE.match(str(source)) for source in ([declared] if isinstance(declared, str)
                                                                  else declared)]
    return LambdaAuthorizer(decl.logical_id, function, "REQUEST",
                            tuple(found["name"] for found in sources if found and found["where"] == "header"),
                            tuple(found["name"] for found in sources if found and found["where"] == "querystring"))
