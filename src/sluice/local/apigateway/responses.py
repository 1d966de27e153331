"""A function's answer as the HTTP response API Gateway sends back (and API Gateway's own errors).

- Payload 1.0 (REST, and HTTP APIs set to 1.0) must return `statusCode`, and may return `headers`,
  `multiValueHeaders` (merged with `headers` into one list per name, a value in both once), `body` (a string)
  and `isBase64Encoded`; anything else — another key, a body that is not a string — is a malformed
  Lambda proxy response: 502 `{"message": "Internal server error"}` from a REST API (API Gateway
  docs: "Output format of a Lambda function for proxy integration"; "Handle Lambda errors in API
  Gateway"). A REST API answers `Content-Type: application/json` when the function sets none.
- Payload 2.0 also takes `cookies` (each a `Set-Cookie` header); a result without `statusCode` (or
  not an object) is the body of a 200 `application/json` response ("Lambda function response format"
  for HTTP APIs: API Gateway infers the status, content type and body).
- A function error, a timeout or a malformed answer: REST 502 `{"message": "Internal server error"}`,
  HTTP 500 `{"message": "Internal Server Error"}`. No route: REST 403 `{"message": "Missing
  Authentication Token"}`, HTTP 404 `{"message": "Not Found"}`.

Example:
    >>> to_response({"statusCode": 201, "body": "{}"}, protocol="REST", payload_version="1.0").status
    201
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, StrictBool, StrictInt, StrictStr, ValidationError

from sluice import json_text

if TYPE_CHECKING:
    from sluice.local.apigateway.routes import Protocol

_HEADER_VALUE = StrictStr | StrictInt | float | StrictBool


class MalformedResponse(Exception):
    """The function answered something API Gateway cannot turn into an HTTP response."""


@dataclass(frozen=True)
class ApiResponse:
    """What the client receives.

    Example:
        >>> response = stack.api_request("GET", "/hello")
        >>> response.status, response.header("content-type"), response.json()
        (200, 'application/json', {'message': 'hello world'})
    """

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    #: The `Set-Cookie` headers, one per cookie.
    cookies: tuple[str, ...] = ()
    #: For an answer API Gateway gives itself, its gateway response type (`MISSING_AUTHENTICATION_TOKEN`,
    #: `BAD_REQUEST_BODY` …), which a REST API may customise (`gateway_responses`).
    gateway_type: str | None = None
    #: What a request validator found (`$context.error.validationErrorString`).
    validation_error: str = ""

    def header(self, name: str, default: str = "") -> str:
        wanted = name.lower()
        return next((value for key, value in self.headers.items() if key.lower() == wanted), default)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> Any:
        return json_text.loads(self.body)


class _ProxyResultV1(BaseModel):
    # API Gateway rejects a REST proxy response with any other key.
    model_config = ConfigDict(extra="forbid")

    statusCode: StrictInt | StrictStr
    headers: dict[str, _HEADER_VALUE] | None = None
    multiValueHeaders: dict[str, list[_HEADER_VALUE]] | None = None
    body: StrictStr | None = None
    isBase64Encoded: StrictBool = False


class _ProxyResultV2(_ProxyResultV1):
    model_config = ConfigDict(extra="ignore")

    cookies: list[StrictStr] | None = None


def to_response(result: Any, *, protocol: Protocol, payload_version: str) -> ApiResponse:
    """The HTTP response for a function's result (`MalformedResponse` if it cannot be one)."""
    if payload_version == "2.0" and not (isinstance(result, dict) and "statusCode" in result):
        return ApiResponse(200, {"Content-Type": "application/json"}, json.dumps(result).encode())
    model = _ProxyResultV2 if payload_version == "2.0" else _ProxyResultV1
    try:
        parsed = model.model_validate(result)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(str(part) for part in problem['loc']) or 'response'}: {problem['msg']}"
                             for problem in error.errors())
        raise MalformedResponse(f"malformed Lambda proxy response ({problems})") from None
    status = http_status(parsed.statusCode)
    headers = {name: _header_text(value) for name, value in (parsed.headers or {}).items()}
    for name, values in (parsed.multiValueHeaders or {}).items():
        # "API Gateway merges them into a single list. If the same key-value pair is specified in
        # both, only the values from multiValueHeaders will appear" (SAM CLI's start-api tests too:
        # `Value1, Value2, Custom`).
        texts = [_header_text(value) for value in values]
        single = headers.get(name)
        headers[name] = ",".join(texts if single is None or single in texts else [*texts, single])
    if protocol == "REST" and not any(name.lower() == "content-type" for name in headers):
        headers["Content-Type"] = "application/json"
    body = (parsed.body or "").encode()
    if parsed.isBase64Encoded:
        try:
            body = base64.b64decode(body, validate=True)
        except binascii.Error:
            raise MalformedResponse("isBase64Encoded is true but the body is not base64") from None
    cookies = tuple(parsed.cookies or ()) if isinstance(parsed, _ProxyResultV2) else ()
    return ApiResponse(status, headers, body, cookies)


