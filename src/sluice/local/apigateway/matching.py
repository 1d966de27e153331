"""Which route a request takes, as API Gateway chooses it.

A path segment matches a literal segment best, a `{variable}` next; a greedy `{proxy+}` (at least
one segment) only when nothing else matches; earlier segments weigh more. A trailing slash is
ignored. Path parameters are URL-decoded ("API Gateway decodes URL-encoded request parameters").

- REST APIs pick the resource (path) first, then its method, `ANY` for a method it lacks; a path
  with no resource, or a resource without that method, is answered 403 "Missing Authentication
  Token" (API Gateway docs: "How do I troubleshoot 403 Missing Authentication Token errors").
- HTTP APIs choose among routes: a full match of method and path first, path variables next,
  greedy variables after, the `$default` route last; no match is 404 "Not Found" (API Gateway
  docs: "Routing API requests" for HTTP APIs). `ANY` matches methods without a route of their own.

Example:
    >>> match = select(api, "GET", "/items/42")
    >>> match.route.key, match.path_parameters
    ('GET /items/{id}', {'id': '42'})
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote

from sluice.local.apigateway.routes import DEFAULT_ROUTE, Api, Route

_LITERAL, _VARIABLE, _GREEDY = 0, 1, 2


@dataclass(frozen=True)
class Match:
    route: Route
    path_parameters: dict[str, str]


def segments(path: str) -> list[str]:
    """The URL-decoded segments of a percent-encoded path (empty ones, as a trailing slash, dropped)."""
    return [unquote(segment) for segment in path.split("/") if segment]


def resource(api: Api, path: str) -> str | None:
    """The path of the resource (route path) a request's path falls on, the most specific one."""
    wanted = segments(path)
    scored = [(found[0], route.path) for route in api.routes if route.path != DEFAULT_ROUTE
              and (found := _path_match(route.path, wanted)) is not None]
    return min(scored)[1] if scored else None


def select(api: Api, method: str, path: str) -> Match | None:
    """The route `method path` (percent-encoded, under the stage) takes, or None."""
    wanted = segments(path)
    scored = []
    for route in api.routes:
        if route.path == DEFAULT_ROUTE:
            continue
        found = _path_match(route.path, wanted)
        if found is not None:
            scored.append((found[0], route, found[1]))
    if api.protocol == "REST":
        return _rest(scored, method)
    candidates = [(rank, route.method == "ANY", route, parameters) for rank, route, parameters in scored
                  if route.method in (method, "ANY")]
    if candidates:
        _, _, route, parameters = min(candidates, key=lambda candidate: candidate[:2])
        return Match(route, parameters)
    default = next((route for route in api.routes if route.path == DEFAULT_ROUTE), None)
    return None if default is None else Match(default, {})


def _rest(scored: list[tuple[tuple[int, ...], Route, dict[str, str]]], method: str) -> Match | None:
    if not scored:
        return None
    best = min(rank for rank, _, _ in scored)
    resource = [(route, parameters) for rank, route, parameters in scored if rank == best]
    for wanted in (method, "ANY"):
        for route, parameters in resource:
            if route.method == wanted:
                return Match(route, parameters)
    return None


def _path_match(pattern: str, wanted: list[str]) -> tuple[tuple[int, ...], dict[str, str]] | None:
    """How well `pattern` matches the request's segments (lower ranks better), and its parameters."""
    parts = [part for part in pattern.split("/") if part]
    greedy = bool(parts) and parts[-1].startswith("{") and parts[-1].endswith("+}")
    fixed = parts[:-1] if greedy else parts
    if len(wanted) < len(fixed) + (1 if greedy else 0) or (not greedy and len(wanted) != len(fixed)):
        return None
    ranks: list[int] = []
    parameters: dict[str, str] = {}
    for part, segment in zip(fixed, wanted, strict=False):
        if part.startswith("{") and part.endswith("}"):
            parameters[part[1:-1]] = segment
            ranks.append(_VARIABLE)
        elif part == segment:
            ranks.append(_LITERAL)
        else:
            return None
    if greedy:
        parameters[parts[-1][1:-2]] = "/".join(wanted[len(fixed):])
        # Greedy routes come after every non-greedy one, however specific their prefix.
        return (_GREEDY, *ranks), parameters
    return (_LITERAL, *ranks), parameters
