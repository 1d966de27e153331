"""The proxy events a handler behind API Gateway receives, for payload formats 1.0 and 2.0.

Shapes from the API Gateway developer guide: "Input format of a Lambda function for proxy
integration" (REST, 1.0) and "Create AWS Lambda proxy integrations for HTTP APIs" (2.0):

- 1.0: `headers`/`queryStringParameters` hold each name's last value and `multiValueHeaders`/
  `multiValueQueryStringParameters` all of them; absent ones, `pathParameters` and `stageVariables`
  are null; `requestContext.path` keeps the stage (`/Prod/hello`); `requestTimeEpoch` is in ms.
  An HTTP API's 1.0 event also says `"version": "1.0"`.
- 2.0: header names lowercased, repeated headers and query parameters joined by commas, `Cookie`
  headers moved into `cookies`; absent fields are left out rather than null. A named stage keeps its
  segment in `rawPath` (the `$default` stage has none).
- The body is text, or base64 with `isBase64Encoded: true` when binary: for a REST API when its
  Content-Type is one of the API's `BinaryMediaTypes`, for an HTTP API when it is not textual.

Times are the stack's clock, so a test with `start_time` sees the same `requestTimeEpoch` every run.

Example:
    >>> event = proxy_event(api, match, request, context=RequestContext("c0ffee…", now=1717977600.0, ...))
    >>> event["requestContext"]["stage"], event["pathParameters"]
    ('Prod', {'id': '42'})
"""

from __future__ import annotations

import base64
import fnmatch
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote

from sluice.local.apigateway.matching import Match
from sluice.local.apigateway.routes import Api

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_TEXT_TYPES = ("text/*", "application/json", "application/*+json", "application/xml", "application/*+xml",
               "application/javascript", "application/x-www-form-urlencoded", "application/yaml")


@dataclass(frozen=True)
class ApiRequest:
    """An HTTP request to a stage of an API: `path` percent-encoded, below the stage; `headers` in
    the order sent (a name may repeat); `query` the raw query string."""

    method: str
    path: str
    query: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    source_ip: str = "127.0.0.1"

    def header(self, name: str, default: str = "") -> str:
        """The last value of a header, whatever the case of its name."""
        wanted = name.lower()
        values = [value for key, value in self.headers if key.lower() == wanted]
        return values[-1] if values else default


@dataclass(frozen=True)
class RequestContext:
    """What API Gateway knows of the request besides the request itself."""

    request_id: str
    now: float
    region: str
    account: str
    trace_id: str
    #: What a Lambda authorizer let through (`requestContext.authorizer`), when the route has one.
    authorizer: dict[str, Any] | None = None


def proxy_event(api: Api, match: Match, request: ApiRequest, *, context: RequestContext) -> dict[str, Any]:
    """The event `match.route`'s function receives, in its payload format."""
    if match.route.payload_version == "2.0":
        return _v2(api, match, request, context)
    return _v1(api, match, request, context)


def _v1(api: Api, match: Match, request: ApiRequest, context: RequestContext) -> dict[str, Any]:
    headers = _multi(_with_gateway_headers(api, request, context, lowercase=False))
    query = _multi(parse_qsl(request.query, keep_blank_values=True))
    path = unquote(request.path)
    body, encoded = _body(api, request)
    route = match.route
    event: dict[str, Any] = {
        "resource": route.path,
        "path": path,
        "httpMethod": request.method,
        "headers": {name: values[-1] for name, values in headers.items()} or None,
        "multiValueHeaders": headers or None,
        "queryStringParameters": {name: values[-1] for name, values in query.items()} or None,
        "multiValueQueryStringParameters": query or None,
        "pathParameters": match.path_parameters or None,
        "stageVariables": api.stage_variables or None,
        "requestContext": {
            **_common_context(api, context),
            "extendedRequestId": context.request_id,
            "httpMethod": request.method,
            "identity": _identity(request),
            "path": _stage_path(api, path, always=api.protocol == "REST"),
            "protocol": "HTTP/1.1",
            "requestTime": request_time(context.now),
            "requestTimeEpoch": int(context.now * 1000),
            "resourceId": route.key if api.protocol == "HTTP" else _resource_id(api, route.path),
            "resourcePath": route.path,
            **({"authorizer": context.authorizer} if context.authorizer is not None else {}),
        },
        "body": body,
        "isBase64Encoded": encoded,
    }
    return {"version": "1.0", **event} if api.protocol == "HTTP" else event


def _v2(api: Api, match: Match, request: ApiRequest, context: RequestContext) -> dict[str, Any]:
    raw_path = _stage_path(api, unquote(request.path), always=False)
    body, encoded = _body(api, request)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": match.route.key,
        "rawPath": raw_path,
        "rawQueryString": request.query,
        **v2_request_fields(_with_gateway_headers(api, request, context, lowercase=True), request.query),
    }
    event["requestContext"] = {
        **_common_context(api, context),
        "http": v2_http(request, raw_path),
        "routeKey": match.route.key,
        "time": request_time(context.now),
        "timeEpoch": int(context.now * 1000),
        **({"authorizer": context.authorizer} if context.authorizer is not None else {}),
    }
    if match.path_parameters:
        event["pathParameters"] = match.path_parameters
    if api.stage_variables:
        event["stageVariables"] = api.stage_variables
    if body is not None:
        event["body"] = body
    event["isBase64Encoded"] = encoded
    return event


