"""API Gateway's mapping templates: Velocity (VTL) with `$input`, `$util`, `$context` and `$stageVariables`.

A REST API's non-proxy integrations (`AWS`, `MOCK`) shape the request they send and the response they
return with these templates (API Gateway docs: "Mapping template reference for REST APIs"). The
Velocity language itself is `airspeed` (LocalStack's maintained fork, `airspeed-ext`, made for AWS's
templates); what API Gateway adds is here:

- `$input.body` the payload as text (`{}` when empty), `$input.json(path)` a JSONPath's value as JSON
  text, `$input.path(path)` the value itself, `$input.params()` the request's `path`, `querystring` and
  `header` maps and `$input.params(name)` the first of those holding `name`;
- `$util.escapeJavaScript`, `parseJson`, `urlEncode`, `urlDecode`, `base64Encode`, `base64Decode`;
- `$context` (the request context: `requestId`, `httpMethod`, `resourcePath`, `stage`, `identity` …) and
  its `requestOverride` / `responseOverride` maps, which a template may `#set` to change the request's
  headers or the response's status and headers;
- `$stageVariables`.

A JSON array taken from the payload prints as JSON, an object as Java prints a `Map` (`{a=1, b=[2]}`),
as API Gateway prints them; `$input.json` is the way to JSON text.

Example:
    >>> rendered = render('{"input": "$util.escapeJavaScript($input.json(\\'$\\'))"}', body=b'{"n": 1}')
    >>> rendered.text
    '{"input": "{\\\\"n\\\\":1}"}'
"""

from __future__ import annotations

import base64
import functools
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus, unquote_plus

import airspeed

from sluice import json_text
from sluice.asl.paths import PathNotFound, PathSyntaxError, compile_path
from sluice.local.adapters.airspeed_methods import register


class TemplateFailure(ValueError):
    """A mapping template that cannot be rendered (bad syntax, a failing `$util` call)."""


# Python's dict methods that Java's Map lacks: `$body.items` must be the member `items` or nothing, as
# in Velocity, never a bound method airspeed found by `getattr` (it tries the key first, then the attribute).
_HIDDEN = frozenset({"items", "keys", "pop", "popitem", "update", "copy", "clear", "setdefault", "fromkeys"})


class UnparsableBody(TemplateFailure):
    """`$input.json` or `$input.path` over a payload that is not JSON: API Gateway answers 400."""


class JsonMap(dict[str, Any]):
    """A JSON object from the payload: a map to the template (Java's `Map` methods), printed as Java prints
    a `Map`: `{foo=bar, list=[{"n":1}]}`, its arrays as JSON (recorded on AWS: LocalStack's
    `test_input_path_template_formatting` snapshot)."""

    def __init__(self, value: dict[str, Any]) -> None:
        super().__init__((key, as_template_value(item)) for key, item in value.items())

    def __getattribute__(self, name: str) -> Any:
        if name in _HIDDEN:
            raise AttributeError(name)
        return super().__getattribute__(name)

    def __str__(self) -> str:
        return "{" + ", ".join(f"{key}={_java_text(item)}" for key, item in dict.items(self)) + "}"


class JsonList(list[Any]):
    """A JSON array from the payload: a list to the template, JSON when printed."""

    def __init__(self, value: list[Any]) -> None:
        super().__init__(as_template_value(item) for item in value)
        self._source = value

    def __str__(self) -> str:
        return json.dumps(self._source, separators=(",", ":"))


def _java_text(value: Any) -> str:
    """A map member as Java's `String.valueOf` prints it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "null" if value is None else str(value)


def as_template_value(value: Any) -> Any:
    """`value` with its objects and arrays made printable as API Gateway prints them (recursively)."""
    if isinstance(value, dict):
        return JsonMap(value)
    if isinstance(value, list):
        return JsonList(value)
    return value


register(JsonMap, JsonList)


class Input:
    """`$input`: the payload being mapped and the request's parameters."""

    def __init__(self, body: bytes, params: dict[str, dict[str, str]]) -> None:
        self._text = body.decode("utf-8", "replace")
        self._params = params

    @property
    def body(self) -> str:
        return self._text or "{}"

    def json(self, path: str = "$") -> str:
        found = self._select(path)
        return json.dumps("" if found is None else found, separators=(",", ":"))

    def path(self, path: str) -> Any:
        return as_template_value(self._select(path))

    def params(self, name: str | None = None) -> Any:
        if name is None:
            return as_template_value(self._params)
        for where in ("path", "querystring", "header"):
            value = self._params.get(where, {}).get(name)
            if value:
                return value
        return ""

    @functools.cached_property
    def _document(self) -> Any:
        """The payload as JSON, parsed once however many times the template reads it."""
        try:
            return json_text.loads(self._text) if self._text.strip() else {}
        except json.JSONDecodeError as error:
            raise UnparsableBody(f"Could not parse request body into json: {error}") from None

    def _select(self, path: str) -> Any:
        try:
            return compile_path(path or "$").get(self._document)
        except (PathNotFound, PathSyntaxError):
            return None


class Util:
    """`$util`."""

    @staticmethod
    def escapeJavaScript(value: Any) -> str:
        """A string's characters escaped by JavaScript's rules (JSON's escapes; quotes escaped)."""
        if value is None:
            return "null"
        if isinstance(value, bool):
            return str(value).lower()
        text = str(value)
        return json.dumps(text)[1:-1].replace("'", "\\'")

    @staticmethod
    def parseJson(text: str) -> Any:
        try:
            return as_template_value(json_text.loads(str(text)))
        except json.JSONDecodeError as error:
            raise TemplateFailure(f"$util.parseJson: {error}") from None

    @staticmethod
    def urlEncode(text: str) -> str:
        return quote_plus(str(text))

    @staticmethod
    def urlDecode(text: str) -> str:
        return unquote_plus(str(text))

    @staticmethod
    def base64Encode(text: str) -> str:
        return base64.b64encode(str(text).encode()).decode()

    @staticmethod
    def base64Decode(text: str) -> str:
        try:
            return base64.b64decode(str(text)).decode("utf-8", "replace")
        except ValueError as error:
            raise TemplateFailure(f"$util.base64Decode: {error}") from None


@dataclass
class Rendered:
    """A rendered template, and what it set in `$context.requestOverride` / `responseOverride`."""

    text: str
    #: `header` and `querystring` maps (request) or `status` and `header` (response) the template set.
    overrides: dict[str, Any] = field(default_factory=dict)


def render(template: str, *, body: bytes, params: dict[str, dict[str, str]] | None = None,
           context: dict[str, Any] | None = None, stage_variables: dict[str, str] | None = None,
           override: str = "requestOverride") -> Rendered:
    """Render `template` over `body` (`override`: `requestOverride` for an integration request,
    `responseOverride` for an integration response)."""
    holder: dict[str, Any] = {"header": {}, "querystring": {}, "path": {}} if override == "requestOverride" \
        else {"header": {}}
    namespace = {
        "input": Input(body, params or {}),
        "util": Util(),
        "context": {**as_template_value(context or {}), override: holder},
        "stageVariables": dict(stage_variables or {}),
    }
    try:
        text = airspeed.Template(template).merge(namespace)
    except Exception as error:  # airspeed's TemplateSyntaxError, or what a call raised, wrapped as its cause
        cause = error.__cause__
        if isinstance(cause, TemplateFailure):
            raise cause from None
        raise TemplateFailure(f"{type(error).__name__}: {error}") from None
    return Rendered(text, {key: value for key, value in holder.items() if value not in ({}, None)})
