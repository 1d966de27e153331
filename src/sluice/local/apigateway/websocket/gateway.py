"""`WebSocketGateway`: clients connect to the template's WebSocket APIs, send messages and close, and the
routes' functions and integrations run as API Gateway runs them (API Gateway docs: "Working with
WebSocket APIs"):

- **connect**: `$connect`'s Lambda `REQUEST` authorizer, then its integration. A missing identity
  source or `Unauthorized` raised is 401, a refusing policy 403, a failing authorizer 500; a `$connect`
  function that fails or answers a status outside 2xx refuses the connection with that status (500 for
  a failure). No `$connect` route: every connection is accepted.
- **send**: the route selection expression (`$request.body.action`) picks the route from a JSON
  message; a message that is not JSON, or selects no route, takes `$default`. With no route to take,
  the client is sent `{"message": "Forbidden", "connectionId", "requestId"}`; a failing integration
  sends `{"message": "Internal server error", …}`. A route with `RequestModels` checks the message
  against the model its `ModelSelectionExpression` selects: one that fails is sent `{"message": "Invalid
  request body", …}` and never reaches the integration. A two-way route (a route response) sends the client
  the integration's answer (a Lambda proxy's `body`). A message over 128 KB closes the connection with
  1009.
- **close**: `$disconnect` runs once the connection is gone (its answer goes nowhere).

Connections are answered in-process; functions reach them with `apigatewaymanagementapi`
(`management`). Every connect, message and disconnect is a root of the trace (`api`).

Example:
    >>> connection = stack.world.websockets.connect(api="ChatApi", query="name=ada")
    >>> connection.send({"action": "ping"}); connection.received
    ['pong']
"""

from __future__ import annotations

import base64
import json
import logging
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sluice import json_text
from sluice.local.apigateway.authorizers import missing_identity, verdict
from sluice.local.apigateway.events import ApiRequest
from sluice.local.apigateway.resources import find_api
from sluice.local.apigateway.responses import MalformedResponse, http_status
from sluice.local.apigateway.validation import InvalidModel, invalid_body
from sluice.local.apigateway.websocket.connections import MAX_MESSAGE_BYTES, Connection, Connections, Message
from sluice.local.apigateway.websocket.events import (
    RequestIds,
    authorizer_event,
    connect_event,
    disconnect_event,
    message_event,
)
from sluice.local.apigateway.websocket.routes import CONNECT, DISCONNECT, WebSocketApi, WebSocketRoute
from sluice.local.errors import StackError
from sluice.local.trace import FAILED, Activity, Trace

if TYPE_CHECKING:
    from sluice.asl.clock import VirtualClock
    from sluice.local.apigateway.service_calls import ServiceCalls
    from sluice.local.lambda_.runtime import LambdaRuntime

LOG = logging.getLogger("sluice.apigateway")
_JSON = "application/json"