def v2_request_fields(headers: list[tuple[str, str]], query: str) -> dict[str, Any]:
    """`cookies` (when sent), `headers` and `queryStringParameters` (when any) as payload 2.0 carries
    them: names lowercased, `Cookie` headers split into `cookies`, repeated values joined by commas."""
    cookies: list[str] = []
    grouped: dict[str, list[str]] = {}
    for name, value in headers:
        if name.lower() == "cookie":
            cookies.extend(part.strip() for part in value.split(";") if part.strip())
        else:
            grouped.setdefault(name.lower(), []).append(value)
    fields: dict[str, Any] = {"cookies": cookies} if cookies else {}
    fields["headers"] = {name: ",".join(values) for name, values in grouped.items()}
    if parameters := _multi(parse_qsl(query, keep_blank_values=True)):
        fields["queryStringParameters"] = {name: ",".join(values) for name, values in parameters.items()}
    return fields


def v2_http(request: ApiRequest, path: str) -> dict[str, str]:
    """`requestContext.http` of a payload 2.0 event."""
    return {"method": request.method, "path": path, "protocol": "HTTP/1.1", "sourceIp": request.source_ip,
            "userAgent": request.header("user-agent")}


def domain_name(api: Api, region: str) -> str:
    return f"{api.api_id}.execute-api.{region}.amazonaws.com"


def _common_context(api: Api, context: RequestContext) -> dict[str, Any]:
    return {"accountId": context.account, "apiId": api.api_id, "domainName": domain_name(api, context.region),
            "domainPrefix": api.api_id, "requestId": context.request_id, "stage": api.stage}


def _with_gateway_headers(api: Api, request: ApiRequest, context: RequestContext, *,
                          lowercase: bool) -> list[tuple[str, str]]:
    """The client's headers and those API Gateway adds on the way (Host, X-Forwarded-*, the trace)."""
    sent = {name.lower() for name, _ in request.headers}
    added = [("Host", domain_name(api, context.region)), ("X-Forwarded-For", request.source_ip),
             ("X-Forwarded-Port", "443"), ("X-Forwarded-Proto", "https"), ("X-Amzn-Trace-Id", context.trace_id)]
    pairs = [*request.headers, *((name, value) for name, value in added if name.lower() not in sent)]
    return [(name.lower(), value) for name, value in pairs] if lowercase else pairs


def _multi(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value)
    return grouped


def _identity(request: ApiRequest) -> dict[str, Any]:
    unauthenticated = ("accessKey", "accountId", "caller", "cognitoAuthenticationProvider", "cognitoAuthenticationType",
                       "cognitoIdentityId", "cognitoIdentityPoolId", "principalOrgId", "user", "userArn")
    return {**dict.fromkeys(unauthenticated), "sourceIp": request.source_ip,
            "userAgent": request.header("user-agent") or None}


def _stage_path(api: Api, path: str, *, always: bool) -> str:
    return path if api.default_stage and not always else f"/{api.stage}{path}"


def _resource_id(api: Api, path: str) -> str:
    from sluice.local.resources.base import name_suffix  # noqa: PLC0415

    return name_suffix(api.api_id, path).lower()[:6]


def request_time(now: float) -> str:
    """`09/Jun/2024:00:00:00 +0000`, whatever the process's locale."""
    moment = datetime.fromtimestamp(now, tz=UTC)
    return f"{moment:%d}/{_MONTHS[moment.month - 1]}/{moment:%Y:%H:%M:%S} +0000"


def _body(api: Api, request: ApiRequest) -> tuple[str | None, bool]:
    if api.protocol == "HTTP":
        return http_body(request)
    if not request.body:
        return None, False
    media = request.header("content-type").split(";", 1)[0].strip().lower()
    if any(fnmatch.fnmatch(media, pattern.lower()) for pattern in api.binary_media_types):
        return base64.b64encode(request.body).decode("ascii"), True
    # REST APIs pass a body of a type not in BinaryMediaTypes as text: undecodable bytes are replaced,
    # as the handler would see them on AWS.
    return request.body.decode("utf-8", errors="replace"), False


def http_body(request: ApiRequest) -> tuple[str | None, bool]:
    """The body as payload 2.0 carries it (HTTP APIs, Lambda function URLs): text, or base64 with
    `isBase64Encoded` when its Content-Type is not textual or its bytes are not UTF-8."""
    if not request.body:
        return None, False
    media = request.header("content-type").split(";", 1)[0].strip().lower()
    if not media or any(fnmatch.fnmatch(media, pattern) for pattern in _TEXT_TYPES):
        try:
            return request.body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(request.body).decode("ascii"), True
