"""The authorizer of a method or route of an API declared with CloudFormation's own resources: its
`AuthorizationType` and `AuthorizerId` naming an `AWS::ApiGateway::Authorizer` (REST) or an
`AWS::ApiGatewayV2::Authorizer` (HTTP), run as SAM's own authorizers run (`authorizers`,
`jwt_authorizers`; CloudFormation: AWS::ApiGateway::Authorizer, AWS::ApiGatewayV2::Authorizer):

- REST `CUSTOM`: a Lambda `TOKEN` authorizer (`IdentitySource: method.request.header.<name>`,
  `IdentityValidationExpression`) or `REQUEST` one (headers and query strings), answers cached for
  `AuthorizerResultTtlInSeconds` (300 by default);
- REST `COGNITO_USER_POOLS`: the token of one of its `ProviderARNs`' pools, and the method's
  `AuthorizationScopes`;
- HTTP `CUSTOM`: a Lambda `REQUEST` authorizer in its `AuthorizerPayloadFormatVersion`, with
  `EnableSimpleResponses` (answers cached only for a `AuthorizerResultTtlInSeconds`);
- HTTP `JWT`: its `JwtConfiguration` (`Issuer`, `Audience`) and the route's `AuthorizationScopes`.

`AWS_IAM`, and an authorizer sluice cannot run (a function outside the template), are warned about and
not enforced, never left silently open.

Example:
    >>> route_authorizer(template, method, functions, protocol="REST").name
    'TokenAuthorizer'
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from sluice.local.apigateway.authorizers import Authorizer, LambdaAuthorizer
from sluice.local.apigateway.definition import function_target
from sluice.local.apigateway.jwt_authorizers import JwtAuthorizer, cognito_issuer, warn_unverifiable

if TYPE_CHECKING:
    from sluice.local.apigateway.routes import Protocol
    from sluice.local.template.model import ResourceDecl, SamTemplate

REST_AUTHORIZER, HTTP_AUTHORIZER = "AWS::ApiGateway::Authorizer", "AWS::ApiGatewayV2::Authorizer"
_SOURCE = re.compile(r"^(?:method\.request\.|\$request\.)(?P<where>header|querystring)\.(?P<name>.+)$")


def route_authorizer(template: SamTemplate, part: ResourceDecl, functions: frozenset[str], *,
                     protocol: Protocol) -> Authorizer | None:
    """The authorizer a raw method (REST) or route (HTTP) runs; None for `NONE`, or one not enforced (said)."""
    kind = str(template.prop(part, "AuthorizationType", "NONE")).upper()
    if kind == "NONE":
        return None
    decl = next((found for found in template.of_type(REST_AUTHORIZER if protocol == "REST" else HTTP_AUTHORIZER)
                 if template.ref(found.logical_id) == template.prop(part, "AuthorizerId")), None)
    scopes = tuple(str(scope) for scope in template.prop(part, "AuthorizationScopes") or ())
    authorizer: Authorizer | None = None
    if decl is not None and kind in ("COGNITO_USER_POOLS", "JWT"):
        authorizer = _token_authorizer(template, decl, protocol, scopes)
    elif decl is not None and kind == "CUSTOM":
        authorizer = _lambda_authorizer(template, decl, functions, protocol)
    if authorizer is None:
        template.unsupported(f"its {kind} authorization is not enforced locally" + (
            "" if kind == "AWS_IAM" else " (its AuthorizerId names no authorizer sluice can run)"),
                             resource=part.logical_id, property="AuthorizationType")
    return authorizer


def _token_authorizer(template: SamTemplate, decl: ResourceDecl, protocol: Protocol,
                      scopes: tuple[str, ...]) -> JwtAuthorizer | None:
    sources = _sources(template.prop(decl, "IdentitySource"))
    header = next((name for where, name in sources if where == "header"), "Authorization")
    if protocol == "REST":
        arns = template.prop(decl, "ProviderARNs") or []
        authorizer = JwtAuthorizer(decl.logical_id, "COGNITO", header,
                                   tuple(cognito_issuer(str(arn)) for arn in arns if isinstance(arns, list)),
                                   scopes=scopes)
    else:
        config = template.prop(decl, "JwtConfiguration") or {}
        if not isinstance(config, dict):
            return None
        audience = config.get("Audience") or []
        listed = audience if isinstance(audience, list) else [audience]
        authorizer = JwtAuthorizer(decl.logical_id, "JWT", header, (str(config.get("Issuer") or ""),),
                                   tuple(str(item) for item in listed), scopes)
    warn_unverifiable(template, authorizer, resource=decl.logical_id, property="IdentitySource")
    return authorizer


def _lambda_authorizer(template: SamTemplate, decl: ResourceDecl, functions: frozenset[str],
                       protocol: Protocol) -> LambdaAuthorizer | None:
    function = function_target(template.prop(decl, "AuthorizerUri"), functions)
    if function is None:
        return None
    sources = _sources(template.prop(decl, "IdentitySource"))
    headers = tuple(name for where, name in sources if where == "header")
    queries = tuple(name for where, name in sources if where == "querystring")
    ttl = template.prop(decl, "AuthorizerResultTtlInSeconds", 300 if protocol == "REST" else 0)
    expression = template.prop(decl, "IdentityValidationExpression")
    if protocol == "REST":
        token = str(template.prop(decl, "Type", "TOKEN")).upper() == "TOKEN"
        return LambdaAuthorizer(decl.logical_id, function, "TOKEN" if token else "REQUEST",
                                headers[:1] or ("Authorization",) if token else headers, () if token else queries,
                                str(expression) if expression else None, ttl=_whole(ttl))
    return LambdaAuthorizer(decl.logical_id, function, "REQUEST", headers, queries,
                            payload_version=str(template.prop(decl, "AuthorizerPayloadFormatVersion", "2.0")),
                            simple_responses=template.prop(decl, "EnableSimpleResponses") is True, ttl=_whole(ttl))


def _sources(value: Any) -> list[tuple[str, str]]:
    """`method.request.header.X, method.request.querystring.Y` (REST, one text) or a list of
    `$request.header.X` (HTTP): (where, name) pairs."""
    items = value if isinstance(value, list) else str(value or "").split(",")
    return [(found["where"], found["name"]) for item in items if (found := _SOURCE.match(str(item).strip()))]


def _whole(value: Any) -> int:
    return int(value) if str(value).isdigit() else 0