def gateway_error(status: int, message: str | None, error_type: str | None = None, *,
                  response_type: str | None = None, validation_error: str = "") -> ApiResponse:
    """An answer API Gateway gives itself (`x-amzn-ErrorType` says which, as on AWS; `response_type` is its
    gateway response type, else `DEFAULT_4XX`/`DEFAULT_5XX` by status)."""
    headers = {"Content-Type": "application/json"}
    if error_type:
        headers["x-amzn-ErrorType"] = error_type
    default = "DEFAULT_4XX" if status < 500 else "DEFAULT_5XX"
    return ApiResponse(status, headers, json.dumps({"message": message}).encode(),
                       gateway_type=response_type or default, validation_error=validation_error)


def integration_failure(protocol: Protocol) -> ApiResponse:
    if protocol == "REST":
        return gateway_error(502, "Internal server error", "InternalServerErrorException")
    return gateway_error(500, "Internal Server Error")


def configuration_failure(protocol: Protocol) -> ApiResponse:
    """A non-proxy integration that cannot be carried out (no integration response matches, a template
    fails): API Gateway's 500 ("Execution failed due to configuration error")."""
    if protocol == "REST":
        return gateway_error(500, "Internal server error", "InternalServerErrorException",
                             response_type="API_CONFIGURATION_ERROR")
    return gateway_error(500, "Internal Server Error")


def endpoint_timeout(protocol: Protocol) -> ApiResponse:
    """An integration's endpoint that did not answer within its timeout: 504."""
    if protocol == "REST":
        return gateway_error(504, "Endpoint request timed out", "IntegrationTimeout",
                             response_type="INTEGRATION_TIMEOUT")
    return gateway_error(504, "Gateway Timeout")


def invalid_request_body(reason: str = "") -> ApiResponse:
    """A REST request validator's answer to a body that fails the method's model."""
    return gateway_error(400, "Invalid request body", "BadRequestException", response_type="BAD_REQUEST_BODY",
                         validation_error=reason)


def no_route(protocol: Protocol) -> ApiResponse:
    if protocol == "REST":
        return gateway_error(403, "Missing Authentication Token", "MissingAuthenticationTokenException",
                             response_type="MISSING_AUTHENTICATION_TOKEN")
    return gateway_error(404, "Not Found")


def http_status(value: int | str) -> int:
    """A proxy answer's `statusCode` (a number, or its digits as text, as API Gateway reads it)."""
    try:
        status = int(value)
    except ValueError:
        raise MalformedResponse(f"statusCode {value!r} is not a number") from None
    if not 100 <= status <= 599:
        raise MalformedResponse(f"statusCode {status} is not an HTTP status")
    return status


def _header_text(value: str | int | float | bool) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)
