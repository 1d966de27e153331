"""The template's APIs and their routes, read as SAM deploys them.

A function's `Api` event adds `METHOD /path` to a REST API (`RestApiId`, else the implicit
`ServerlessRestApi`), always with payload format 1.0 (to an API with its own `DefinitionBody`, only
with `MergeDefinitions`: otherwise that body alone is the API's routes); an `HttpApi` event adds a
route to an HTTP API (`ApiId`, else `ServerlessHttpApi`) with payload format 2.0 unless
`PayloadFormatVersion` says otherwise, and an `HttpApi` event without `Path` and `Method` is the
`$default` route (AWS SAM docs: "Api", "HttpApi" event source types). Where a `DefinitionBody` has an
integration of its own at an event's route, the body's is the route. An API's `DefinitionBody` adds its OpenAPI paths
(`sluice.local.apigateway.definition`).

An API's Lambda authorizers run before its routes (`authorizers`), and its Cognito and JWT authorizers
check the token (`jwt_authorizers`); IAM authorization and API keys are not enforced locally: each API
using them is warned about once.

Example:
    >>> [route.key for api in read_apis(template) for route in api.routes]
    ['GET /hello', 'ANY /{proxy+}']
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from sluice.local.apigateway.authorizers import Authorizer, read_lambda_authorizers
from sluice.local.apigateway.cors import Cors, read_cors
from sluice.local.apigateway.definition import openapi_routes
from sluice.local.apigateway.jwt_authorizers import JwtAuthorizer, read_jwt_authorizers
from sluice.local.apigateway.resources import (
    DEFAULT_STAGE,
    HTTP_API,
    IMPLICIT_HTTP_API,
    IMPLICIT_REST_API,
    RAW_HTTP_API,
    RAW_REST_API,
    REST_API,
    api_id,
)
from sluice.local.errors import TemplateError
from sluice.local.wiring import FUNCTION, event_target, sam_events

if TYPE_CHECKING:
    from sluice.local.apigateway.gateway_responses import GatewayResponse
    from sluice.local.apigateway.integrations import ServiceIntegration
    from sluice.local.template.model import ResourceDecl, SamTemplate

Protocol = Literal["REST", "HTTP"]
DEFAULT_ROUTE = "$default"
#: The HTTP methods a route may name (`ANY` matches every method without a route of its own).
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY")


@dataclass(frozen=True)
class Route:
    """One route: `method` and `path` (`/items/{id}`, `/{proxy+}`, or `$default`) to a function, or to
    an AWS service (or a mock) through its `integration`."""

    method: str
    path: str
    #: What the route invokes: the function's ARN (its alias's, with `AutoPublishAlias`); None when the
    #: route's `integration` is a service's.
    function: str | None
    payload_version: str
    #: Where the template declares it, for messages (`HelloFunction.Events.Hello`).
    origin: str
    #: The JSON Schema the body must match (`RequestModel` with `ValidateBody`, an OpenAPI request
    #: validator), else None.
    body_schema: dict[str, Any] | None = None
    #: The `(in, name)` query string and header parameters a request validator requires.
    required_parameters: tuple[tuple[str, str], ...] = ()
    #: The Lambda authorizer (`authorizers`) or the Cognito/JWT check (`jwt_authorizers`) run before the
    #: function, else None.
    authorizer: Authorizer | None = None
    #: A REST `AWS`/`MOCK` or an HTTP API's service integration (`integrations`), in place of a function.
    integration: ServiceIntegration | None = None

    @property
    def key(self) -> str:
        """The route key, as `routeKey` shows it: `GET /items/{id}` or `$default`."""
        return DEFAULT_ROUTE if self.path == DEFAULT_ROUTE else f"{self.method} {self.path}"


@dataclass(frozen=True)
class Api:
    """A REST or HTTP API of the template, deployed to one stage."""

    logical_id: str
    api_id: str
    protocol: Protocol
    stage: str
    routes: tuple[Route, ...]
    stage_variables: dict[str, str] = field(default_factory=dict)
    cors: Cors | None = None
    #: REST APIs' `BinaryMediaTypes`: request bodies of these types reach the handler base64-encoded.
    binary_media_types: tuple[str, ...] = ()
    #: A REST API's gateway responses by type (`gateway_responses`): its own errors, customised.
    gateway_responses: dict[str, GatewayResponse] = field(default_factory=dict)

    @property
    def default_stage(self) -> bool:
        """An HTTP API's `$default` stage is served without a stage segment in the URL."""
        return self.stage == DEFAULT_STAGE


