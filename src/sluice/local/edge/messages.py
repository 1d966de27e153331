"""The HTTP request and answer the edge endpoint handles, independent of the HTTP server.

Example:
    >>> request = HttpRequest("GET", "/sluice-raw", "list-type=2", {"Host": "127.0.0.1:4566"}, b"")
    >>> request.header("host")
    '127.0.0.1:4566'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl


@dataclass(frozen=True)
class HttpRequest:
    """One request as the client sent it: `path` still percent-encoded, `query` the raw query string."""

    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    body: bytes

    def header(self, name: str, default: str = "") -> str:
        """A header's value, whatever the case of its name."""
        wanted = name.lower()
        return next((value for key, value in self.headers.items() if key.lower() == wanted), default)

    def query_pairs(self) -> list[tuple[str, str]]:
        """The query string's pairs, in order (a key given without `=` has the value "")."""
        return parse_qsl(self.query, keep_blank_values=True)


@dataclass
class HttpAnswer:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


class EdgeError(Exception):
    """A request the endpoint refuses, answered as the service's own error (`code`, HTTP `status`)."""

    def __init__(self, code: str, message: str, status: int = 400, *, service: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        #: The service the request was for, when known (its error format is used).
        self.service = service
