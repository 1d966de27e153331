"""Lambda function URLs (`AWS::Lambda::Url`, SAM's `FunctionUrlConfig`), served in-process.

A request to `https://<url-id>.lambda-url.<region>.on.aws/<path>` (the `FunctionUrl` the template's
Outputs give) runs the function on the stack's Lambda runtime with the event Lambda sends, and its
answer becomes the HTTP response, as the Lambda developer guide describes them ("Invoking Lambda
function URLs"):

- the event is API Gateway's payload format 2.0 with the placeholders function URLs use: `routeKey`
  and `stage` are `$default`, `requestContext.accountId` is `anonymous` for `AuthType: NONE`, the
  `apiId`/`domainPrefix` is the URL id; `pathParameters` and `stageVariables` are null;
- the answer is read as an HTTP API reads a 2.0 answer (`statusCode`, `headers`, `cookies`, `body`,
  `isBase64Encoded`; anything without `statusCode` is a 200 `application/json` body);
- a function error, a timeout or an answer that cannot be a response is 502 `Internal Server Error`,
  and a URL id the stack does not have is 403 `{"Message": null}` (`AccessDeniedException`), as
  LocalStack answers them;
- with `Cors`, Lambda answers the preflight `OPTIONS` itself and adds `Access-Control-Allow-Origin` to
  the function's responses for an allowed origin.

`AuthType: AWS_IAM` is not enforced (no request is signed locally): it is warned about once per URL.

`stack.api_request("GET", stack.template.outputs()["WebUrl"] + "greet?name=Ada")` sends a request (a
URL from the Outputs, or a path with `api=` naming the URL); the event it makes:

Example:
    >>> url = FunctionUrl("WebFunctionUrl", "a" * 32, "arn:aws:lambda:us-east-1:123456789012:function:web",
    ...                   "NONE", None, "us-east-1")
    >>> event = url_event(url, ApiRequest("GET", "/greet", "name=Ada"), request_id="r-1", now=1717977600.0)
    >>> event["routeKey"], event["rawPath"], event["queryStringParameters"], event["requestContext"]["accountId"]
    ('$default', '/greet', {'name': 'Ada'}, 'anonymous')
    >>> event["requestContext"]["domainName"]
    'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.lambda-url.us-east-1.on.aws'
"""

from __future__ import annotations

import json
import logging
import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from sluice.local.apigateway.cors import Cors, http_cors
from sluice.local.apigateway.edge import header_text, http_answer
from sluice.local.apigateway.events import ApiRequest, http_body, request_time, v2_http, v2_request_fields
from sluice.local.apigateway.gateway import Body, encoded, split_target
from sluice.local.apigateway.preflight import answered_preflight
from sluice.local.apigateway.responses import ApiResponse, MalformedResponse, to_response
from sluice.local.errors import StackError, TemplateError
from sluice.local.lambda_.resources import FUNCTION_URL, url_id, url_target
from sluice.local.trace import FAILED, Trace

if TYPE_CHECKING:
    from sluice.asl.clock import VirtualClock
    from sluice.local.edge.messages import HttpAnswer, HttpRequest
    from sluice.local.lambda_.runtime import LambdaRuntime
    from sluice.local.template.model import ResourceDecl, SamTemplate

LOG = logging.getLogger("sluice.lambda")
URL_HOST = ".lambda-url."
_AUTH_TYPES = ("AWS_IAM", "NONE")
_PLACEHOLDER = "$default"


@dataclass(frozen=True)
class FunctionUrl:
    """One function URL: its id, the function ARN it invokes, and how it answers."""

    logical_id: str
    url_id: str
    function: str
    auth_type: str
    cors: Cors | None
    region: str

    @property
    def domain(self) -> str:
        return f"{self.url_id}.lambda-url.{self.region}.on.aws"


def read_function_urls(template: SamTemplate) -> list[FunctionUrl]:
    """Every function URL of the template (SAM's `<Function>Url` included); a malformed one is a
    `TemplateError` naming where it is declared, with SAM's and CloudFormation's rules."""
    urls = []
    for decl in template.of_type(FUNCTION_URL):
        owner, prefix = (decl.logical_id.removesuffix("Url"), "FunctionUrlConfig.") if decl.implicit \
            else (decl.logical_id, "")
        auth_type = template.prop(decl, "AuthType")
        if auth_type not in _AUTH_TYPES:
            raise TemplateError(f"AuthType must be AWS_IAM or NONE, not {auth_type!r}", resource=owner,
                                property=f"{prefix}AuthType", origin=template.origin)
        if auth_type == "AWS_IAM":
            template.unsupported("AuthType AWS_IAM is not enforced locally: unsigned requests reach the function",
                                 resource=owner, property=f"{prefix}AuthType")
        urls.append(FunctionUrl(decl.logical_id, url_id(template, decl.logical_id), url_target(template, decl),
                                str(auth_type), _cors(template, decl, owner, prefix), template.region))
    return urls


def _cors(template: SamTemplate, decl: ResourceDecl, owner: str, prefix: str) -> Cors | None:
    value = template.prop(decl, "Cors")
    if value is None:
        return None
    if not isinstance(value, dict):
        raise TemplateError("Cors must be a mapping", resource=owner, property=f"{prefix}Cors",
                            origin=template.origin)
    return http_cors(value)


