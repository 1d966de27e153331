"""Token authorizers: a REST API's Cognito user pool authorizer and an HTTP API's JWT authorizer (SAM's
`Auth.Authorizers` with a `UserPoolArn`, or with a `JwtConfiguration`), checked as API Gateway checks
them (API Gateway docs: "Control access to REST APIs using Amazon Cognito user pools as an authorizer",
"Control access to HTTP APIs with JWT authorizers"):

- the token is the identity header's value (`Identity.Header`, `Authorization` by default; an HTTP
  API's `IdentitySource`, `$request.header.Authorization` by default, its `Bearer ` prefix dropped);
- a missing, malformed or badly signed token, one from another issuer, or one expired on the stack's
  clock, is 401 `{"message": "Unauthorized"}`. A REST API takes an ID token, or an access token when
  the route names `AuthorizationScopes`; an HTTP API checks the token's `aud` (ID tokens) or
  `client_id` (access tokens) against the `audience`;
- a route's `AuthorizationScopes` must include one of the token's `scope`s: else REST answers 401,
  HTTP 403 `{"message": "Forbidden"}`;
- the function then sees the token's claims: REST `requestContext.authorizer.claims` (values as text,
  `exp`/`iat` as Java prints a date), HTTP `requestContext.authorizer.jwt` (`claims`, `scopes`).

Tokens of the stack's own user pools (moto signs them: `cognito-idp` `AdminInitiateAuth`, `InitiateAuth`)
are verified with the pool's keys (`sluice.local.adapters.moto_backends.cognito_token_claims`). Another
issuer's keys are not local: its tokens are checked for issuer, audience, expiry and scopes, not for
their signature, and the template's warnings say so.

Example:
    >>> verdict = check(authorizer, request, now=clock.now(), verify=cognito_token_claims)
    >>> verdict.status, verdict.context["claims"]["cognito:username"]
    (None, 'ada')
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from sluice import json_text

if TYPE_CHECKING:
    from sluice.local.apigateway.events import ApiRequest
    from sluice.local.template.model import ResourceDecl, SamTemplate

Flavour = Literal["COGNITO", "JWT"]
_COGNITO_ISSUER = "https://cognito-idp.{region}.amazonaws.com/{pool}"


@dataclass(frozen=True)
class JwtAuthorizer:
    """A Cognito user pool (REST) or JWT (HTTP) authorizer of an API."""

    name: str
    flavour: Flavour
    header: str
    issuers: tuple[str, ...]
    #: An HTTP API's `audience`; empty for a REST API's Cognito authorizer.
    audience: tuple[str, ...] = ()
    #: The scopes the route asks for (its `AuthorizationScopes`); empty: none.
    scopes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Verdict:
    """A refusal (`status` and API Gateway's message) or, with `status` None, `requestContext.authorizer`."""

    status: int | None
    message: str = ""
    context: dict[str, Any] | None = None
    reason: str = ""


def read_jwt_authorizers(template: SamTemplate, api: ResourceDecl) -> dict[str, JwtAuthorizer]:
    """The Cognito (REST) and JWT (HTTP) authorizers of a SAM API's `Auth.Authorizers`, by name; an issuer
    whose keys are not local (not a user pool of the template) is said."""
    auth = template.prop(api, "Auth") or {}
    declared = auth.get("Authorizers") if isinstance(auth, dict) else None
    found = {}
    for name, settings in (declared or {}).items() if isinstance(declared, dict) else ():
        if not isinstance(settings, dict):
            continue
        scopes = tuple(str(scope) for scope in settings.get("AuthorizationScopes") or ())
        if "UserPoolArn" in settings and api.type == "AWS::Serverless::Api":
            arns = settings["UserPoolArn"] if isinstance(settings["UserPoolArn"], list) else [settings["UserPoolArn"]]
            identity = settings.get("Identity")
            header = identity.get("Header", "Authorization") if isinstance(identity, dict) else "Authorization"
            authorizer = JwtAuthorizer(str(name), "COGNITO", str(header),
                                       tuple(cognito_issuer(str(arn)) for arn in arns), scopes=scopes)
        elif isinstance(settings.get("JwtConfiguration"), dict) and api.type == "AWS::Serverless::HttpApi":
            config = settings["JwtConfiguration"]
            audience = config.get("audience") or config.get("Audience") or ()
            source = str(settings.get("IdentitySource", "$request.header.Authorization"))
            authorizer = JwtAuthorizer(str(name), "JWT", source.removeprefix("$request.header."),
                                       (str(config.get("issuer") or config.get("Issuer") or ""),),
                                       tuple(str(item) for item in (audience if isinstance(audience, list)
                                                                    else [audience])), scopes)
        else:
            continue
        warn_unverifiable(template, authorizer, resource=api.logical_id, property=f"Auth.Authorizers.{name}")
        found[str(name)] = authorizer
    return found


def warn_unverifiable(template: SamTemplate, authorizer: JwtAuthorizer, *, resource: str, property: str) -> None:
    """Say which of the authorizer's issuers has no local keys (not a user pool of the template)."""
    local = {template.ref(decl.logical_id) for decl in template.of_type("AWS::Cognito::UserPool")}
    for issuer in authorizer.issuers:
        if issuer.rsplit("/", 1)[-1] not in local:
            template.unsupported(f"authorizer {authorizer.name}: tokens of {issuer} are checked for issuer, audience, "
                                 "expiry and scopes, not for their signature (its keys are not local)",
                                 resource=resource, property=property)


def cognito_issuer(user_pool_arn: str) -> str:
    """The `iss` of a pool's tokens: `https://cognito-idp.<region>.amazonaws.com/<pool id>`."""
    parts = user_pool_arn.split(":")
    region, pool = (parts[3] if len(parts) > 3 else ""), user_pool_arn.rsplit("/", 1)[-1]
    return _COGNITO_ISSUER.format(region=region, pool=pool)


def check(authorizer: JwtAuthorizer, request: ApiRequest, *, now: float,
          verify: Callable[[str, str], object]) -> Verdict:
    """The authorizer's verdict on `request`'s token. `verify(token, issuer)` is the signature check: the
    claims when the signature holds (or cannot be checked locally), None when it does not."""
    token = request.header(authorizer.header).strip()
    if authorizer.flavour == "JWT" and token.lower().startswith("bearer "):
        token = token[7:].strip()
    claims = _claims(token)
    if claims is None:
        return _unauthorized("the token is missing or not a JWT")
    issuer = str(claims.get("iss", ""))
    if issuer not in authorizer.issuers:
        return _unauthorized(f"the token's issuer {issuer!r} is not the authorizer's")
    if verify(token, issuer) is None:
        return _unauthorized("the token's signature does not hold")
    expires = claims.get("exp")
    if not isinstance(expires, int | float) or expires <= now:
        return _unauthorized("the token has expired")
    token_use = claims.get("token_use")
    if authorizer.flavour == "COGNITO" and token_use != ("access" if authorizer.scopes else "id"):
        return _unauthorized(f"a {token_use or 'plain'} token where the route takes "
                             f"{'an access' if authorizer.scopes else 'an ID'} token")
    if authorizer.flavour == "JWT" and authorizer.audience and not (
            {str(claims.get("aud")), str(claims.get("client_id"))} & set(authorizer.audience)):
        return _unauthorized("the token's audience is not the authorizer's")
    granted = str(claims.get("scope", "")).split()
    if authorizer.scopes and not set(granted) & set(authorizer.scopes):
        refusal = _unauthorized("the token has none of the route's scopes")
        return refusal if authorizer.flavour == "COGNITO" else Verdict(403, "Forbidden", reason=refusal.reason)
    if authorizer.flavour == "COGNITO":
        return Verdict(None, context={"claims": {key: _rest_claim(key, value) for key, value in claims.items()}})
    return Verdict(None, context={"jwt": {"claims": {key: _http_claim(value) for key, value in claims.items()},
                                          "scopes": granted or None}})


def _claims(token: str) -> dict[str, Any] | None:
    """The payload of a compact JWT (`header.payload.signature`), before any check; None if it is not one."""
    import base64  # noqa: PLC0415

    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = json_text.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, json.JSONDecodeError):
        return None
    return payload if isinstance(payload, dict) else None


def _unauthorized(reason: str) -> Verdict:
    return Verdict(401, "Unauthorized", reason=reason)


def _rest_claim(key: str, value: Any) -> str:
    """A REST API's claim as text: `exp` and `iat` as Java prints a date (`Fri Jul 14 06:16:40 UTC 2017`)."""
    if key in ("exp", "iat") and isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC).strftime("%a %b %d %H:%M:%S UTC %Y")
    return _http_claim(value)


def _http_claim(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + " ".join(str(item) for item in value) + "]"
    return str(value)
