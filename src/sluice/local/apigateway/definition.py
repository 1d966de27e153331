"""Routes of an API's `DefinitionBody`: the OpenAPI operations whose `x-amazon-apigateway-integration`
is a Lambda proxy integration (`type: aws_proxy`) of a function of the template.

The integration's `uri` is API Gateway's Lambda invocation ARN,
`arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<function ARN>/invocations`
(API Gateway docs: "x-amazon-apigateway-integration object"); an operation named
`x-amazon-apigateway-any-method` is `ANY`, and an HTTP API's `$default` path its `$default` route.
So are a REST API's AWS service (`type: aws`) and `mock` integrations, and an HTTP API's AWS
service integrations (`integrationSubtype`), read by `integrations`; HTTP integrations are warned
about, not served.

Example:
    >>> [route.key for route in openapi_routes(template, decl, definition, "REST")]
    ['GET /items/{id}']
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from sluice.local.errors import TemplateError
from sluice.local.lambda_.resources import function_arns, unqualified

if TYPE_CHECKING:
    from collections.abc import Mapping

    from sluice.local.apigateway.authorizers import Authorizer
    from sluice.local.apigateway.integrations import ServiceIntegration
    from sluice.local.apigateway.routes import Protocol, Route
    from sluice.local.template.model import ResourceDecl, SamTemplate

ANY_METHOD = "x-amazon-apigateway-any-method"
INTEGRATION = "x-amazon-apigateway-integration"
_OPERATIONS = ("get", "put", "post", "delete", "options", "head", "patch", ANY_METHOD)
_FUNCTION_ARN = re.compile(r"/functions/(?P<arn>arn:[^/]+:lambda:[^/]+:\d*:function:[^/]+)/invocations$")
_PLAIN_ARN = re.compile(r"arn:[^/:]+:lambda:[^/:]+:\d*:function:[^/:]+(:[^/:]+)?")


def openapi_routes(template: SamTemplate, decl: ResourceDecl, definition: Any, protocol: Protocol, *,
                   where: str = "DefinitionBody", authorizers: Mapping[str, Authorizer] | None = None,
                   default_authorizer: str | None = None) -> list[Route]:
    """The Lambda proxy and service routes of an OpenAPI (2 or 3) definition, resolved against the template
    (`where`: the property holding it, `DefinitionBody` of a SAM API, `Body` of a raw one), each with the
    Lambda authorizer it runs (`operation_authorizer`)."""
    from sluice.local.apigateway.routes import DEFAULT_ROUTE, Route  # noqa: PLC0415 - routes imports this module
    from sluice.local.apigateway.validation import operation_validation  # noqa: PLC0415 - jsonschema on use

    paths = definition.get("paths") if isinstance(definition, dict) else None
    if not isinstance(paths, dict):
        raise TemplateError(f"{where} has no `paths` mapping", resource=decl.logical_id,
                            property=where, origin=template.origin)
    functions = function_arns(template)
    routes = []
    for path, operations in paths.items():
        for operation, spec in (operations or {}).items() if isinstance(operations, dict) else ():
            if operation not in _OPERATIONS or not isinstance(spec, dict):
                continue
            origin = f"{decl.logical_id}.{where}.paths.{path}.{operation}"
            method = "ANY" if operation == ANY_METHOD else operation.upper()
            body_schema, required = operation_validation(definition, spec) if protocol == "REST" else (None, ())
            integration = spec.get(INTEGRATION)
            kind = str(integration.get("type", "")).lower() if isinstance(integration, dict) else None
            subtype = integration.get("integrationSubtype") if isinstance(integration, dict) else None
            route_path = DEFAULT_ROUTE if path == DEFAULT_ROUTE else str(path)
            served_kinds = ("aws", "mock", "http", "http_proxy") if protocol == "REST" else ("http_proxy",)
            if isinstance(integration, dict) and (subtype or kind in served_kinds):
                service = service_integration(template, decl, integration, where=f"{where}.paths.{path}.{operation}",
                                              title=f"{method} {path}", protocol=protocol)
                if service is not None:
                    routes.append(Route(method, route_path, None, "1.0", origin, integration=service,
                                        authorizer=operation_authorizer(spec, method, authorizers or {},
                                                                        default_authorizer),
                                        body_schema=body_schema, required_parameters=required))
                continue
            if integration is None or kind != "aws_proxy":
                template.unsupported(f"{method} {path}: only Lambda proxy (aws_proxy), AWS service (aws), mock and "
                                     f"HTTP integrations are served locally, not {kind or 'a missing integration'}",
                                     resource=decl.logical_id, property=f"{where}.paths.{path}.{operation}")
                continue
            uri = str(integration.get("uri", ""))
            target = function_target(uri, functions)
            if target is None:
                template.unsupported(f"{method} {path}: its integration uri {uri!r} is not a function of the "
                                     "template", resource=decl.logical_id,
                                     property=f"{where}.paths.{path}.{operation}")
                continue
            default = "1.0" if protocol == "REST" else "2.0"
            version = str(integration.get("payloadFormatVersion", default)) if protocol == "HTTP" else default
            routes.append(Route(method, route_path, target, version, origin,
                                authorizer=operation_authorizer(spec, method, authorizers or {}, default_authorizer),
                                body_schema=body_schema, required_parameters=required))
    return routes


def operation_authorizer(spec: dict[str, Any], method: str, authorizers: Mapping[str, Authorizer],
                         default: str | None) -> Authorizer | None:
    """The Lambda authorizer an OpenAPI operation runs: the one its `security` names, else, with no
    `security` of its own, the API's `Auth.DefaultAuthorizer` (SAM writes it into every path of the
    definition but the CORS preflight's `options`: aws-sam-translator's `set_path_default_authorizer`)."""
    security = spec.get("security")
    if isinstance(security, list) and security:
        names = [name for requirement in security if isinstance(requirement, dict) for name in requirement]
        return next((authorizers[name] for name in names if name in authorizers), None)
    if security is not None or method == "OPTIONS" or default is None:
        return None
    return authorizers.get(default)


def service_integration(template: SamTemplate, decl: ResourceDecl, spec: dict[str, Any], *, where: str,
                        title: str, protocol: Protocol) -> ServiceIntegration | None:
    """A REST `AWS`/`MOCK`/`HTTP`/`HTTP_PROXY`, or an HTTP API subtype or `HTTP_PROXY`, integration read
    from `spec` (OpenAPI's or CloudFormation's form); None, said as not served, when API Gateway would
    refuse it or sluice cannot serve it."""
    from sluice.local.apigateway.integrations import (  # noqa: PLC0415 - only templates with one pay for it
        IntegrationError,
        RestIntegration,
        SubtypeIntegration,
        read_http_proxy_integration,
        read_rest_integration,
        read_subtype_integration,
        served_service,
    )

    subtype = spec.get("integrationSubtype", spec.get("IntegrationSubtype"))
    integration: ServiceIntegration
    try:
        if str(spec.get("connectionType", spec.get("ConnectionType", ""))).upper() == "VPC_LINK":
            raise IntegrationError("a VPC link's private endpoint is not reachable locally")
        if subtype:
            integration = read_subtype_integration(spec)
        elif protocol == "HTTP":
            integration = read_http_proxy_integration(spec)
        else:
            integration = read_rest_integration(spec)
    except IntegrationError as error:
        template.unsupported(f"{title}: {error}: not served", resource=decl.logical_id, property=where)
        return None
    aws = isinstance(integration, SubtypeIntegration) or (
        isinstance(integration, RestIntegration) and integration.kind == "AWS")
    service = getattr(integration, "service", None) if aws else None
    if service is not None and served_service(service) is None:
        # Still a route: a request is answered API Gateway's 500 and the trace says why.
        template.unsupported(f"{title}: the {service!r} service is not emulated locally: the route answers 500",
                             resource=decl.logical_id, property=where)
    return integration


def function_target(uri: Any, functions: frozenset[str]) -> str | None:
    """The function ARN a Lambda integration invokes — `uri` is the function's ARN (qualified or not) or
    API Gateway's invocation ARN for it — when it is one of `functions` (`function_arns`); else None."""
    text = str(uri or "")
    found = _FUNCTION_ARN.search(text)
    target = found["arn"] if found else text if _PLAIN_ARN.fullmatch(text) else None
    # An ARN with an alias or version qualifier (`...:function:name:live`) runs that version.
    return target if target is not None and unqualified(target) in functions else None
