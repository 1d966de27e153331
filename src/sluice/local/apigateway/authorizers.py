"""Lambda authorizers (SAM's `Auth.Authorizers` with a `FunctionArn`), run before the route's function as
API Gateway runs them (API Gateway docs: "Use API Gateway Lambda authorizers", "Input to an
API Gateway Lambda authorizer", "Output from an API Gateway Lambda authorizer"):

- a `TOKEN` authorizer gets `{"type": "TOKEN", "authorizationToken", "methodArn"}` from its identity
  header (`Identity.Header`, `Authorization` by default); a missing header, or one that does not match
  `Identity.ValidationExpression`, is 401 `{"message": "Unauthorized"}` without calling it;
- a `REQUEST` authorizer gets the request (headers, query string, path parameters, stage variables,
  request context) with `"type": "REQUEST"` and `methodArn`; a missing identity source
  (`Identity.Headers`, `Identity.QueryStrings`) is 401 without calling it;
- the function raising `Unauthorized` is 401; any other failure, or an answer without `principalId` and a
  `policyDocument`, is 500 `{"message": null}` (`AuthorizerConfigurationException`);
- its policy allows the call when an `Allow` statement for `execute-api:Invoke` names the method ARN
  (`*` and `?` wildcards) and no `Deny` does: an explicit deny is 403 "User is not authorized to access
  this resource with an explicit deny", no allow 403 "User is not authorized to access this resource";
- the route's function then sees `requestContext.authorizer`: `principalId` and the answer's `context`,
  values stringified ("The returned values are all stringified").

An HTTP API's Lambda authorizer gets the request in its `AuthorizerPayloadFormatVersion` (2.0:
`routeArn` and `identitySource` as a list; 1.0: `methodArn` and `identitySource` joined by commas), and its
answer is read by `http_verdict`: 401 `Unauthorized` for a missing identity source or `Unauthorized`
raised, 403 `Forbidden` for a refusal, 500 `Internal Server Error` for a failure; the function sees
`requestContext.authorizer.lambda`.

An answer is cached for its identity sources for `Identity.ReauthorizeEvery` seconds (300 by default on
REST APIs, none on HTTP APIs unless set; 0 turns it off), on the stack's clock (`PolicyCache`).

Example:
    >>> allowed(policy_document("Allow", "arn:aws:execute-api:us-east-1:123456789012:abc/Prod/GET/*"),
    ...         "arn:aws:execute-api:us-east-1:123456789012:abc/Prod/GET/orders/42")
    (True, '')
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import parse_qsl

from sluice.local.apigateway.jwt_authorizers import JwtAuthorizer
from sluice.local.apigateway.responses import ApiResponse, gateway_error

if TYPE_CHECKING:
    from sluice.local.apigateway.events import ApiRequest
    from sluice.local.template.model import ResourceDecl, SamTemplate

PayloadType = Literal["TOKEN", "REQUEST"]
_INVOKE_ACTIONS = ("execute-api:invoke", "execute-api:*", "*")
_EXPLICIT_DENY = "User is not authorized to access this resource with an explicit deny"
_NO_ALLOW = "User is not authorized to access this resource"
_DEFAULT_TTL = 300


@dataclass(frozen=True)
class LambdaAuthorizer:
    """One Lambda authorizer of an API: its function and where the caller's identity comes from."""

    name: str
    function: str
    payload_type: PayloadType
    headers: tuple[str, ...]
    query_strings: tuple[str, ...] = ()
    validation_expression: str | None = None
    #: An HTTP API's `AuthorizerPayloadFormatVersion` ("1.0" or "2.0"); None for a REST API's authorizer.
    payload_version: str | None = None
    #: An HTTP API's `EnableSimpleResponses`: the answer is `{"isAuthorized": …, "context": …}`.
    simple_responses: bool = False
    #: Seconds an answer is cached for its identity sources (`Identity.ReauthorizeEvery`); 0: not cached.
    ttl: int = 0