def read_apis(template: SamTemplate) -> list[Api]:
    """Every API of the template (implicit ones included, see `add_implicit_apis`) with its routes."""
    declared = {decl.logical_id: decl for decl in template.of_type(REST_API, HTTP_API)}
    routes: dict[str, list[Route]] = {logical: [] for logical in declared}
    lambda_authorizers: dict[str, dict[str, Authorizer]] = {
        logical: {**read_lambda_authorizers(template, decl), **read_jwt_authorizers(template, decl)}
        for logical, decl in declared.items()}
    for kind, api_property, implicit in (("Api", "RestApiId", IMPLICIT_REST_API),
                                         ("HttpApi", "ApiId", IMPLICIT_HTTP_API)):
        for function, name, properties in sam_events(template, FUNCTION, (kind,)):
            origin = f"{function.logical_id}.Events.{name}"
            reference = properties.get(api_property, {"Ref": implicit})
            owner = _api_of(template, declared, reference, origin)
            if owner is None and _is_raw_api(template, reference, origin):
                continue  # SAM only adds the permission: the raw API's own methods are its routes (`raw`)
            if owner is None:
                template.unsupported(f"its {api_property} is not an AWS::Serverless::{kind} of the template: the "
                                     "route is not served locally", resource=function.logical_id,
                                     property=f"Events.{name}.Properties.{api_property}")
                continue
            if kind == "Api" and _body_defines_routes(template, declared[owner]):
                continue  # SAM only adds the permission: the API's DefinitionBody is its routes
            route = _event_route(template, function, name, properties, kind=kind, origin=origin)
            authorizers = lambda_authorizers[owner]
            route = replace(route, authorizer=_route_authorizer(template, declared[owner], properties, authorizers))
            if kind == "Api":
                route = replace(route, body_schema=_body_schema(template, declared[owner], properties, origin),
                                required_parameters=_required_parameters(properties))
            routes[owner].append(route)
            _warn_event_auth(template, owner, properties, authorizers)
    from sluice.local.apigateway.raw import attached_routes, raw_apis  # noqa: PLC0415 - raw imports this module

    apis = []
    for logical, decl in declared.items():
        routes[logical].extend(attached_routes(template, decl))
        protocol: Protocol = "REST" if decl.type == REST_API else "HTTP"
        definition = template.prop(decl, "DefinitionBody")
        if definition is not None:
            # Where the body has an integration of its own for an event's route, the body's stays
            # (aws-sam-translator's OpenApiEditor.add_lambda_integration leaves it).
            defined = openapi_routes(template, decl, definition, protocol, authorizers=lambda_authorizers[logical],
                                     default_authorizer=_default_authorizer(template, decl))
            keys = {route.key for route in defined}
            routes[logical] = [route for route in routes[logical] if route.key not in keys] + defined
        if template.prop(decl, "DefinitionUri") is not None:
            template.unsupported("DefinitionUri is not read locally (inline the definition as DefinitionBody, "
                                 "or use Fn::Transform AWS::Include)", resource=logical, property="DefinitionUri")
        _warn_api_auth(template, decl, lambda_authorizers[logical])
        apis.append(_api(template, decl, protocol, routes[logical]))
    return [*apis, *raw_apis(template)]


def _body_defines_routes(template: SamTemplate, api: ResourceDecl) -> bool:
    """Whether an API's `DefinitionBody` alone is its routes: SAM writes an event's integration into the
    definition only when it generates the definition itself (no `DefinitionBody`) or when
    `MergeDefinitions` is set; otherwise the event adds the function's permission, not a route
    (aws-sam-translator: `Api` event source, `_add_swagger_integration`)."""
    return template.prop(api, "DefinitionBody") is not None and template.prop(api, "MergeDefinitions") is not True


