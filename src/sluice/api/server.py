"""The Step Functions API over HTTP (AWS JSON 1.0), like Step Functions Local, for `sluice serve`.

Requests are `POST /` with `X-Amz-Target: AWSStepFunctions.<Action>` and a JSON body — what
boto3 (`endpoint_url=...`) and `aws stepfunctions --endpoint-url ...` send. HTTP requests arrive
on server threads, but the engine is single-threaded asyncio: every call is handed to the one
thread that owns the engine's clock.

- On the virtual clock that thread performs each call, then lets the clock run until the world
  is idle (so a client polling DescribeExecution sees executions progress: waits and retries take
  no real time), then answers. A task waiting for its token keeps waiting — its timeout is time
  the client may use to answer (ADR 0007); `advance(seconds)` lets such time pass, for tests.
- With `real_time=True` the clock's loop runs continuously in that thread, timers fire in real
  time, and calls are scheduled onto the loop; StartSyncExecution answers when its execution ends.

Example:
    >>> server = StepFunctionsServer(StepFunctionsService(Engine()), port=0)
    >>> server.start()
    >>> boto3.client("stepfunctions", endpoint_url=server.url, region_name="us-east-1").list_state_machines()
    >>> server.stop()
"""

from __future__ import annotations

import asyncio
import logging
import queue
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from functools import partial
from http.server import BaseHTTPRequestHandler
from typing import Any, TypeVar

from sluice.api.service import StepFunctionsService
from sluice.api.wire import CONTENT_TYPE, TARGET_PREFIX, error_body, handle, handle_async
from sluice.http_endpoint import HttpEndpoint, content_length, endpoint_of

DEFAULT_HOST = "127.0.0.1"
# Step Functions Local's port.
DEFAULT_PORT = 8083
LOG = logging.getLogger("sluice.serve")

Answer = tuple[int, bytes]
T = TypeVar("T")


class StepFunctionsServer(HttpEndpoint):
    """An HTTP endpoint for one `StepFunctionsService`; `start()` returns once it listens."""

    def __init__(self, service: StepFunctionsService, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> None:
        self.service = service
        # Work for the engine's thread (virtual clock): a job and where its result goes.
        self._jobs: queue.Queue[tuple[Callable[[], Any], Future[Any]] | None] = queue.Queue()
        super().__init__(_Handler, host=host, port=port, worker="sluice-engine")

    @property
    def real_time(self) -> bool:
        return self.service.engine.clock.real_time

    def call(self, action: str, body: bytes) -> Answer:
        """Perform one call on the engine's thread; block the asking thread until it is done."""
        if self.real_time:
            answer: Future[Answer] = Future()
            loop = self.service.engine.clock.loop
            loop.call_soon_threadsafe(self._schedule, action, body, answer)
            return answer.result()
        return self._on_engine_thread(partial(self._perform, action, body))

    def advance(self, seconds: float) -> None:
        """Let `seconds` of virtual time pass, firing every timer due in it — the TimeoutSeconds
        and HeartbeatSeconds of tasks waiting for their token too (`VirtualClock.advance`).

        Example: `server.advance(86_400)` — a day passes; a one-day callback task times out.
        """
        if self.real_time:
            raise RuntimeError("a real-time server's clock is the wall clock: it cannot be advanced")
        self._on_engine_thread(partial(self.service.drive, seconds))

    # -- the engine's thread ---------------------------------------------------------------

    def _on_engine_thread(self, job: Callable[[], T]) -> T:
        done: Future[T] = Future()
        self._jobs.put((job, done))
        return done.result()

    def _run_worker(self) -> None:
        if self.real_time:
            loop = self.service.engine.clock.loop
            asyncio.set_event_loop(loop)
            loop.run_forever()
            return
        while (item := self._jobs.get()) is not None:
            job, done = item
            try:
                done.set_result(job())
            except Exception as error:  # the caller's thread raises it; this thread carries on
                done.set_exception(error)

    def _stop_worker(self) -> None:
        if self.real_time:
            loop = self.service.engine.clock.loop
            loop.call_soon_threadsafe(loop.stop)
        else:
            self._jobs.put(None)
        self._worker_thread.join(timeout=5)

    def _perform(self, action: str, body: bytes) -> Answer:
        try:
            result = handle(self.service, action, body)
            self.service.drive()
        except Exception as error:  # an engine bug must not kill the server's only engine thread
            LOG.exception("AWSStepFunctions.%s failed", action)
            return 500, error_body("InternalFailure", f"{type(error).__name__}: {error}")
        return result

    def _schedule(self, action: str, body: bytes, answer: Future[Answer]) -> None:
        task = self.service.engine.clock.loop.create_task(handle_async(self.service, action, body))

        def deliver(done: asyncio.Task[Answer]) -> None:
            if done.exception() is not None:
                LOG.error("AWSStepFunctions.%s failed: %r", action, done.exception())
                answer.set_result((500, error_body("InternalFailure", repr(done.exception()))))
            else:
                answer.set_result(done.result())

        task.add_done_callback(deliver)


class _Handler(BaseHTTPRequestHandler):
    server_version = "sluice"
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        try:
            body = self.rfile.read(content_length(self))
        except ValueError as error:  # answered, and the connection closed: the next request's start is unknown
            self.close_connection = True
            self._send(400, error_body("SerializationException", f"unreadable request: {error}"))
            return
        target = self.headers.get("X-Amz-Target", "")
        if not target.startswith(TARGET_PREFIX):
            self._send(400, error_body("UnknownOperationException",
                                       f"Missing or unknown X-Amz-Target header: '{target}'"))
            return
        self._send(*endpoint_of(self, StepFunctionsServer).call(target[len(TARGET_PREFIX):], body))

    def _send(self, status: int, payload: bytes) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", CONTENT_TYPE)
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            LOG.debug("the client went away before its answer")
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        LOG.info("%s %s", self.address_string(), format % args)
