"""The loopback endpoint a Node.js function's AWS SDK calls go to (its `AWS_ENDPOINT_URL`).

Each request is handed to `answer`, which passes it to the thread running the invocation
(`sluice.local.lambda_.nodejs.handler`) and returns what that thread answered.

Example:
    >>> bridge = ServiceBridge(lambda request: HttpAnswer(200, {}, b"{}"))
    >>> bridge.start()   # listening at bridge.url, a free port on 127.0.0.1
    >>> bridge.stop()
"""

from __future__ import annotations

from collections.abc import Callable

from sluice.http_endpoint import HttpService, endpoint_of
from sluice.local.edge.messages import HttpAnswer, HttpRequest
from sluice.local.edge.request_handler import RequestHandler


class ServiceBridge(HttpService):
    """Answers AWS calls on a free loopback port with `answer`."""

    def __init__(self, answer: Callable[[HttpRequest], HttpAnswer]) -> None:
        super().__init__(_Handler, host="127.0.0.1", port=0)
        self.answer = answer


class _Handler(RequestHandler):
    def answer(self, request: HttpRequest) -> HttpAnswer:
        return endpoint_of(self, ServiceBridge).answer(request)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = do_PATCH = RequestHandler._serve
