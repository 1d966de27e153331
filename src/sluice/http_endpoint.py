"""An HTTP endpoint in front of a single-threaded world: `sluice serve` and `sluice up` share it.

HTTP requests arrive on server threads; the world (an engine, or a whole local stack) lives on
one asyncio clock owned by one thread. A subclass says how that thread runs (`_run_worker`) and
how it is stopped (`_stop_worker`); handlers find their endpoint with `endpoint_of`.

Example:
    >>> class Echo(HttpEndpoint):
    ...     def __init__(self) -> None:
    ...         super().__init__(_Handler, host="127.0.0.1", port=0, worker="echo")
    ...     def _run_worker(self) -> None: ...
    ...     def _stop_worker(self) -> None: ...
    >>> endpoint = Echo()
    >>> endpoint.start()  # returns once it listens, at endpoint.url
    >>> endpoint.stop()
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TypeVar

E = TypeVar("E", bound="HttpService")

# How often a serving main thread wakes to run a signal handler another thread received.
_SIGNAL_CHECK_SECONDS = 0.2


class _Server(ThreadingHTTPServer):
    """The HTTP server, knowing the service its handlers work for."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler],
                 endpoint: HttpService) -> None:
        super().__init__(address, handler)
        self.endpoint = endpoint


class HttpService:
    """Serves `handler` on `host:port` from a daemon thread between `start()` and `stop()`; binding
    happens in the constructor, so a busy port raises `OSError` there. Handlers find the service with
    `endpoint_of`. (The loopback helpers of the local stack — the secrets extension, the custom resources'
    `ResponseURL` — are services; `HttpEndpoint` adds a worker thread that owns a world.)"""

    def __init__(self, handler: type[BaseHTTPRequestHandler], *, host: str, port: int) -> None:
        self._http = _Server((host, port), handler, self)
        # A short poll interval: stop() returns promptly (tests start and stop servers often).
        self._http_thread = threading.Thread(target=self._http.serve_forever, kwargs={"poll_interval": 0.05},
                                             name="sluice-http", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._http.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._http_thread.start()

    def stop(self) -> None:
        """Stop listening."""
        self._http.shutdown()
        self._http.server_close()


class HttpEndpoint(HttpService, ABC):
    """Serves `handler` on `host:port` from a daemon thread, next to the worker thread that owns
    the world's clock; `start()` returns once it listens (binding happens in the constructor, so
    a busy port raises `OSError` there)."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], *, host: str, port: int, worker: str) -> None:
        super().__init__(handler, host=host, port=port)
        self._worker_thread = threading.Thread(target=self._run_worker, name=worker, daemon=True)

    def start(self) -> None:
        self._worker_thread.start()
        super().start()

    def serve_forever(self) -> None:
        """Block until interrupted (Ctrl-C, or SIGTERM turned into KeyboardInterrupt), then stop."""
        self.start()
        try:
            # Timed waits, not one untimed join: the kernel may deliver Ctrl-C or SIGTERM to any
            # thread, and then CPython only flags it for the main thread, which runs the Python
            # handler (KeyboardInterrupt) when its wait next returns. An untimed join never returns
            # and the signal is lost (tests/test_http_endpoint.py).
            while self._http_thread.is_alive():
                self._http_thread.join(timeout=_SIGNAL_CHECK_SECONDS)
        finally:
            self.stop()

    def stop(self) -> None:
        """Stop listening, then stop the worker thread."""
        super().stop()
        self._stop_worker()

    @abstractmethod
    def _run_worker(self) -> None:
        """The worker thread's body: runs the world until `_stop_worker`."""

    @abstractmethod
    def _stop_worker(self) -> None:
        """Make `_run_worker` return, and wait for it (called once the server no longer listens)."""


def endpoint_of(handler: BaseHTTPRequestHandler, kind: type[E]) -> E:
    """The service (or endpoint) a request handler works for.

    Example:
        >>> server = endpoint_of(self, StepFunctionsServer)  # in a handler's do_POST
    """
    server = handler.server
    if not isinstance(server, _Server) or not isinstance(server.endpoint, kind):
        raise TypeError(f"{type(handler).__name__} is not serving a {kind.__name__}")
    return server.endpoint


def content_length(handler: BaseHTTPRequestHandler) -> int:
    """The request's `Content-Length` (0 when absent); ValueError for one that is not a count of bytes, which
    `rfile.read` would otherwise take as "read until the client closes" (a negative one) or crash on."""
    raw = handler.headers.get("Content-Length") or "0"
    length = int(raw)
    if length < 0:
        raise ValueError(f"Content-Length {raw} is negative")
    return length