#: What a route may run before its integration: a Lambda authorizer, or a Cognito/JWT token check.
Authorizer = LambdaAuthorizer | JwtAuthorizer


def read_lambda_authorizers(template: SamTemplate, api: ResourceDecl) -> dict[str, LambdaAuthorizer]:
    """The Lambda authorizers of a SAM API's `Auth.Authorizers` (REST, or HTTP), by name."""
    auth = template.prop(api, "Auth") or {}
    declared = auth.get("Authorizers") if isinstance(auth, dict) else None
    http = api.type == "AWS::Serverless::HttpApi"
    found = {}
    for name, settings in (declared or {}).items() if isinstance(declared, dict) else ():
        if not isinstance(settings, dict) or "FunctionArn" not in settings:
            continue  # a Cognito user pool or JWT authorizer: warned about as not enforced
        identity = settings["Identity"] if isinstance(settings.get("Identity"), dict) else {}
        payload: PayloadType = "REQUEST" if http or str(settings.get("FunctionPayloadType", "TOKEN")).upper() == \
            "REQUEST" else "TOKEN"
        headers = (str(identity.get("Header", "Authorization")),) if payload == "TOKEN" else \
            tuple(str(header) for header in identity.get("Headers") or ())
        expression = identity.get("ValidationExpression")
        # REST APIs cache for 300 s unless told otherwise; an HTTP API only when `ReauthorizeEvery` says so.
        ttl = identity.get("ReauthorizeEvery", 0 if http else _DEFAULT_TTL)
        found[str(name)] = LambdaAuthorizer(
            str(name), str(settings["FunctionArn"]), payload, headers,
            tuple(str(query) for query in identity.get("QueryStrings") or ()), str(expression) if expression else None,
            payload_version=str(settings.get("AuthorizerPayloadFormatVersion", "2.0")) if http else None,
            simple_responses=http and settings.get("EnableSimpleResponses") is True,
            ttl=int(ttl) if str(ttl).isdigit() else 0)
    return found


def identity_values(authorizer: LambdaAuthorizer, request: ApiRequest) -> list[str]:
    """The request's identity sources, in the authorizer's order (headers, then query strings)."""
    queries = dict(parse_qsl(request.query, keep_blank_values=True))
    return [*(request.header(header) for header in authorizer.headers),
            *(queries.get(query, "") for query in authorizer.query_strings)]


class PolicyCache:
    """Authorizers' answers by identity source, for each authorizer's `ttl` on the stack's clock. Within it
    API Gateway applies the cached answer to every method the same identity calls, without running the
    authorizer again: a policy naming one method ARN then refuses the others (API Gateway docs: "Use API
    Gateway Lambda authorizers", policy caching). An authorizer with no identity source is never cached.

    Example:
        >>> cache = PolicyCache(now=lambda: 0.0)
        >>> cache.put(("api", "Auth", ("token",)), {"principalId": "ada"}, ttl=300)
        >>> cache.get(("api", "Auth", ("token",)))
        {'principalId': 'ada'}
    """

    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now
        self._answers: dict[tuple[Any, ...], tuple[float, Any]] = {}

    def get(self, key: tuple[Any, ...]) -> Any:
        """The cached answer for `key` while fresh, else None."""
        cached = self._answers.get(key)
        return cached[1] if cached is not None and self._now() < cached[0] else None

    def put(self, key: tuple[Any, ...], answer: Any, *, ttl: int) -> None:
        if ttl > 0 and key[-1]:
            self._answers[key] = (self._now() + ttl, answer)


def missing_identity(authorizer: LambdaAuthorizer, request: ApiRequest) -> bool:
    """Whether the request lacks an identity source (API Gateway then answers 401 itself)."""
    values = identity_values(authorizer, request)
    if any(not value for value in values):
        return True
    if authorizer.payload_type == "TOKEN" and authorizer.validation_expression is not None:
        return re.fullmatch(authorizer.validation_expression, values[0]) is None
    return False


