"""The edge gateway: an HTTP request from outside the process → the same call made in-process.

A call from the `aws` CLI does not pass through this process's botocore, so nothing would see it:
not moto (`mock_aws` answers at botocore's `before-send`), not the stack's listener on the botocore
hooks (`sluice.local.hooks`: Lambda `Invoke`, SQS's message operations and Step Functions answered
by sluice, injected faults, and the event wiring observing completed writes). The gateway
therefore *replays* the request: it reads the service, operation and parameters off the wire
(`routing`, `requests`) and makes that call with a boto3 client of the stack — so an `aws s3 cp`
through the endpoint is exactly `s3.put_object(...)` in a test, faults and wiring included (ADR 0009).

The answer goes back as the backend wrote it: moto's own bytes when moto answered (read from the
call's HTTP response at botocore's `after-call`), else the parsed answer sluice gave, serialised
for the protocol (`responses`). A parameter botocore's validation refuses is AWS's 400
`ValidationException` (S3: `InvalidArgument`), with botocore's report as the message; an operation
the backend does not emulate is a 501 `NotImplemented` naming it.

The gateway must run on the thread that owns the stack's clock (`sluice.local.edge.server`).
`StartSyncExecution` is the one call that lasts: replayed, it would run its execution to the end
inside that thread and stop the whole world (every other request, poller and schedule) meanwhile.
`answer` therefore awaits it on the clock instead, as `sluice serve --real-time` does
(`StepFunctionsService.call_async`): other requests are answered while it runs. Being answered
by the service directly, it does not pass the botocore hooks (no injected API fault, no trace
record of the call itself; the execution is traced as any).

Example:
    >>> gateway = Gateway(EdgeClients("us-east-1"), stepfunctions=stack.world.stepfunctions)
    >>> gateway.handle(HttpRequest("POST", "/", "", {"X-Amz-Target": "AmazonSQS.ListQueues", ...}, b"{}")).status
    200
    >>> await gateway.answer(start_sync_execution_request)     # on the clock's loop
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from botocore import xform_name
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

from sluice.api.wire import CONTENT_TYPE, handle_async
from sluice.local.edge.messages import EdgeError, HttpAnswer, HttpRequest
from sluice.local.edge.requests import parameters
from sluice.local.edge.responses import error_answer, query_json, serialise
from sluice.local.edge.routing import Route, identify, service_model

if TYPE_CHECKING:
    from sluice.api.service import StepFunctionsService

LOG = logging.getLogger("sluice.up")
# Headers of moto's answer that belong to one HTTP exchange, not to the answer.
_HOP_BY_HOP = frozenset({"connection", "content-length", "transfer-encoding", "keep-alive", "date", "server"})
SYNC_START = "StartSyncExecution"


class EdgeClients:
    """boto3 clients of the stack's region that make each replayed call exactly once: the caller
    outside does its own retries, and a retry here would hide an injected fault from it."""

    def __init__(self, region: str) -> None:
        import boto3  # noqa: PLC0415 - loaded with the stack anyway

        self._session: Any = boto3.session.Session(aws_access_key_id="sluice", aws_secret_access_key="sluice",
                                              region_name=region)
        self._config = Config(retries={"total_max_attempts": 1}, s3={"addressing_style": "path"})
        self._clients: dict[str, Any] = {}

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self._session.client(service, config=self._config)
        return self._clients[service]


class _Exchange:
    """What botocore's `after-call` saw of the call being replayed."""

    def __init__(self) -> None:
        self.http: Any = None
        self.parsed: dict[str, Any] = {}

    def capture(self, http_response: Any, parsed: dict[str, Any], **_: Any) -> None:
        self.http = http_response
        self.parsed = parsed
        if getattr(http_response, "raw", None) is not None:
            http_response.content  # noqa: B018 - read moto's bytes now, before anyone consumes the stream


