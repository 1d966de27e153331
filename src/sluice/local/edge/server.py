"""`sluice up`'s endpoint: one HTTP port for every service of the template's world, in real time.

HTTP requests arrive on server threads; the world (moto, the engine, the wiring, the pollers) is
single-threaded asyncio on the stack's clock. As `sluice serve --real-time` does, one thread owns
that clock and runs its loop for good; each request is scheduled onto the loop and answered when
the gateway is done with it, so a call from outside is one more callback among the pollers',
schedules' and executions' work. Scheduled rules fire as real time passes: their firings are
planned an hour ahead and re-planned before that hour ends (`EventSource.arm`). Every second the
trace is looked at and what settled is printed (`TraceLog`).

`GET /_sluice/state` answers the world's state (`sluice.local.edge.state`) for `sluice state`. A GET
with `Upgrade: websocket` is a connection to one of the template's WebSocket APIs
(`sluice.local.edge.websocket`).

Example:
    >>> with LocalStack.from_template("template.yaml", real_time=True) as stack:
    ...     server = EdgeServer(stack, port=0, log=sys.stderr)
    ...     server.start()
    ...     boto3.client("s3", endpoint_url=server.url).list_buckets()
    ...     server.stop()
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, TextIO

from sluice.http_endpoint import HttpEndpoint, endpoint_of
from sluice.local.apigateway.edge import edge_answer
from sluice.local.edge.gateway import EdgeClients, Gateway
from sluice.local.edge.log import TraceLog
from sluice.local.edge.messages import HttpAnswer, HttpRequest
from sluice.local.edge.request_handler import RequestHandler
from sluice.local.edge.responses import error_answer
from sluice.local.edge.state import STATE_PATH, snapshot
from sluice.local.lambda_.urls import edge_answer as url_edge_answer

if TYPE_CHECKING:
    from email.message import Message

    from sluice.local.stack import LocalStack

LOG = logging.getLogger("sluice.up")
DEFAULT_HOST = "127.0.0.1"
#: LocalStack's edge port, which users' scripts and `--endpoint-url`s already name.
DEFAULT_PORT = 4566
#: How far ahead scheduled rules are planned, and how long before that horizon they are re-planned.
SCHEDULE_WINDOW = 3600.0
SCHEDULE_MARGIN = 60.0
LOG_INTERVAL = 1.0


class EdgeServer(HttpEndpoint):
    """Serves a started real-time `LocalStack`; `start()` returns once it listens."""

    def __init__(self, stack: LocalStack, *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
                 log: TextIO, logs: bool = False) -> None:
        if not stack.clock.real_time:
            raise ValueError("sluice up serves a stack on the real-time clock (LocalStack(..., real_time=True))")
        self.stack = stack
        self.gateway = Gateway(EdgeClients(stack.region), stepfunctions=stack.world.stepfunctions)
        self.log = TraceLog(stack.trace, log, logs=logs)
        super().__init__(_Handler, host=host, port=port, worker="sluice-clock")

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self.stack.clock.loop

    def stop(self) -> None:
        """Stop listening, then stop the clock's loop; print what is left of the log."""
        super().stop()
        for source in self.stack.world.sources:
            source.disarm()
        self.log.flush(final=True)

    def call(self, request: HttpRequest) -> HttpAnswer:
        """Answer `request` on the clock's thread; block the asking thread until it is answered."""
        # A task, not a callback: a StartSyncExecution is awaited while the loop serves the others.
        return asyncio.run_coroutine_threadsafe(self._perform(request), self.loop).result()

    # -- the clock's thread -----------------------------------------------------------------

    def _run_worker(self) -> None:
        asyncio.set_event_loop(self.loop)
        self._plan_schedules()
        self._print_log()
        self.loop.run_forever()

    def _stop_worker(self) -> None:
        if self._worker_thread.is_alive():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._worker_thread.join(timeout=10)

    async def _perform(self, request: HttpRequest) -> HttpAnswer:
        try:
            if request.method == "GET" and request.path == STATE_PATH:
                state = snapshot(self.stack, endpoint=self.url)
                result = HttpAnswer(200, {"Content-Type": "application/json"}, state.model_dump_json().encode())
            elif self.stack.world.function_urls and \
                    (url_answer := url_edge_answer(self.stack.world.function_urls, request)) is not None:
                result = url_answer  # a request to one of the template's function URLs (by its Host)
            elif self.stack.world.apis and (api_answer := edge_answer(self.stack.world.apis, request)) is not None:
                result = api_answer  # a request to one of the template's APIs, before AWS routing
            else:
                result = await self.gateway.answer(request)
        except Exception as error:  # a sluice bug: answered and logged, and the world carries on
            LOG.exception("%s %s failed", request.method, request.path)
            result = error_answer(None, "InternalFailure", f"{type(error).__name__}: {error}", status=500)
        return result

    def _plan_schedules(self) -> None:
        # Re-planned before the horizon: `disarm` drops firings not yet due, `arm` plans them again
        # from now on, so none is lost or doubled between two windows.
        for source in self.stack.world.sources:
            source.disarm()
            source.arm(SCHEDULE_WINDOW)
        self.loop.call_later(SCHEDULE_WINDOW - SCHEDULE_MARGIN, self._plan_schedules)

    def _print_log(self) -> None:
        self.log.flush()
        self.loop.call_later(LOG_INTERVAL, self._print_log)


class _Handler(RequestHandler):
    def do_GET(self) -> None:
        if self.command == "GET" and _is_upgrade(self.headers):
            # A WebSocket handshake: a session with one of the template's WebSocket APIs takes the socket.
            from sluice.local.edge.websocket import WebSocketSession  # noqa: PLC0415 - only handshakes load websockets

            endpoint = endpoint_of(self, EdgeServer)
            WebSocketSession(self, endpoint.stack.world.websockets, endpoint.loop).serve()
        else:
            self._serve()

    # OPTIONS: a browser's CORS preflight to an API (or a bucket) is answered, not refused with 501.
    do_PUT = do_POST = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = do_GET

    def answer(self, request: HttpRequest) -> HttpAnswer:
        return endpoint_of(self, EdgeServer).call(request)


def _is_upgrade(headers: Message) -> bool:
    """Whether a request asks to become a WebSocket (`Upgrade: websocket`, in any case)."""
    tokens = ",".join(headers.get_all("Upgrade") or []).split(",")
    return any(token.strip().lower() == "websocket" for token in tokens)