class FunctionUrls:
    """The template's function URLs, answering HTTP requests."""

    def __init__(self, urls: list[FunctionUrl], *, runtime: LambdaRuntime, trace: Trace, clock: VirtualClock,
                 seed: int | str = 0) -> None:
        self.urls = tuple(urls)
        self.runtime = runtime
        self.trace = trace
        self.clock = clock
        self._random = random.Random(f"{seed}:lambda-urls")

    def find(self, reference: str) -> FunctionUrl | None:
        """A URL by its id, its logical id, or the logical id of the function SAM made it for."""
        wanted = reference.lower()
        return next((url for url in self.urls
                     if wanted in (url.url_id, url.logical_id.lower(), url.logical_id.lower().removesuffix("url"))),
                    None)

    def addresses(self, target: str, reference: str | None) -> bool:
        """Whether `stack.api_request(target, api=reference)` is meant for a function URL."""
        return URL_HOST in (split_target(target).hostname or "") or (reference is not None and
                                                                  self.find(reference) is not None)

    def request(self, method: str, target: str, *, headers: Mapping[str, str] | None = None, body: Body = None,
                url: str | None = None) -> ApiResponse:
        """Send `method target` — a function URL (and path), or a path of the URL `url` names (not needed
        when the template has one) — and return the response. A mapping or list `body` is sent as JSON."""
        pairs, data = encoded(headers, body)
        split = split_target(target)
        request = ApiRequest(method.upper(), split.path or "/", split.query, tuple(pairs), data)
        if split.scheme:
            return self.answer(split.hostname or "", request)
        listing = ", ".join(found.logical_id for found in self.urls)
        if url is None and len(self.urls) > 1:
            raise StackError(f"the template has {len(self.urls)} function URLs: name one with api= ({listing})")
        chosen = self.find(url) if url is not None else self.urls[0]
        if chosen is None:
            raise StackError(f"no function URL {url!r} in the template (URLs: {listing})")
        return self.call(chosen, request)

    def answer(self, host: str, request: ApiRequest) -> ApiResponse:
        """The response to `request` sent to `host` (`<url-id>.lambda-url.<region>.…`)."""
        url = self.find(host.split(".", 1)[0])
        if url is None:
            LOG.warning("%s %s: no function URL %s", request.method, request.path, host)
            return ApiResponse(403, {"Content-Type": "application/json", "x-amzn-ErrorType": "AccessDeniedException"},
                               json.dumps({"Message": None}).encode())
        return self.call(url, request)

    def call(self, url: FunctionUrl, request: ApiRequest) -> ApiResponse:
        """Run `url`'s function on `request` and answer as Lambda does."""
        if url.cors is not None and request.method == "OPTIONS":
            return answered_preflight(url.cors, request)
        request_id = str(uuid.UUID(int=self._random.getrandbits(128), version=4))
        title = f"{request.method} {request.path} ({url.logical_id})"
        activity = self.trace.record("api", title, root=True, route=_PLACEHOLDER)
        try:
            with self.trace.within(activity), self.clock.hold():
                invocation = self.runtime.call(url.function, url_event(url, request, request_id=request_id,
                                                                       now=self.clock.now()))
            if invocation.error is not None:
                raise MalformedResponse(f"the function failed: {invocation.error.error_type}: "
                                        f"{invocation.error.message}")
            response = to_response(invocation.result, protocol="HTTP", payload_version="2.0")
        except (MalformedResponse, StackError) as error:
            activity.status = FAILED
            activity.detail["error"] = str(error)
            LOG.error("%s: %s", title, error)
            response = ApiResponse(502, {"Content-Type": "text/plain"}, b"Internal Server Error")
        headers = {**response.headers, "x-amzn-RequestId": request_id}
        if url.cors is not None:
            headers.update(url.cors.response_headers(request.header("origin")))
        return ApiResponse(response.status, headers, response.body, response.cookies)


def url_event(url: FunctionUrl, request: ApiRequest, *, request_id: str, now: float) -> dict[str, Any]:
    """The event Lambda sends for `request` (payload format 2.0, function URLs' placeholders)."""
    path = unquote(request.path)
    sent = {name.lower() for name, _ in request.headers}
    added = [("host", url.domain), ("x-forwarded-for", request.source_ip), ("x-forwarded-port", "443"),
             ("x-forwarded-proto", "https")]
    headers = [*request.headers, *((name, value) for name, value in added if name not in sent)]
    body, encoded = http_body(request)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": _PLACEHOLDER,
        "rawPath": path,
        "rawQueryString": request.query,
        **v2_request_fields(headers, request.query),
        "requestContext": {
            "accountId": "anonymous" if url.auth_type == "NONE" else url.function.split(":")[4],
            "apiId": url.url_id,
            "domainName": url.domain,
            "domainPrefix": url.url_id,
            "http": v2_http(request, path),
            "requestId": request_id,
            "routeKey": _PLACEHOLDER,
            "stage": _PLACEHOLDER,
            "time": request_time(now),
            "timeEpoch": int(now * 1000),
        },
    }
    if body is not None:
        event["body"] = body
    return {**event, "pathParameters": None, "isBase64Encoded": encoded, "stageVariables": None}


def edge_answer(urls: FunctionUrls, request: HttpRequest) -> HttpAnswer | None:
    """`sluice up`'s answer to a request whose `Host` is a function URL's (`<url-id>.lambda-url.<region>.…`,
    e.g. `.localhost:4566`, or LocalStack's `.localhost.localstack.cloud:4566`), else None."""
    host = request.header("host")
    if URL_HOST not in host:
        return None
    return http_answer(urls.answer(host, ApiRequest(request.method, request.path or "/", request.query,
                                                    header_text(request), request.body)))


def local_address(url: FunctionUrl, endpoint: str) -> str:
    """Where `sluice up` at `endpoint` serves `url`: its host under `localhost`, which curl and browsers
    resolve to the loopback address (`http://<url-id>.lambda-url.<region>.localhost:4566/`)."""
    port = urlsplit(endpoint).port
    return f"http://{url.domain.removesuffix('.on.aws')}.localhost{f':{port}' if port else ''}/"