class Gateway:
    def __init__(self, clients: EdgeClients, *, stepfunctions: StepFunctionsService | None = None) -> None:
        self.clients = clients
        #: The stack's Step Functions API, for the calls that are awaited rather than replayed.
        self.stepfunctions = stepfunctions
        self._attached: set[str] = set()
        self._exchange = _Exchange()

    async def answer(self, request: HttpRequest) -> HttpAnswer:
        """`handle`, for the clock's loop: a `StartSyncExecution` is awaited while the world runs."""
        try:
            route = identify(request)
        except EdgeError:
            return self.handle(request)
        if self.stepfunctions is None or (route.service, route.operation.name) != ("stepfunctions", SYNC_START):
            return self.handle(request)
        status, body = await handle_async(self.stepfunctions, SYNC_START, request.body)
        return HttpAnswer(status, {"Content-Type": CONTENT_TYPE, "x-amzn-RequestId": str(uuid.uuid4())}, body)

    def handle(self, request: HttpRequest) -> HttpAnswer:
        """Answer one request (never raises: every failure is the service's error answer)."""
        try:
            route = identify(request)
        except EdgeError as error:
            known = service_model(error.service) if error.service else None
            return error_answer(known, error.code, error.message, status=error.status)
        try:
            return self._replay(route, parameters(route))
        except EdgeError as error:
            return error_answer(route.operation.service_model, error.code, error.message, status=error.status)

    def call(self, service: str, operation: str, params: dict[str, Any]) -> HttpAnswer:
        """Make one call (`service` by botocore's name) as a replayed request is made, and answer as the
        service would over HTTP: for callers that already hold the parameters (API Gateway's HTTP API
        service integrations)."""
        model = service_model(service).operation_model(operation)
        try:
            return self._replay(Route(service, model, {}, HttpRequest("POST", "/", "", {}, b"")), params)
        except EdgeError as error:
            return error_answer(model.service_model, error.code, error.message, status=error.status)

    def _replay(self, route: Route, params: dict[str, Any]) -> HttpAnswer:
        client = self._client(route.service)
        exchange = self._exchange = _Exchange()
        call: Callable[..., Any] = getattr(client, xform_name(route.operation.name))
        try:
            call(**params)
        except ClientError:
            pass  # the error answer was captured at after-call, as any answer
        except ParamValidationError as error:
            code = "InvalidArgument" if route.service == "s3" else "ValidationException"
            raise EdgeError(code, str(error)) from None
        except BotoCoreError as error:
            raise EdgeError("InvalidRequest", str(error)) from None
        except NotImplementedError as error:  # moto has no such operation: say so, as LocalStack does (501)
            raise EdgeError("NotImplemented", f"{route.service} {route.operation.name} is not emulated locally "
                                              f"({error})", status=501) from None
        if exchange.http is None:
            raise EdgeError("InternalFailure", f"{route.service} {route.operation.name} got no answer", status=500)
        http = exchange.http
        if http.status_code < 300 and _accepts_json(route):
            return query_json(route.operation, exchange.parsed)
        if getattr(http, "raw", None) is not None:
            headers = {key: value for key, value in http.headers.items() if key.lower() not in _HOP_BY_HOP}
            if route.request.method == "HEAD" and "content-length" in {key.lower() for key in http.headers}:
                headers["Content-Length"] = http.headers["content-length"]
            return HttpAnswer(http.status_code, headers, http.content or b"")
        return serialise(route.operation, http.status_code, exchange.parsed)

    def _client(self, service: str) -> Any:
        client = self.clients.client(service)
        if service not in self._attached:
            # Through a method of ours: each replay sees the exchange it started.
            client.meta.events.register("after-call", self._captured)
            self._attached.add(service)
        return client

    def _captured(self, **kwargs: Any) -> None:
        self._exchange.capture(**kwargs)


def _accepts_json(route: Route) -> bool:
    """A request in the query protocol's form that accepts JSON (API Gateway's AWS integrations ask so)."""
    query = route.form or route.operation.metadata.get("protocol") == "query"
    return query and "application/json" in route.request.header("accept").lower()
