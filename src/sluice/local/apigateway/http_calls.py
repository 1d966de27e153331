"""Routes whose integration is an HTTP endpoint: what API Gateway sends it, and what comes back.

- REST `HTTP_PROXY`: the request's method (`ANY`), headers, query string and body, with the
  integration's `requestParameters` on top, to the uri whose `{name}` parts are mapped path labels (else
  the request's own path parameters); the endpoint's answer comes back as it is.
- HTTP API `HTTP_PROXY`: the same, with HTTP APIs' parameter mapping (`append:`, `overwrite:` and
  `remove:` of `header.<name>` and `querystring.<name>`, and `overwrite:path`).
- REST `HTTP` (non-proxy) is mapped both ways like an `AWS` integration (`service_calls`), and sent
  with `endpoint_url` and `call_endpoint` from here.

An endpoint that times out or cannot be called is an `IntegrationFailure` (`endpoints`).

Example:
    >>> http_proxy(integration, request, sources).status       # doctest: +SKIP - needs an endpoint
    200
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sluice.local.apigateway.endpoints import EndpointFailure, send
from sluice.local.apigateway.integrations import IntegrationFailure
from sluice.local.apigateway.mapping import Sources, filled, http_mapping_value, integration_request_parameters
from sluice.local.apigateway.responses import ApiResponse

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sluice.local.apigateway.events import ApiRequest
    from sluice.local.apigateway.integrations import HttpProxyIntegration, RestIntegration
    from sluice.local.edge.messages import HttpAnswer


def rest_http_proxy(integration: RestIntegration, request: ApiRequest, sources: Sources) -> ApiResponse:
    """A REST `HTTP_PROXY` integration: the request, with its mapped parameters, to the endpoint and the
    endpoint's answer back as it is."""
    mapped = integration_request_parameters(integration, sources, {})
    headers = {**dict(request.headers), **mapped["header"]}
    url = endpoint_url(integration, mapped, sources, query=[*parse_qsl(request.query, keep_blank_values=True),
                                                    *mapped["querystring"].items()])
    return _passed_back(call_endpoint(method_of(integration.http_method, request), url, headers, request.body,
                                      integration.timeout))


def http_proxy(integration: HttpProxyIntegration, request: ApiRequest, sources: Sources) -> ApiResponse:
    """An HTTP API's `HTTP_PROXY` integration, with its parameter mapping (`append:`, `overwrite:` and
    `remove:` of `header.<name>` and `querystring.<name>`, `overwrite:path`)."""
    headers = dict(request.headers)
    query = dict(parse_qsl(request.query, keep_blank_values=True))
    path_override = None
    for target, expression in integration.parameters:
        action, _, where = target.partition(":")
        value = http_mapping_value(expression, sources)
        part, _, name = where.partition(".")
        found = headers if part == "header" else query if part == "querystring" else None
        if where == "path" and action == "overwrite":
            path_override = value
        elif found is not None and action == "remove":
            for key in [key for key in found if key.lower() == name.lower()]:
                del found[key]
        elif found is not None and value is not None:
            found[name] = f"{found[name]},{value}" if action == "append" and name in found else value
    base = filled(integration.url, sources.path)
    if path_override is not None:
        split = urlsplit(base)
        base = urlunsplit((split.scheme, split.netloc, "/" + path_override.lstrip("/"), "", ""))
    return _passed_back(call_endpoint(method_of(integration.http_method, request), _with_query(base, query.items()),
                                      headers, request.body, integration.timeout))


def method_of(declared: str, request: ApiRequest) -> str:
    return request.method if declared == "ANY" else declared


def endpoint_url(integration: RestIntegration, mapped: dict[str, dict[str, str]], sources: Sources, *,
                 query: list[tuple[str, str]] | None = None) -> str:
    """The endpoint's URL: `{name}` filled from the mapped path labels (else the request's own), and the
    query string."""
    base = filled(integration.url or "", mapped["path"], sources.path)
    return _with_query(base, mapped["querystring"].items() if query is None else query)


def _with_query(base: str, pairs: Iterable[tuple[str, str]]) -> str:
    encoded = urlencode(list(pairs))
    return f"{base}{'&' if '?' in base else '?'}{encoded}" if encoded else base


def _passed_back(answer: HttpAnswer) -> ApiResponse:
    """The endpoint's answer as the proxy hands it to the client: status, headers and body as they are."""
    return ApiResponse(answer.status, answer.headers, answer.body)


def call_endpoint(method: str, url: str, headers: dict[str, str], body: bytes, timeout: float) -> HttpAnswer:
    try:
        return send(method, url, headers, body, timeout=timeout)
    except EndpointFailure as error:
        raise IntegrationFailure(str(error), timed_out=error.status == 504) from None

