"""The template's APIs on `sluice up`'s endpoint, at LocalStack's URL forms:

- `http://127.0.0.1:4566/restapis/<api-id>/<stage>/_user_request_/<path>` (an HTTP API's default
  stage is `$default` there);
- with `Host: <api-id>.execute-api.localhost.localstack.cloud:4566`, `/<stage>/<path>`, or `/<path>`
  for an HTTP API's `$default` stage.

Example:
    >>> answer = edge_answer(stack.world.apis, HttpRequest("GET", "/restapis/k3j9x0a2qz/Prod/_user_request_/hello",
    ...                                                  "", {}, b""))
    >>> answer.status
    200
    >>> api_url(api, "http://127.0.0.1:4566")
    'http://127.0.0.1:4566/restapis/k3j9x0a2qz/Prod/_user_request_/'
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from sluice.local.apigateway.events import ApiRequest
from sluice.local.apigateway.gateway import ApiGateway
from sluice.local.apigateway.responses import ApiResponse, no_route
from sluice.local.apigateway.routes import Api
from sluice.local.edge.messages import HttpAnswer, HttpRequest
from sluice.local.errors import StackError

_USER_REQUEST = re.compile(r"^/restapis/(?P<api>[^/]+)/(?P<stage>[^/]+)/_user_request_(?P<path>/.*)?$")
_HOST = re.compile(r"^(?P<api>[a-z0-9]+)\.execute-api\.", re.IGNORECASE)


def api_url(api: Api, endpoint: str) -> str:
    """Where `sluice up` serves the API's stage (the `_user_request_` form)."""
    return f"{endpoint}/restapis/{api.api_id}/{api.stage}/_user_request_/"


def edge_answer(gateway: ApiGateway, request: HttpRequest) -> HttpAnswer | None:
    """The API's answer to `request`, or None when it is not addressed to one of the template's APIs."""
    host = _HOST.match(request.header("host"))
    found = _USER_REQUEST.match(request.path)
    if found is None and host is None:
        return None
    try:
        api = gateway.api(found["api"] if found else host["api"] if host else None)
    except StackError:
        return None  # another API id: left to the services (e.g. API Gateway's own API in moto)
    call = ApiRequest(request.method, "/", request.query, header_text(request), request.body)
    if found is not None:
        if unquote(found["stage"]) != api.stage:
            return http_answer(no_route(api.protocol))
        path = found["path"] or "/"
        return http_answer(gateway.call(api, ApiRequest(call.method, path, call.query, call.headers, call.body)))
    return http_answer(gateway.on_stage(api, request.method, request.path, call))


def header_text(request: HttpRequest) -> tuple[tuple[str, str], ...]:
    """The request's headers as the text API Gateway and function URLs hand on: http.server reads the
    bytes as latin-1, a client sends UTF-8."""
    return tuple((name, _utf8(value)) for name, value in request.headers.items())


def _utf8(value: str) -> str:
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value  # not UTF-8 on the wire: left as read


def http_answer(response: ApiResponse) -> HttpAnswer:
    """`response` as the endpoint sends it."""
    headers = dict(response.headers)
    if response.cookies:
        # One header per name on this endpoint's answers: several cookies share one Set-Cookie line.
        headers["Set-Cookie"] = ", ".join(response.cookies)
    return HttpAnswer(response.status, headers, response.body)