def _api(template: SamTemplate, decl: ResourceDecl, protocol: Protocol, routes: list[Route]) -> Api:
    rest = protocol == "REST"
    stage = template.prop(decl, "StageName", None if rest else DEFAULT_STAGE)
    if not isinstance(stage, str) or not stage:
        raise TemplateError("an AWS::Serverless::Api needs a StageName", resource=decl.logical_id,
                            property="StageName", origin=template.origin)
    variables = template.prop(decl, "Variables" if rest else "StageVariables") or {}
    binary = template.prop(decl, "BinaryMediaTypes") or [] if rest else []
    return Api(logical_id=decl.logical_id, api_id=api_id(template, decl.logical_id), protocol=protocol,
               stage=stage, routes=tuple(routes),
               stage_variables={str(key): str(value) for key, value in variables.items()},
               cors=read_cors(template, decl, protocol),
               # SAM escapes "/" as "~1" in BinaryMediaTypes (AWS SAM docs: AWS::Serverless::Api).
               binary_media_types=tuple(str(media).replace("~1", "/") for media in binary),
               gateway_responses=gateway_responses(template, decl, template.prop(decl, "DefinitionBody")) if rest
               else {})


def gateway_responses(template: SamTemplate, decl: ResourceDecl, definition: Any) -> dict[str, GatewayResponse]:
    """A REST API's gateway responses (`gateway_responses`), read only when it declares any: that module
    loads the mapping-template engine."""
    from sluice.local.apigateway.gateway_responses import RESOURCE  # noqa: PLC0415

    declares = (decl.type == REST_API and template.prop(decl, "GatewayResponses") is not None) or (
        isinstance(definition, dict) and "x-amazon-apigateway-gateway-responses" in definition) or any(
        template.of_type(RESOURCE))
    if not declares:
        return {}
    from sluice.local.apigateway.gateway_responses import read_gateway_responses  # noqa: PLC0415

    return read_gateway_responses(template, decl, definition)


def _api_of(template: SamTemplate, declared: dict[str, ResourceDecl], reference: Any, origin: str) -> str | None:
    """The logical id of the SAM API an event names (`!Ref MyApi`, or the id it resolves to); None for
    another API (a raw `AWS::ApiGateway::RestApi`, read by `raw`, or one outside the template)."""
    if isinstance(reference, dict) and set(reference) == {"Ref"} and reference["Ref"] in declared:
        return str(reference["Ref"])
    value = template.resolve(origin.split(".", 1)[0], reference, origin)
    for logical in declared:
        if value in (logical, api_id(template, logical)):
            return logical
    return None


def _is_raw_api(template: SamTemplate, reference: Any, origin: str) -> bool:
    """Whether an event's `RestApiId`/`ApiId` names a raw `AWS::ApiGateway::RestApi`/`AWS::ApiGatewayV2::Api`."""
    value = template.resolve(origin.split(".", 1)[0], reference, origin)
    return any(value == template.ref(decl.logical_id) for decl in template.of_type(RAW_REST_API, RAW_HTTP_API))


def _event_route(template: SamTemplate, function: ResourceDecl, name: str, properties: dict[str, Any], *,
                 kind: str, origin: str) -> Route:
    def read(key: str) -> Any:
        value = properties.get(key)
        return None if value is None else template.resolve(function, value, f"Events.{name}.Properties.{key}")

    path, method = read("Path"), read("Method")
    target = event_target(template, function)
    if kind == "HttpApi":
        version = str(read("PayloadFormatVersion") or "2.0")
        if path is None and method is None:
            return Route("ANY", DEFAULT_ROUTE, target, version, origin)
    else:
        version = "1.0"
    if not isinstance(path, str) or not path.startswith("/") or not isinstance(method, str):
        raise TemplateError(f"{origin}: an {kind} event needs a Path starting with '/' and a Method",
                            resource=function.logical_id, property=f"Events.{name}.Properties",
                            origin=template.origin)
    method = method.upper()
    if method not in METHODS:
        raise TemplateError(f"{origin}: unknown Method {method!r} (one of {', '.join(METHODS)})",
                            resource=function.logical_id, property=f"Events.{name}.Properties.Method",
                            origin=template.origin)
    return Route(method, path, target, version, origin)


