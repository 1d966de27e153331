"""An HTTP integration's endpoint: the request API Gateway sends it and the answer it gives back.

The endpoint is called for real (a local development server, or a public API), with the integration's
timeout. A non-2xx status is an answer like any other; an endpoint that cannot be reached, or that
takes longer than the timeout, is said as `EndpointFailure` with API Gateway's status for it: 504
"Endpoint request timed out" for a timeout (API Gateway docs: "How do I troubleshoot HTTP 504
errors"), 500 for an address that cannot be called.

Example:
    >>> answer = send("GET", "http://127.0.0.1:8000/status", {}, b"", timeout=29)   # doctest: +SKIP
    >>> answer.status
    200
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping

from sluice.local.edge.messages import HttpAnswer

# Headers that belong to one HTTP hop: neither sent on nor sent back.
HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "upgrade", "te", "trailer",
                        "proxy-authorization", "proxy-authenticate", "host", "content-length"})


class EndpointFailure(Exception):
    """The endpoint gave no answer: `status` is what API Gateway answers instead."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """API Gateway hands a 3xx back to the client rather than following it."""

    def redirect_request(self, *_: object, **__: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def send(method: str, url: str, headers: Mapping[str, str], body: bytes, *, timeout: float) -> HttpAnswer:
    """The endpoint's answer to one request (`EndpointFailure` when there is none)."""
    # A header value goes out as its UTF-8 bytes, as API Gateway forwards it (http.client writes latin-1).
    sent = {name: value.encode("utf-8", "replace").decode("latin-1") for name, value in headers.items()
            if name.lower() not in HOP_BY_HOP}
    request = urllib.request.Request(url, data=body if body or method not in ("GET", "HEAD") else None,
                                     headers=sent, method=method)
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return HttpAnswer(response.status, _kept(response.headers.items()), response.read())
    except urllib.error.HTTPError as error:  # a 4xx/5xx (or 3xx) is the endpoint's answer
        return HttpAnswer(error.code, _kept(error.headers.items()), error.read())
    except TimeoutError:
        raise EndpointFailure(504, f"{method} {url}: no answer within {timeout:g} s") from None
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError):
            raise EndpointFailure(504, f"{method} {url}: no answer within {timeout:g} s") from None
        raise EndpointFailure(500, f"{method} {url}: {error.reason}") from None
    except (OSError, ValueError) as error:  # a malformed URL, a connection reset mid-answer
        raise EndpointFailure(500, f"{method} {url}: {error}") from None


def _kept(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    return {name: value for name, value in pairs if name.lower() not in HOP_BY_HOP}
