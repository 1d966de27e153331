"""Lambda authorizers of REST APIs (SAM's `Auth.Authorizers` with a `FunctionArn`), run before the route's
function as API Gateway runs them (API Gateway docs: "Use API Gateway Lambda authorizers", "Input to an
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

Policies are not cached between requests (`ReauthorizeEvery` is not applied): every request runs the
authorizer.

Example:
    >>> allowed(policy_document("Allow", "arn:aws:execute-api:us-east-1:123456789012:abc/Prod/GET/*"),
    ...         "arn:aws:execute-api:us-east-1:123456789012:abc/Prod/GET/orders/42")
    (True, '')
"""

from __future__ import annotations

import fnmatch
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from sluice.local.apigateway.responses import ApiResponse, gateway_error

if TYPE_CHECKING:
    from sluice.local.apigateway.events import ApiRequest
    from sluice.local.template.model import ResourceDecl, SamTemplate

PayloadType = Literal["TOKEN", "REQUEST"]
_INVOKE_ACTIONS = ("execute-api:invoke", "execute-api:*", "*")
_EXPLICIT_DENY = "User is not authorized to access this resource with an explicit deny"
_NO_ALLOW = "User is not authorized to access this resource"


@dataclass(frozen=True)
class LambdaAuthorizer:
    """One Lambda authorizer of an API: its function and where the caller's identity comes from."""

    name: str
    function: str
    payload_type: PayloadType
    headers: tuple[str, ...]
    query_strings: tuple[str, ...] = ()
    validation_expression: str | None = None


def read_lambda_authorizers(template: SamTemplate, api: ResourceDecl) -> dict[str, LambdaAuthorizer]:
    """The Lambda authorizers of a SAM REST API's `Auth.Authorizers`, by name."""
    auth = template.prop(api, "Auth") or {}
    declared = auth.get("Authorizers") if isinstance(auth, dict) else None
    found = {}
    for name, settings in (declared or {}).items() if isinstance(declared, dict) else ():
        if not isinstance(settings, dict) or "FunctionArn" not in settings:
            continue  # a Cognito user pool authorizer: warned about as not enforced
        identity = settings["Identity"] if isinstance(settings.get("Identity"), dict) else {}
        payload: PayloadType = "REQUEST" if str(settings.get("FunctionPayloadType", "TOKEN")).upper() == "REQUEST" \
            else "TOKEN"
        headers = (str(identity.get("Header", "Authorization")),) if payload == "TOKEN" else \
            tuple(str(header) for header in identity.get("Headers") or ())
        expression = identity.get("ValidationExpression")
        found[str(name)] = LambdaAuthorizer(str(name), str(settings["FunctionArn"]), payload, headers,
                                            tuple(str(query) for query in identity.get("QueryStrings") or ()),
                                            str(expression) if expression else None)
    return found


def missing_identity(authorizer: LambdaAuthorizer, request: ApiRequest) -> bool:
    """Whether the request lacks an identity source (API Gateway then answers 401 itself)."""
    values = [request.header(header) for header in authorizer.headers]
    if any(not value for value in values):
        return True
    if authorizer.payload_type == "TOKEN" and authorizer.validation_expression is not None:
        return re.fullmatch(authorizer.validation_expression, values[0]) is None
    present = {name for name, _ in _query_pairs(request)}
    return any(query not in present for query in authorizer.query_strings)


def _query_pairs(request: ApiRequest) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl  # noqa: PLC0415

    return parse_qsl(request.query, keep_blank_values=True)


def method_arn(*, region: str, account: str, api_id: str, stage: str, method: str, path: str) -> str:
    """`arn:aws:execute-api:{region}:{account}:{api id}/{stage}/{verb}/{path}` (the request's own path)."""
    return f"arn:aws:execute-api:{region}:{account}:{api_id}/{stage}/{method}/{path.lstrip('/')}"


def verdict(result: Any, method: str) -> tuple[ApiResponse | None, dict[str, Any]]:
    """API Gateway's answer to an authorizer's result for the method ARN `method`: `(refusal, {})`, or
    `(None, requestContext.authorizer)` when the call is allowed."""
    if not isinstance(result, dict) or "principalId" not in result or not isinstance(
            result.get("policyDocument"), dict):
        return unauthorizable(), {}
    ok, refusal = allowed(result["policyDocument"], method)
    if not ok:
        # An IAM-style refusal: its key is `Message`, not API Gateway's usual `message`.
        return ApiResponse(403, {"Content-Type": "application/json", "x-amzn-ErrorType": "AccessDeniedException"},
                           json.dumps({"Message": refusal}).encode()), {}
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
    return gateway_error(401, "Unauthorized", "UnauthorizedException")


def unauthorizable() -> ApiResponse:
    """The authorizer failed or answered something that is not a policy."""
    return ApiResponse(500, {"Content-Type": "application/json",
                             "x-amzn-ErrorType": "AuthorizerConfigurationException"},
                       json.dumps({"message": None}).encode())


def policy_document(effect: str, resource: str) -> dict[str, Any]:
    """A one-statement policy, as an authorizer returns it."""
    return {"Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}]}


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)