class ConnectionRefused(StackError):
    """The API refused the handshake with an HTTP status (`sluice up` answers it)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"the WebSocket connection was refused with {status}: {message}")
        self.status = status


class Gone(StackError):
    """The connection is closed, unknown, or not yet established (API Gateway's 410 `GoneException`)."""


class TooLarge(StackError):
    """A message to a client over 128 KB (413 `PayloadTooLargeException`)."""


class WebSocketGateway:
    """The template's WebSocket APIs, served in-process."""

    def __init__(self, apis: Sequence[WebSocketApi], *, runtime: LambdaRuntime, trace: Trace, clock: VirtualClock,
                 region: str, account: str, seed: int | str = 0, services: ServiceCalls | None = None) -> None:
        self.apis = tuple(apis)
        self.runtime = runtime
        self.trace = trace
        self.clock = clock
        self.region = region
        self.account = account
        #: Carries out the routes whose integration is an AWS service or a mock.
        self.services = services
        self.connections = Connections()
        self._random = random.Random(f"{seed}:websocket")

    def api(self, reference: str | None = None) -> WebSocketApi:
        """An API by logical id or API id; the only one when `reference` is None."""
        return find_api(self.apis, reference, kind="WebSocket API")

    def connect(self, url: str = "", *, api: str | None = None, headers: Mapping[str, str] | None = None,
                query: str = "", source_ip: str = "127.0.0.1", on_message: Callable[[Message], None] | None = None,
                on_close: Callable[[int, str], None] | None = None) -> Connection:
        """Open a connection: to `url` (`wss://<api-id>.execute-api.<region>.amazonaws.com/<stage>?…`, as
        the Outputs give it) or to the stage of `api`; `ConnectionRefused` when the API refuses it."""
        chosen = self._addressed(url, api)
        if url:
            query = urlsplit(url).query or query
        pairs = tuple((headers or {}).items())
        agent = next((value for name, value in pairs if name.lower() == "user-agent"), "")
        ids = self._ids()
        connection = Connection(self._token(), chosen, f"{chosen.api_id}.execute-api.{self.region}.amazonaws.com",
                                ids.now, self, pairs, query.lstrip("?"), source_ip, agent, on_message=on_message,
                                on_close=on_close, last_active=ids.now)
        activity = self.trace.record("api", f"WebSocket connect {chosen.logical_id} ({connection.id})", root=True,
                                     route=CONNECT)
        route = chosen.routes.get(CONNECT)
        if route is not None:
            connection = self._authorized(route, connection, ids, activity)
            status = self._run(route, connection, connect_event(connection, ids), b"", activity)
            if status is None:  # the integration failed: `_run` has said why
                raise ConnectionRefused(500, "the $connect route failed")
            if not 200 <= status < 300:
                activity.status = FAILED
                activity.detail["error"] = f"$connect answered {status}"
                raise ConnectionRefused(status, "the $connect route refused the connection")
        self.connections.add(connection)
        return connection

    def send(self, connection: Connection, message: Message | Mapping[str, Any] | Sequence[Any]) -> None:
        """The client sends `message` (a mapping or list as JSON text) on `connection`."""
        if not connection.open:
            raise StackError(f"connection {connection.id} is closed")
        if not isinstance(message, str | bytes):
            message = json.dumps(message)
        data = message.encode() if isinstance(message, str) else message
        if len(data) > MAX_MESSAGE_BYTES:
            self.trace.record("api", f"WebSocket message on {connection.id}: {len(data)} bytes, over 128 KB: "
                                     "closed with 1009", status=FAILED, root=True)
            self._closed(connection, 1009, "Message too big", by_client=False)
            return
        ids = self._ids()
        connection.last_active = ids.now
        try:
            parsed = json_text.loads(data)
        except json.JSONDecodeError:
            parsed = None  # not JSON: only `$default` can take it
        route = connection.api.route_for(parsed)
        title = f"WebSocket message {connection.api.logical_id} ({connection.id})"
        if route is None:
            self.trace.record("api", f"{title}: no route", status=FAILED, root=True)
            connection.deliver(_error("Forbidden", connection, ids))
            return
        activity = self.trace.record("api", f"{title} → {route.key}", root=True, route=route.key)
        refusal = self._invalid(route, parsed, data, activity)
        if refusal is not None:
            connection.deliver(_error(refusal, connection, ids))
            return
        event = message_event(connection, route.key, data.decode("utf-8", "replace"), ids, self._token())
        status = self._run(route, connection, event, data, activity, answer=connection.deliver if route.two_way
                           else None)
        if status is None:
            connection.deliver(_error("Internal server error", connection, ids))

    def close(self, connection: Connection, code: int = 1000, reason: str = "") -> None:
        """The client closes `connection`."""
        self._closed(connection, code, reason, by_client=True)

    # -- the @connections API (`apigatewaymanagementapi`, and Step Functions' `apigateway:invoke`) ----------

    def post(self, connection_id: str, data: bytes) -> None:
        """Send the client `data` (text when it is UTF-8); `Gone` when the connection is not open,
        `TooLarge` over 128 KB."""
        connection = self.established(connection_id)
        if len(data) > MAX_MESSAGE_BYTES:
            raise TooLarge(f"Message size {len(data)} bytes is over the limit of {MAX_MESSAGE_BYTES} bytes")
        try:
            connection.deliver(data.decode("utf-8"))
        except UnicodeDecodeError:
            connection.deliver(data)

    def delete(self, connection_id: str) -> None:
        """The API closes the connection (`DeleteConnection`): `$disconnect` runs."""
        self._closed(self.established(connection_id), 1000, "", by_client=False)

    def established(self, connection_id: str) -> Connection:
        """The open connection `connection_id`; `Gone` for one closed, unknown, or still in its `$connect`."""
        connection = self.connections.get(connection_id)
        if connection is None:
            raise Gone(f"connection {connection_id!r} is gone")
        return connection

    # -- running a route ---------------------------------------------------------------------------

    def _closed(self, connection: Connection, code: int, reason: str, *, by_client: bool) -> None:
        if not connection.open:
            return
        connection.open = False
        self.connections.remove(connection)
        if not by_client and connection.on_close is not None:
            connection.on_close(code, reason)
        route = connection.api.routes.get(DISCONNECT)
        activity = self.trace.record("api", f"WebSocket disconnect {connection.api.logical_id} ({connection.id}, "
                                            f"{code})", root=True, route=DISCONNECT)
        if route is not None:
            # A client that closed without a status code is 1005, which API Gateway words this way.
            said = reason or ("Client-side close frame status not set" if code == 1005 else "")
            self._run(route, connection, disconnect_event(connection, self._ids(), code=code, reason=said), b"",
                      activity)

    def _run(self, route: WebSocketRoute, connection: Connection, event: dict[str, Any], body: bytes,
             activity: Activity, *, answer: Callable[[Message], None] | None = None) -> int | None:
        """Run the route's integration with `event`: its status, or None when it failed (said in the trace
        and the log). `answer` is sent a two-way route's response."""
        title = activity.title
        try:
            with self.trace.within(activity), self.clock.hold():
                if route.function is not None:
                    invocation = self.runtime.call(route.function, event)
                    if invocation.error is not None:
                        raise _Failed(f"the function failed: {invocation.error.error_type}: "
                                      f"{invocation.error.message}")
                    status, text = _proxy_answer(invocation.result)
                else:
                    status, text = self._integration(route, connection, event, body)
        except (_Failed, StackError) as error:
            activity.status = FAILED
            activity.detail["error"] = str(error)
            LOG.error("%s: %s", title, error)
            return None
        if answer is not None and text is not None:
            answer(text)
        return status

    def _invalid(self, route: WebSocketRoute, parsed: Any, data: bytes, activity: Activity) -> str | None:
        """API Gateway's message to the client when the route's request validation refuses the message
        (the integration never runs): "Invalid request body", or "Internal server error" for a model that
        cannot be applied; None when it passes or the route validates nothing."""
        if route.model_selection is None:
            return None
        schema = route.model(parsed)
        try:
            reason = "no model is selected, and none is $default" if schema is None else invalid_body(schema, data)
        except InvalidModel as error:
            activity.status = FAILED
            activity.detail["error"] = str(error)
            return "Internal server error"
        if reason is None:
            return None
        activity.status = FAILED
        activity.detail["error"] = f"invalid request body ({reason})"
        return "Invalid request body"

    def _integration(self, route: WebSocketRoute, connection: Connection, event: dict[str, Any],
                     body: bytes) -> tuple[int, str | None]:
        from sluice.local.apigateway.integrations import IntegrationFailure  # noqa: PLC0415

        assert route.integration is not None and self.services is not None
        try:
            parsed = json_text.loads(body) if body else None
        except json.JSONDecodeError:
            parsed = None
        template = route.template(parsed)
        integration = replace(route.integration, request_templates=((_JSON, template),) if template else ())
        request = ApiRequest("POST", "/", "", (("Content-Type", _JSON),), body, connection.source_ip)
        try:
            response = self.services.answer(integration, request,
                                            {**event, "stageVariables": connection.api.stage_variables})
        except IntegrationFailure as error:
            raise _Failed(str(error)) from None
        if response.status >= 400:
            raise _Failed(f"the integration answered {response.status}: {response.text}")
        return response.status, response.body.decode("utf-8", "replace")

    def _authorized(self, route: WebSocketRoute, connection: Connection, ids: RequestIds,
                    activity: Activity) -> Connection:
        """`connection` with what `$connect`'s authorizer allowed; `ConnectionRefused` when it refuses."""
        authorizer = route.authorizer
        if authorizer is None:
            return connection
        handshake = ApiRequest("GET", "/", connection.query, connection.headers, b"", connection.source_ip)
        if missing_identity(authorizer, handshake):
            activity.status = FAILED
            activity.detail["error"] = f"{authorizer.name}: no identity in the request"
            raise ConnectionRefused(401, "Unauthorized")
        api = connection.api
        arn = f"arn:aws:execute-api:{self.region}:{self.account}:{api.api_id}/{api.stage}/$connect"
        with self.trace.within(activity), self.clock.hold():
            invocation = self.runtime.call(authorizer.function, authorizer_event(connection, ids, method_arn=arn))
        if invocation.error is not None:
            activity.status = FAILED
            activity.detail["error"] = f"{authorizer.name}: {invocation.error.error_type}: {invocation.error.message}"
            raise ConnectionRefused(401 if invocation.error.message == "Unauthorized" else 500,
                                    invocation.error.message)
        refusal, allowed = verdict(invocation.result, arn)
        if refusal is not None:
            activity.status = FAILED
            activity.detail["error"] = f"{authorizer.name} refused: {refusal.text}"
            raise ConnectionRefused(refusal.status, refusal.text)
        return replace(connection, authorizer=allowed)

    def _addressed(self, url: str, api: str | None) -> WebSocketApi:
        if not url:
            return self.api(api)
        parts = urlsplit(url)
        host = parts.hostname or ""
        if ".execute-api." not in host:
            raise StackError(f"{url!r} is not a WebSocket API's URL (wss://<api-id>.execute-api.<region>."
                             "amazonaws.com/<stage>)")
        chosen = self.api(host.split(".", 1)[0])
        if parts.path.strip("/") != chosen.stage:
            raise ConnectionRefused(403, f"{chosen.logical_id} has no stage {parts.path.strip('/')!r} (its stage: "
                                         f"{chosen.stage})")
        return chosen

    def _ids(self) -> RequestIds:
        return RequestIds(self._token(), self._token(), self.clock.now())

    def _token(self) -> str:
        """An id in API Gateway's form for connections and requests: eleven random bytes in base64
        (`L0SM9cOFvHcCIhw=`)."""
        return base64.b64encode(self._random.getrandbits(88).to_bytes(11, "big")).decode()


class _Failed(Exception):
    """A route's integration failed: the client is told, the trace says why."""


def _proxy_answer(result: Any) -> tuple[int, str | None]:
    """A Lambda proxy's answer: its `statusCode` (200 when it gives none; digits as text are read as API
    Gateway reads a REST proxy's) and the `body` a two-way route sends back (the whole answer as JSON
    when it is not a proxy response)."""
    if isinstance(result, dict) and ("statusCode" in result or "body" in result):
        given = result.get("statusCode", 200)
        if isinstance(given, bool) or not isinstance(given, int | str):
            raise _Failed(f"the function answered statusCode {given!r}, not a number")
        try:
            status = http_status(given)
        except MalformedResponse as error:
            raise _Failed(f"the function answered {error}") from None
        body = result.get("body")
        return status, None if body is None else body if isinstance(body, str) else json.dumps(body)
    return 200, None if result is None else result if isinstance(result, str) else json.dumps(result)


def _error(message: str, connection: Connection, ids: RequestIds) -> str:
    """API Gateway's own message to the client when a message cannot be routed or its integration fails."""
    return json.dumps({"message": message, "connectionId": connection.id, "requestId": ids.request_id})
