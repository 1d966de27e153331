"""The preflight `OPTIONS` request of an API with CORS, answered by API Gateway itself (see `cors`).

Example:
    >>> preflight(api, ApiRequest("OPTIONS", "/items", headers=(("Origin", "https://example.com"),))).status
    204
"""

from __future__ import annotations

from sluice.local.apigateway.cors import Cors
from sluice.local.apigateway.events import ApiRequest
from sluice.local.apigateway.matching import resource
from sluice.local.apigateway.responses import ApiResponse
from sluice.local.apigateway.routes import Api


def preflight(api: Api, request: ApiRequest) -> ApiResponse | None:
    """The answer to a preflight request, or None when the API (not CORS) handles the request."""
    if api.cors is None or request.method != "OPTIONS":
        return None
    if api.protocol == "HTTP":
        return answered_preflight(api.cors, request)
    origin = request.header("origin")
    path = resource(api, request.path)
    methods = {route.method for route in api.routes if route.path == path}
    if path is None or "OPTIONS" in methods:
        return None  # no such resource (API Gateway's 403), or the template's own OPTIONS method
    # SAM's mock integration: 200, no body, the Access-Control headers.
    return ApiResponse(200, {"Content-Type": "application/json",
                             **api.cors.preflight_headers(origin, tuple(sorted(methods | {"OPTIONS"})))})


def answered_preflight(cors: Cors, request: ApiRequest) -> ApiResponse:
    """A preflight answered by the service itself, as HTTP APIs and Lambda function URLs answer it: 204,
    with the `Access-Control-Allow-*` headers when the `Origin` is allowed."""
    origin = request.header("origin")
    if not origin or not cors.allows(origin):
        return ApiResponse(204)
    wanted = request.header("access-control-request-method") or "*"
    return ApiResponse(204, cors.preflight_headers(origin, (wanted,)))