def _route_authorizer(template: SamTemplate, api: ResourceDecl, properties: dict[str, Any],
                      authorizers: dict[str, Authorizer]) -> Authorizer | None:
    """The authorizer a route runs: the event's `Auth.Authorizer` (`NONE`: none), else the API's
    `Auth.DefaultAuthorizer` (AWS SAM docs: ApiFunctionAuth, ApiAuth, HttpApiAuth); a token check takes
    the event's `Auth.AuthorizationScopes` over its own."""
    auth = properties.get("Auth")
    named = auth.get("Authorizer") if isinstance(auth, dict) else None
    if named is None:
        named = _default_authorizer(template, api)
    authorizer = authorizers.get(str(named)) if named is not None else None
    scopes = auth.get("AuthorizationScopes") if isinstance(auth, dict) else None
    if isinstance(authorizer, JwtAuthorizer) and isinstance(scopes, list):
        return replace(authorizer, scopes=tuple(str(scope) for scope in scopes))
    return authorizer


def _default_authorizer(template: SamTemplate, api: ResourceDecl) -> str | None:
    """The API's `Auth.DefaultAuthorizer`, if any."""
    api_auth = template.prop(api, "Auth")
    named = api_auth.get("DefaultAuthorizer") if isinstance(api_auth, dict) else None
    return str(named) if named is not None else None


def _warn_event_auth(template: SamTemplate, api: str, properties: dict[str, Any],
                     authorizers: dict[str, Authorizer]) -> None:
    auth = properties.get("Auth")
    if isinstance(auth, dict) and (auth.get("Authorizer") not in (None, "NONE", *authorizers)
                                   or auth.get("ApiKeyRequired")):
        _not_enforced(template, api)


def _warn_api_auth(template: SamTemplate, decl: ResourceDecl, authorizers: dict[str, Authorizer]) -> None:
    """Warn about the API's auth settings sluice does not enforce: all but its Lambda, Cognito and JWT
    authorizers."""
    auth = decl.properties.get("Auth")
    if not isinstance(auth, dict):
        return
    enforced = set(authorizers)
    declared = auth.get("Authorizers")
    other_authorizers = isinstance(declared, dict) and bool(set(declared) - enforced)
    default = auth.get("DefaultAuthorizer")
    if default is not None and not isinstance(default, str):  # SAM's own refusal
        raise TemplateError("Auth.DefaultAuthorizer must be the name of one of Auth.Authorizers",
                            resource=decl.logical_id, property="Auth.DefaultAuthorizer", origin=template.origin)
    if other_authorizers or (default and default not in enforced) or any(
            auth.get(key) for key in ("ApiKeyRequired", "UsagePlan", "ResourcePolicy")):
        _not_enforced(template, decl.logical_id)


def _body_schema(template: SamTemplate, api: ResourceDecl, properties: dict[str, Any],
                 origin: str) -> dict[str, Any] | None:
    """The model a REST method validates its body against: `RequestModel.Model` from the API's
    `Models` when `ValidateBody` is true (aws-sam-translator adds the validator only then)."""
    model = properties.get("RequestModel")
    if not isinstance(model, dict) or model.get("ValidateBody") is not True:
        return None
    name = model.get("Model")
    models = template.prop(api, "Models") or {}
    schema = models.get(name) if isinstance(models, dict) and isinstance(name, str) else None
    if not isinstance(schema, dict):  # SAM's own refusal at deploy time
        raise TemplateError(f"{origin}: unable to set RequestModel [{name}]: it isn't defined in the Models of "
                            f"{api.logical_id}", resource=origin.split(".", 1)[0],
                            property=origin.split(".", 1)[1] + ".Properties.RequestModel", origin=template.origin)
    return schema


def _required_parameters(properties: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """The query string and header parameters a REST method's validator requires: the event's
    `RequestParameters` with `Required: true`, when `RequestModel.ValidateParameters` is true (AWS SAM
    docs: Api event `RequestParameters`, `RequestModel`)."""
    model = properties.get("RequestModel")
    if not isinstance(model, dict) or model.get("ValidateParameters") is not True:
        return ()
    required = []
    for entry in properties.get("RequestParameters") or ():
        for key, settings in (entry.items() if isinstance(entry, dict) else ()):
            where, _, name = str(key).removeprefix("method.request.").partition(".")
            if isinstance(settings, dict) and settings.get("Required") is True and where in ("querystring", "header"):
                required.append(("query" if where == "querystring" else where, name))
    return tuple(required)


def _not_enforced(template: SamTemplate, api: str) -> None:
    # One warning per API (`unsupported` keeps each message once), never a silent pass.
    template.unsupported("authorizers, API keys and resource policies are not enforced locally: every request "
                         "reaches the function", resource=api, property="Auth")
