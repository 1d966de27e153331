"""What API Gateway's parameter mappings read, and how their expressions are evaluated.

- REST (API Gateway docs: "Parameter mapping source reference for REST APIs"): `'constant'`,
  `method.request.<header|querystring|path>.<name>`, `method.request.body[.<JSONPath>]`,
  `context.<name>`, `stageVariables.<name>`; on the way back `integration.response.<header>.<name>` and
  `integration.response.body[.<JSONPath>]`.
- HTTP APIs ("Transforming API requests and responses for HTTP APIs"): `$request.<header|querystring|
  path>.<name>`, `$request.path` (the path below the stage), `$request.body[.<JSONPath>]`,
  `$context.<name>`, `$stageVariables.<name>`, or text in which each `${request.…}` is replaced.

Example:
    >>> sources = Sources({"x-user": "ann"}, {}, {"id": "7"}, b'{"n": 1}', {"requestId": "r"}, {})
    >>> mapping_value("method.request.path.id", sources, "method.request")
    '7'
    >>> http_mapping_value("u-${request.header.x-user}", sources)
    'u-ann'
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from sluice import json_text
from sluice.asl.paths import PathNotFound, PathSyntaxError, compile_path

if TYPE_CHECKING:
    from sluice.local.apigateway.integrations import RestIntegration

_REFERENCE = re.compile(r"\$\{([^}]+)\}")
_LABEL = re.compile(r"\{([^}+]+)\+?\}")


@dataclass(frozen=True)
class Sources:
    """What a mapping expression reads: the request (or the service's answer) and the request context."""

    headers: dict[str, str]
    query: dict[str, str]
    path: dict[str, str]
    body: bytes
    context: dict[str, Any]
    stage_variables: dict[str, str]
    #: The request's path below the stage (`$request.path`).
    request_path: str = ""

    @classmethod
    def of(cls, event: dict[str, Any], body: bytes) -> Sources:
        """From the request's payload 1.0 proxy event (what a REST API knows of it)."""
        return cls({key.lower(): value for key, value in (event.get("headers") or {}).items()},
                   event.get("queryStringParameters") or {}, event.get("pathParameters") or {}, body,
                   event.get("requestContext") or {}, event.get("stageVariables") or {}, str(event.get("path", "")))

    def params(self) -> dict[str, dict[str, str]]:
        return {"path": self.path, "querystring": self.query, "header": dict(self.headers)}

    def read(self, where: str, name: str) -> Any:
        """`where` is `header`, `querystring`, `path`, `body`, `context` or `stageVariables`."""
        if where == "header":
            return self.headers.get(name.lower())
        if where == "path" and not name:
            return self.request_path
        if where in ("querystring", "path"):
            return (self.query if where == "querystring" else self.path).get(name)
        if where == "body":
            return self.body.decode("utf-8", "replace") if not name else self._selected("$." + name)
        if where == "context":
            value: Any = self.context
            for part in name.split("."):
                value = value.get(part) if isinstance(value, dict) else None
            return value
        if where == "stageVariables":
            return self.stage_variables.get(name)
        return None

    @functools.cached_property
    def _document(self) -> Any:
        """The body as JSON, parsed once for all the expressions that read it (None when it is not JSON)."""
        try:
            return json_text.loads(self.body or b"null")
        except json.JSONDecodeError:
            return None

    def _selected(self, path: str) -> Any:
        try:
            return compile_path(path).get(self._document)
        except (PathNotFound, PathSyntaxError):
            return None


def mapping_value(expression: str, sources: Sources, prefix: str) -> str | None:
    """A REST mapping expression's value: `'constant'`, `<prefix>.<header|querystring|path>.<name>`,
    `<prefix>.body[.<JSONPath>]`, `context.<name>` or `stageVariables.<name>` (`prefix`: `method.request`
    or `integration.response`)."""
    expression = expression.strip()
    if len(expression) >= 2 and expression[0] == expression[-1] == "'":
        return expression[1:-1]
    if expression.startswith(prefix + "."):
        where, _, name = expression[len(prefix) + 1:].partition(".")
        where = where.removeprefix("multivalue")
    else:
        where, _, name = expression.partition(".")
        if where not in ("context", "stageVariables"):
            return None
    return _text(sources.read(where, name))


def http_mapping_value(expression: str, sources: Sources) -> str | None:
    """An HTTP API mapping expression's value: `$request.…`, `$context.…`, `$stageVariables.…`, or
    text in which each `${request.…}` is replaced."""
    def reference(text: str) -> str | None:
        head, _, rest = text.partition(".")
        if head == "request":
            where, _, name = rest.partition(".")
            return _text(sources.read(where, name))
        if head in ("context", "stageVariables"):
            return _text(sources.read(head, rest))
        return None

    if re.fullmatch(r"\$(request|context|stageVariables)\.\S+", expression):
        return reference(expression[1:])
    return _REFERENCE.sub(lambda found: reference(found[1]) or "", expression)


def integration_request_parameters(integration: RestIntegration, sources: Sources,
                                   overrides: dict[str, Any]) -> dict[str, dict[str, str]]:
    """The integration request's headers, query string and path labels: its `requestParameters`, then
    what the template `#set` in `$context.requestOverride`."""
    mapped: dict[str, dict[str, str]] = {"header": {}, "querystring": {}, "path": {}}
    for target, expression in integration.request_parameters:
        where, _, name = target.removeprefix("integration.request.").partition(".")
        value = mapping_value(expression, sources, "method.request")
        if where in mapped and value is not None:
            mapped[where][name] = value
    for where, values in mapped.items():
        values.update({str(key): str(value) for key, value in overrides.get(where, {}).items()})
    return mapped


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))


def filled(template: str, *values: dict[str, str]) -> str:
    """`template` (a uri or path) with each `{name}` or `{name+}` label replaced by the first of `values`
    holding it, percent-encoded but for `/` and `:` (a greedy label spans segments); "" when none does."""
    def label(hit: re.Match[str]) -> str:
        value = next((found[hit[1]] for found in values if hit[1] in found), "")
        return quote(value, safe="/:")

    return _LABEL.sub(label, template)
