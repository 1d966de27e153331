"""CORS as API Gateway answers it for an API with `Cors` (REST) or `CorsConfiguration` (HTTP).

- REST: SAM adds an `OPTIONS` method to each path of the API, a mock integration answering 200
  with the configured `Access-Control-Allow-*` headers; `AllowMethods` defaults to the path's own
  methods plus OPTIONS. The values are quoted strings (`"'*'"`), as SAM requires (AWS SAM docs:
  "CorsConfiguration" of AWS::Serverless::Api). Other responses carry whatever the function sets.
- HTTP: API Gateway answers every preflight `OPTIONS` itself (204) and adds
  `Access-Control-Allow-Origin` / `Access-Control-Expose-Headers` to the function's responses when
  the request's `Origin` is allowed; `CorsConfiguration: true` allows everything (API Gateway docs:
  "Configuring CORS for an HTTP API").

Example:
    >>> cors = read_cors(template, decl, "HTTP")
    >>> cors.allows("https://example.com")
    True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sluice.local.errors import TemplateError

if TYPE_CHECKING:
    from sluice.local.apigateway.routes import Protocol
    from sluice.local.template.model import ResourceDecl, SamTemplate

ALLOW_ALL = "*"


@dataclass(frozen=True)
class Cors:
    allow_origins: tuple[str, ...]
    #: None: the methods of the path (REST), or all (HTTP).
    allow_methods: tuple[str, ...] | None = None
    allow_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age: int | None = None
    allow_credentials: bool = False

    def allows(self, origin: str) -> bool:
        return ALLOW_ALL in self.allow_origins or origin in self.allow_origins

    def preflight_headers(self, origin: str, methods: tuple[str, ...]) -> dict[str, str]:
        """The `Access-Control-*` headers of a preflight answer (REST: whatever the origin; HTTP:
        only for an allowed one)."""
        allowed = origin if origin and ALLOW_ALL not in self.allow_origins else ",".join(self.allow_origins)
        headers = {"Access-Control-Allow-Origin": allowed,
                   "Access-Control-Allow-Methods": ",".join(self.allow_methods or methods)}
        if self.allow_headers:
            headers["Access-Control-Allow-Headers"] = ",".join(self.allow_headers)
        if self.max_age is not None:
            headers["Access-Control-Max-Age"] = str(self.max_age)
        if self.allow_credentials:
            headers["Access-Control-Allow-Credentials"] = "true"
        return headers

    def response_headers(self, origin: str) -> dict[str, str]:
        """What an HTTP API adds to a function's response for a request from `origin`."""
        if not origin or not self.allows(origin):
            return {}
        headers = {"Access-Control-Allow-Origin": "*" if ALLOW_ALL in self.allow_origins and not
                   self.allow_credentials else origin}
        if self.expose_headers:
            headers["Access-Control-Expose-Headers"] = ",".join(self.expose_headers)
        if self.allow_credentials:
            headers["Access-Control-Allow-Credentials"] = "true"
        return headers


def read_cors(template: SamTemplate, decl: ResourceDecl, protocol: Protocol) -> Cors | None:
    """The API's CORS settings, or None when it has none."""
    if protocol == "REST":
        value = template.prop(decl, "Cors")
        if value is None:
            return None
        if isinstance(value, str):
            return Cors(allow_origins=(_unquoted(value),))
        unknown = sorted(set(value) - _REST_CORS_KEYS) if isinstance(value, dict) else []
        if not isinstance(value, dict) or unknown:
            raise TemplateError("Cors must be a quoted origin or a mapping of " + ", ".join(sorted(_REST_CORS_KEYS))
                                + (f" (not {', '.join(unknown)})" if unknown else ""), resource=decl.logical_id,
                                property="Cors", origin=template.origin)
        max_age = value.get("MaxAge")
        # SAM's AllowOrigin defaults to '*' (aws-sam-translator's CorsProperties): `Cors: {MaxAge: 5}` is valid.
        return Cors(allow_origins=(_unquoted(value.get("AllowOrigin", "'*'")),),
                    allow_methods=_listed(value.get("AllowMethods")),
                    allow_headers=_listed(value.get("AllowHeaders")) or (),
                    max_age=None if max_age is None else int(_unquoted(max_age)),
                    allow_credentials=bool(value.get("AllowCredentials")))
    value = template.prop(decl, "CorsConfiguration")
    if value is None or value is False:
        return None
    if value is True:
        return Cors(allow_origins=(ALLOW_ALL,), allow_headers=(ALLOW_ALL,))
    if not isinstance(value, dict):
        raise TemplateError("CorsConfiguration must be true or a mapping", resource=decl.logical_id,
                            property="CorsConfiguration", origin=template.origin)
    return http_cors(value)


#: The keys SAM takes in a REST API's `Cors` mapping; any other it refuses ("Invalid key … for 'Cors'").
_REST_CORS_KEYS = frozenset({"AllowMethods", "AllowHeaders", "AllowOrigin", "MaxAge", "AllowCredentials"})


def http_cors(value: Mapping[str, Any]) -> Cors:
    """Settings in the form an HTTP API's `CorsConfiguration` and a Lambda function URL's `Cors` share
    (`AllowOrigins`, `AllowMethods`, `AllowHeaders`, `ExposeHeaders`, `MaxAge`, `AllowCredentials`)."""
    return Cors(allow_origins=tuple(value.get("AllowOrigins") or ()),
                allow_methods=tuple(value["AllowMethods"]) if value.get("AllowMethods") else None,
                allow_headers=tuple(value.get("AllowHeaders") or ()),
                expose_headers=tuple(value.get("ExposeHeaders") or ()),
                max_age=value.get("MaxAge"), allow_credentials=bool(value.get("AllowCredentials")))


def _unquoted(value: Any) -> str:
    """`"'*'"` → `*`: SAM's REST CORS values are header values in single quotes."""
    text = str(value)
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == "'" else text


def _listed(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(part.strip() for part in _unquoted(value).split(",") if part.strip())
