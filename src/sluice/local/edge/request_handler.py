"""Reading an HTTP request into an `HttpRequest` and writing an `HttpAnswer` back, for the endpoints
that answer AWS calls: `sluice up` (`sluice.local.edge.server`) and a Node.js function's loopback
endpoint (`sluice.local.lambda_.nodejs.bridge`).

Example:
    >>> class Echo(RequestHandler):
    ...     def answer(self, request: HttpRequest) -> HttpAnswer:
    ...         return HttpAnswer(200, {}, request.body)
    ...     do_POST = RequestHandler._serve
"""

from __future__ import annotations

import logging
from abc import abstractmethod
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

from sluice.http_endpoint import content_length
from sluice.local.edge.messages import HttpAnswer, HttpRequest
from sluice.local.edge.responses import error_answer

LOG = logging.getLogger("sluice.up")


class RequestHandler(BaseHTTPRequestHandler):
    """Parses each request (origin or absolute target, `Content-Length` or chunked body) and sends `answer`'s
    `HttpAnswer`; a request whose own framing does not describe it is answered and the connection closed."""

    server_version = "sluice"
    protocol_version = "HTTP/1.1"

    @abstractmethod
    def answer(self, request: HttpRequest) -> HttpAnswer:
        """The answer to one request."""

    def _serve(self) -> None:
        try:
            path, query = self._target()
            body = self._body()
        except ValueError as error:
            # A request its own framing does not describe: answered, and the connection closed (where the next
            # request would start is unknown), rather than dropped with a traceback.
            self.close_connection = True
            self._send(error_answer(None, "SerializationException", f"unreadable request: {error}"))
            return
        request = HttpRequest(self.command, path, query, dict(self.headers.items()), body)
        self._send(self.answer(request))

    def _send(self, answer: HttpAnswer) -> None:
        try:
            self.send_response(answer.status)
            headers = {key.lower(): (key, value) for key, value in answer.headers.items()}
            if self.command != "HEAD" or "content-length" not in headers:
                headers["content-length"] = ("Content-Length", str(len(answer.body)))
            for key, value in headers.values():
                # send_header writes latin-1: a value beyond it (a function's header) goes as its UTF-8 bytes.
                self.send_header(key, value.encode("utf-8", "replace").decode("latin-1"))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(answer.body)
        except (BrokenPipeError, ConnectionResetError):
            LOG.debug("%s %s: the client went away before its answer", self.command, self.path)
            self.close_connection = True

    def _target(self) -> tuple[str, str]:
        """The request target's path and query: origin form (`/path?query`, never read as a host, even
        `//a[b`), or absolute form (`http://host/path?query`)."""
        if self.path.startswith("/"):
            path, _, query = self.path.partition("?")
            return path, query
        url = urlsplit(self.path)  # ValueError for a malformed one
        return url.path or "/", url.query

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = bytearray()
            while size := int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16):
                data += self.rfile.read(size)
                self.rfile.readline()
            while self.rfile.readline().strip():  # trailers
                pass
            return bytes(data)
        return self.rfile.read(content_length(self))

    def log_message(self, format: str, *args: Any) -> None:
        LOG.debug("%s %s", self.address_string(), format % args)