def method_arn(*, region: str, account: str, api_id: str, stage: str, method: str, path: str) -> str:
    """`arn:aws:execute-api:{region}:{account}:{api id}/{stage}/{verb}/{path}` (the request's own path)."""
    return f"arn:aws:execute-api:{region}:{account}:{api_id}/{stage}/{method}/{path.lstrip('/')}"


def http_verdict(authorizer: LambdaAuthorizer, result: Any, route: str) -> tuple[ApiResponse | None, dict[str, Any]]:
    """An HTTP API's answer to its authorizer's result (API Gateway docs: "Working with AWS Lambda authorizers
    for HTTP APIs"): with simple responses `isAuthorized` decides, else the IAM policy for the route ARN; a
    refusal is 403 `Forbidden`, a malformed answer 500; the function sees `{"lambda": context}`."""
    if authorizer.simple_responses:
        if not isinstance(result, dict) or not isinstance(result.get("isAuthorized"), bool):
            return failed("HTTP"), {}
        permitted = result["isAuthorized"]
    elif not isinstance(result, dict) or not isinstance(result.get("policyDocument"), dict):
        return failed("HTTP"), {}
    else:
        permitted = allowed(result["policyDocument"], route)[0]
    if not permitted:
        return gateway_error(403, "Forbidden"), {}
    context = result["context"] if isinstance(result.get("context"), dict) else {}
    return None, {"lambda": context}


def verdict(result: Any, method: str) -> tuple[ApiResponse | None, dict[str, Any]]:
    """A REST API's answer to an authorizer's result for the method ARN `method`: `(refusal, {})`, or
    `(None, requestContext.authorizer)` when the call is allowed."""
    if not isinstance(result, dict) or "principalId" not in result or not isinstance(
            result.get("policyDocument"), dict):
        return failed("REST"), {}
    ok, refusal = allowed(result["policyDocument"], method)
    if not ok:
        # An IAM-style refusal: its key is `Message`, not API Gateway's usual `message`.
        return ApiResponse(403, {"Content-Type": "application/json", "x-amzn-ErrorType": "AccessDeniedException"},
                           json.dumps({"Message": refusal}).encode(), gateway_type="ACCESS_DENIED"), {}
    context = result["context"] if isinstance(result.get("context"), dict) else {}
    return None, {"principalId": _text(result["principalId"]),
                  **{str(key): _text(value) for key, value in context.items()}, "integrationLatency": 0}


def allowed(document: dict[str, Any], method: str) -> tuple[bool, str]:
    """Whether the policy lets `method` be invoked, and otherwise API Gateway's reason."""
    statements = document.get("Statement") or []
    statements = [statements] if isinstance(statements, dict) else statements
    effects = {str(statement.get("Effect")) for statement in statements
               if isinstance(statement, dict) and _names(statement.get("Action"), method_action=True)
               and _names(statement.get("Resource"), method=method)}
    if "Deny" in effects:
        return False, _EXPLICIT_DENY
    return ("Allow" in effects), "" if "Allow" in effects else _NO_ALLOW


def _names(patterns: Any, *, method: str = "", method_action: bool = False) -> bool:
    listed = [patterns] if isinstance(patterns, str) else patterns if isinstance(patterns, list) else []
    if method_action:
        return any(str(action).lower() in _INVOKE_ACTIONS for action in listed)
    return any(fnmatch.fnmatchcase(method, str(pattern)) for pattern in listed)


def unauthorized() -> ApiResponse:
    return gateway_error(401, "Unauthorized", "UnauthorizedException", response_type="UNAUTHORIZED")


def failed(protocol: str) -> ApiResponse:
    """The authorizer failed or answered something API Gateway cannot read."""
    if protocol == "HTTP":
        return gateway_error(500, "Internal Server Error")
    return gateway_error(500, None, "AuthorizerConfigurationException", response_type="AUTHORIZER_CONFIGURATION_ERROR")


def policy_document(effect: str, resource: str) -> dict[str, Any]:
    """A one-statement policy, as an authorizer returns it."""
    return {"Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}]}


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)
