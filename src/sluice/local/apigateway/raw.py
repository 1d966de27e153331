"""APIs declared with CloudFormation's own resources rather than SAM's, read as API Gateway deploys them.

- REST: an `AWS::ApiGateway::RestApi`, its `AWS::ApiGateway::Resource` tree (`PathPart` under
  `ParentId`; the root is `!GetAtt Api.RootResourceId`) and the `AWS::ApiGateway::Method`s on it, or
  its inline OpenAPI `Body`. It is reachable at the stage an `AWS::ApiGateway::Stage` or an
  `AWS::ApiGateway::Deployment` with `StageName` deploys it to.
- HTTP: an `AWS::ApiGatewayV2::Api` with `ProtocolType: HTTP`, its `AWS::ApiGatewayV2::Route`s
  (`RouteKey`, `Target: integrations/<integration id>`) and their `AWS::ApiGatewayV2::Integration`s, its
  `Body`, or quick create's `Target` (a `$default` route and stage). Its stage is the
  `AWS::ApiGatewayV2::Stage` declared for it (`$default` for quick create).

A Lambda proxy integration (`AWS_PROXY`, the function's ARN or its invocation ARN
`arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<function ARN>/invocations`) of a function
of the template is a route; so is a REST `AWS` or `MOCK` integration and an HTTP API's AWS service
integration (`IntegrationSubtype`), read by `integrations`. Any other integration and an API without a
stage are warned about and not served (CloudFormation: AWS::ApiGateway::Method Integration,
AWS::ApiGatewayV2::Integration; API Gateway docs: "Set up a Lambda proxy integration"). A WebSocket
API is read by `sluice.local.apigateway.websocket`.

Example:
    >>> [route.key for api in raw_apis(template) for route in api.routes]
    ['GET /orders', 'ANY /orders/{id}', 'OPTIONS /orders']
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from sluice import json_text
from sluice.local.apigateway.cors import read_cors
from sluice.local.apigateway.definition import function_target, openapi_routes, service_integration
from sluice.local.apigateway.raw_authorizers import route_authorizer
from sluice.local.apigateway.resources import DEFAULT_STAGE, RAW_HTTP_API, RAW_REST_API, api_id
from sluice.local.apigateway.resources import HTTP_API as SAM_HTTP_API
from sluice.local.apigateway.resources import REST_API as SAM_REST_API
from sluice.local.apigateway.routes import DEFAULT_ROUTE, METHODS, Api, Protocol, Route, gateway_responses
from sluice.local.errors import TemplateError
from sluice.local.lambda_.resources import function_arns

if TYPE_CHECKING:
    from sluice.local.template.model import ResourceDecl, SamTemplate

RESOURCE, METHOD = "AWS::ApiGateway::Resource", "AWS::ApiGateway::Method"
VALIDATOR, MODEL = "AWS::ApiGateway::RequestValidator", "AWS::ApiGateway::Model"
REST_STAGES = ("AWS::ApiGateway::Stage", "AWS::ApiGateway::Deployment")
ROUTE, INTEGRATION = "AWS::ApiGatewayV2::Route", "AWS::ApiGatewayV2::Integration"
HTTP_STAGE = "AWS::ApiGatewayV2::Stage"
_INTEGRATION_PREFIX = "integrations/"


def raw_apis(template: SamTemplate) -> list[Api]:
    """The template's REST and HTTP APIs declared with raw resources, each with its Lambda proxy routes;
    those no client could reach (no stage) are warned about and left out (WebSocket APIs: `websocket`)."""
    apis = []
    functions = function_arns(template)
    for decl in template.of_type(RAW_REST_API, RAW_HTTP_API):
        rest = decl.type == RAW_REST_API
        if not rest and str(template.prop(decl, "ProtocolType", "HTTP")).upper() != "HTTP":
            continue  # a WebSocket API (`sluice.local.apigateway.websocket`)
        protocol: Protocol = "REST" if rest else "HTTP"
        routes = list(_rest_routes(template, decl, functions) if rest else _http_routes(template, decl, functions))
        body = template.prop(decl, "Body")
        if body is not None:
            routes.extend(openapi_routes(template, decl, body, protocol, where="Body"))
        stage = _rest_stage(template, decl) if rest else _http_stage(template, decl)
        if stage is None:
            template.unsupported("no stage deploys this API (AWS::ApiGateway::Deployment with StageName, or a Stage): "
                                 "no client can reach it, locally either", resource=decl.logical_id)
            continue
        binary = template.prop(decl, "BinaryMediaTypes") or [] if rest else []
        # An HTTP API's `CorsConfiguration` is SAM's shape; a REST API answers OPTIONS with its own methods.
        apis.append(Api(logical_id=decl.logical_id, api_id=api_id(template, decl.logical_id), protocol=protocol,
                        stage=stage, routes=tuple(routes), cors=None if rest else read_cors(template, decl, "HTTP"),
                        binary_media_types=tuple(str(media) for media in binary),
                        gateway_responses=gateway_responses(template, decl, body) if rest else {}))
    _warn_unclaimed(template)
    return apis


def attached_routes(template: SamTemplate, decl: ResourceDecl) -> list[Route]:
    """The routes raw resources add to a SAM API: an `AWS::ApiGateway::Method` whose `RestApiId` is an
    `AWS::Serverless::Api` (on its `RootResourceId` tree), an `AWS::ApiGatewayV2::Route` whose `ApiId`
    is an `AWS::Serverless::HttpApi`. SAM deploys its API as the raw one of the same logical id, so
    CloudFormation attaches them as to any."""
    functions = function_arns(template)
    if decl.type == SAM_REST_API:
        return list(_rest_routes(template, decl, functions))
    return list(_http_routes(template, decl, functions, quick_create=False))


def _warn_unclaimed(template: SamTemplate) -> None:
    """A method or route whose API is not one of the template's (`RestApiId: "MyApi"` written as a string,
    not `!Ref MyApi`, names an API id nothing deploys) is said, never left out silently."""
    for part_type, key, api_type in ((METHOD, "RestApiId", (RAW_REST_API, SAM_REST_API)),
                                     (ROUTE, "ApiId", (RAW_HTTP_API, SAM_HTTP_API))):
        apis = list(template.of_type(*api_type))
        for part in template.of_type(part_type):
            if not any(_belongs(template, part, api, key) for api in apis):
                template.unsupported(f"its {key} {template.prop(part, key)!r} is not an API of the template "
                                     "(a reference is written !Ref <Api>): not served", resource=part.logical_id,
                                     property=key)


def _belongs(template: SamTemplate, part: ResourceDecl, api: ResourceDecl, key: str) -> bool:
    return bool(template.prop(part, key) == template.ref(api.logical_id))


def _rest_routes(template: SamTemplate, api: ResourceDecl, functions: frozenset[str]) -> Iterator[Route]:
    root = template.get_att(api.logical_id, "RootResourceId")
    parts = {template.ref(decl.logical_id): decl for decl in template.of_type(RESOURCE)
             if _belongs(template, decl, api, "RestApiId")}

    def path(resource_id: Any, seen: tuple[str, ...] = ()) -> str | None:
        if resource_id == root:
            return ""
        decl = parts.get(resource_id)
        if decl is None or decl.logical_id in seen:
            return None
        parent = path(template.prop(decl, "ParentId"), (*seen, decl.logical_id))
        return None if parent is None else f"{parent}/{template.prop(decl, 'PathPart')}"

    for method in template.of_type(METHOD):
        if not _belongs(template, method, api, "RestApiId"):
            continue
        where = f"{method.logical_id}.Integration"
        resource_path = path(template.prop(method, "ResourceId"))
        verb = str(template.prop(method, "HttpMethod", "")).upper()
        integration = template.prop(method, "Integration") or {}
        kind = str(integration.get("Type", "")).upper() if isinstance(integration, dict) else ""
        if resource_path is not None and verb in METHODS and kind in ("AWS", "MOCK", "HTTP", "HTTP_PROXY"):
            service = service_integration(template, method, integration, where="Integration",
                                          title=f"{verb} {resource_path or '/'}", protocol="REST")
            if service is not None:
                schema, required = _method_validation(template, method)
                yield Route(verb, resource_path or "/", None, "1.0", where, integration=service, body_schema=schema,
                            required_parameters=required,
                            authorizer=route_authorizer(template, method, functions, protocol="REST"))
            continue
        target = function_target(integration.get("Uri"), functions) if kind == "AWS_PROXY" else None
        if resource_path is None or verb not in METHODS or target is None:
            reason = ("its ResourceId is not a resource of the API" if resource_path is None
                      else f"HttpMethod {verb!r} is not one of {', '.join(METHODS)}" if verb not in METHODS
                      else f"only Lambda proxy (AWS_PROXY) integrations of the template's functions, AWS service "
                           f"(AWS), MOCK and HTTP integrations are served locally, not "
                           f"{kind or 'a missing integration'}")
            template.unsupported(f"{verb} {resource_path or '?'}: {reason}", resource=method.logical_id,
                                 property="Integration")
            continue
        schema, required = _method_validation(template, method)
        yield Route(verb, resource_path or "/", target, "1.0", where, body_schema=schema, required_parameters=required,
                    authorizer=route_authorizer(template, method, functions, protocol="REST"))


def _method_validation(template: SamTemplate, method: ResourceDecl) -> tuple[dict[str, Any] | None,
                                                                             tuple[tuple[str, str], ...]]:
    """What a method's request validator (`RequestValidatorId`, an `AWS::ApiGateway::RequestValidator`)
    checks: the body against its `RequestModels` model (an `AWS::ApiGateway::Model`'s `Schema`, JSON text
    or an object), and its `RequestParameters` marked `true` (required) in the query string and headers."""
    validator_id = template.prop(method, "RequestValidatorId")
    validator = next((decl for decl in template.of_type(VALIDATOR) if template.ref(decl.logical_id) == validator_id),
                     None) if validator_id is not None else None
    if validator is None:
        return None, ()
    schema = None
    if template.prop(validator, "ValidateRequestBody") in (True, "true"):
        models = template.prop(method, "RequestModels") or {}
        reference = models.get("application/json", next(iter(models.values()), None)) if isinstance(models, dict) \
            else None
        model = next((decl for decl in template.of_type(MODEL) if reference in (template.ref(decl.logical_id),
                                                                                template.prop(decl, "Name"))), None)
        schema = model_schema(template, model)
    required: tuple[tuple[str, str], ...] = ()
    if template.prop(validator, "ValidateRequestParameters") in (True, "true"):
        declared = template.prop(method, "RequestParameters") or {}
        if not isinstance(declared, dict):  # CloudFormation refuses it: a map of names to booleans
            raise TemplateError("RequestParameters must map method.request.* names to true or false",
                                resource=method.logical_id, property="RequestParameters", origin=template.origin)
        required = tuple(("query" if where == "querystring" else where, name)
                         for key, needed in declared.items() if needed in (True, "true")
                         for where, _, name in [str(key).removeprefix("method.request.").partition(".")]
                         if where in ("querystring", "header"))
    return schema, required


def model_schema(template: SamTemplate, model: ResourceDecl | None) -> dict[str, Any] | None:
    """An `AWS::ApiGateway::Model`'s (or `AWS::ApiGatewayV2::Model`'s) `Schema`: JSON text or an object;
    text that is not JSON is a template error, as API Gateway refuses the model when it is created."""
    text = template.prop(model, "Schema") if model is not None else None
    try:
        return json_text.loads(text) if isinstance(text, str) else text if isinstance(text, dict) else None
    except json.JSONDecodeError as error:
        raise TemplateError(f"its Schema is not JSON: {error}", resource=model.logical_id if model else None,
                            property="Schema", origin=template.origin) from None


def _http_routes(template: SamTemplate, api: ResourceDecl, functions: frozenset[str], *,
                 quick_create: bool = True) -> Iterator[Route]:
    quick = template.prop(api, "Target") if quick_create else None
    if quick is not None:
        target = function_target(quick, functions)
        if target is None:
            template.unsupported(f"its Target {quick!r} is not a function of the template", resource=api.logical_id,
                                 property="Target")
        else:
            yield Route("ANY", DEFAULT_ROUTE, target, "2.0", f"{api.logical_id}.Target")
    integrations = {template.ref(decl.logical_id): decl for decl in template.of_type(INTEGRATION)
                    if _belongs(template, decl, api, "ApiId")}
    for route in template.of_type(ROUTE):
        if not _belongs(template, route, api, "ApiId"):
            continue
        key = str(template.prop(route, "RouteKey", ""))
        authorizer = route_authorizer(template, route, functions, protocol="HTTP")
        reference = str(template.prop(route, "Target", ""))
        integration = integrations.get(reference.removeprefix(_INTEGRATION_PREFIX))
        kind = str(template.prop(integration, "IntegrationType", "")).upper() if integration else ""
        method, _, path = key.partition(" ")
        routable = key == DEFAULT_ROUTE or (method.upper() in METHODS and path.startswith("/"))
        if integration is not None and routable and (template.prop(integration, "IntegrationSubtype")
                                                     or kind == "HTTP_PROXY"):
            resolved = {name: template.prop(integration, name) for name in integration.properties}
            service = service_integration(template, integration, resolved, where="IntegrationUri",
                                          title=f"route {key!r}", protocol="HTTP")
            if service is not None:
                yield Route("ANY", DEFAULT_ROUTE, None, "1.0", route.logical_id, integration=service,
                            authorizer=authorizer) \
                    if key == DEFAULT_ROUTE else Route(method.upper(), path, None, "1.0", route.logical_id,
                                                       integration=service, authorizer=authorizer)
            continue
        target = function_target(template.prop(integration, "IntegrationUri"), functions) \
            if integration is not None and kind == "AWS_PROXY" else None
        if target is None or not (key == DEFAULT_ROUTE or (method.upper() in METHODS and path.startswith("/"))):
            template.unsupported(f"route {key!r}: only Lambda proxy (AWS_PROXY) integrations of the template's "
                                 f"functions, AWS service integrations (IntegrationSubtype) and HTTP_PROXY ones are "
                                 f"served locally",
                                 resource=route.logical_id, property="Target")
            continue
        assert integration is not None  # a target was found through it
        version = str(template.prop(integration, "PayloadFormatVersion", "2.0"))
        yield Route("ANY", DEFAULT_ROUTE, target, version, route.logical_id, authorizer=authorizer) \
            if key == DEFAULT_ROUTE else Route(method.upper(), path, target, version, route.logical_id,
                                               authorizer=authorizer)


def _rest_stage(template: SamTemplate, api: ResourceDecl) -> str | None:
    for decl in template.of_type(*REST_STAGES):
        name = template.prop(decl, "StageName")
        if name and _belongs(template, decl, api, "RestApiId"):
            return str(name)
    return None


def _http_stage(template: SamTemplate, api: ResourceDecl) -> str | None:
    if template.prop(api, "Target") is not None:
        return DEFAULT_STAGE  # quick create deploys to $default
    for decl in template.of_type(HTTP_STAGE):
        name = template.prop(decl, "StageName")
        if name and _belongs(template, decl, api, "ApiId"):
            return str(name)
    return None
