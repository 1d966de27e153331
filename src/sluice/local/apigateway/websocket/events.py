"""The events a WebSocket API's Lambda proxy integrations receive, in the shapes API Gateway sends them
(API Gateway docs: "Set up WebSocket API integrations", the `$connect`/`$disconnect` examples of
"Working with routes for WebSocket APIs"; Powertools' `APIGatewayWebSocketEvent` reads the same
members):

- `CONNECT`: the handshake's `headers`/`multiValueHeaders` (`Connection`, `Upgrade`, `Sec-WebSocket-*`,
  `X-Amzn-Trace-Id`, API Gateway's `X-Forwarded-*`, as AWS's sample shows them, and the client's own),
  its query string when it has one, and the request context;
- `MESSAGE`: the message as `body`, with its `messageId`;
- `DISCONNECT`: API Gateway's few headers, and the close code and reason
  (`disconnectStatusCode`, `disconnectReason`).

Every request context names the route, the connection (`connectionId`, `connectedAt`), the stage, the
API and its `domainName`, which is what a function builds its `apigatewaymanagementapi` endpoint from
(`https://{domainName}/{stage}`).

Example:
    >>> message_event(connection, "sendmessage", '{"action": "sendmessage"}', ids)["requestContext"]["eventType"]
    'MESSAGE'
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

if TYPE_CHECKING:
    from sluice.local.apigateway.websocket.connections import Connection


@dataclass(frozen=True)
class RequestIds:
    """What API Gateway stamps on one request: its ids and when it arrived (epoch seconds)."""

    request_id: str
    extended_request_id: str
    now: float

    @property
    def trace_id(self) -> str:
        """An X-Ray trace header for the request (`Root=1-<epoch hex>-<24 hex>`)."""
        return f"Root=1-{int(self.now):08x}-{self.extended_request_id.encode().hex()[:24]:0<24}"

    @property
    def websocket_key(self) -> str:
        """A handshake's `Sec-WebSocket-Key`: 16 bytes in base64 (RFC 6455 4.1)."""
        return base64.b64encode(self.request_id.encode()[:16].ljust(16, b"=")).decode()


def connect_event(connection: Connection, ids: RequestIds) -> dict[str, Any]:
    # The client reached the API's own domain: whatever Host a local client sent (`sluice up`'s
    # 127.0.0.1:4566), the function sees the API's, as on AWS.
    sent = tuple((name, value) for name, value in connection.headers if name.lower() != "host")
    given = {name.lower() for name, _ in sent}
    # What a WebSocket handshake carries, as AWS's sample `$connect` input shows it, unless the client's
    # own handshake (`sluice up`) gave them.
    handshake = {"Connection": "upgrade", "content-length": "0", "Host": connection.domain_name,
                 "Sec-WebSocket-Extensions": "permessage-deflate; client_max_window_bits",
                 "Sec-WebSocket-Key": ids.websocket_key, "Sec-WebSocket-Version": "13", "Upgrade": "websocket",
                 "X-Amzn-Trace-Id": ids.trace_id, "X-Forwarded-For": connection.source_ip, "X-Forwarded-Port": "443",
                 "X-Forwarded-Proto": "https"}
    headers = {**{name: value for name, value in handshake.items() if name == "Host" or name.lower() not in given},
               **dict(sent)}
    event: dict[str, Any] = {"headers": headers, "multiValueHeaders": _multi(sent, headers)}
    query = parse_qsl(connection.query, keep_blank_values=True)
    if query:
        event["queryStringParameters"] = dict(query)
        event["multiValueQueryStringParameters"] = _multi(query, dict(query))
    return {**event, "requestContext": _context(connection, "$connect", "CONNECT", ids), "isBase64Encoded": False}


def message_event(connection: Connection, route_key: str, body: str, ids: RequestIds,
                  message_id: str) -> dict[str, Any]:
    return {"requestContext": {**_context(connection, route_key, "MESSAGE", ids), "messageId": message_id},
            "body": body, "isBase64Encoded": False}


def disconnect_event(connection: Connection, ids: RequestIds, *, code: int, reason: str) -> dict[str, Any]:
    headers = {"Host": connection.domain_name, "x-api-key": "", "X-Forwarded-For": "", "x-restapi": ""}
    context = {**_context(connection, "$disconnect", "DISCONNECT", ids), "disconnectStatusCode": code,
               "disconnectReason": reason}
    return {"headers": headers, "multiValueHeaders": {name: [value] for name, value in headers.items()},
            "requestContext": context, "isBase64Encoded": False}


def authorizer_event(connection: Connection, ids: RequestIds, *, method_arn: str) -> dict[str, Any]:
    """A `REQUEST` authorizer's event on `$connect`: the handshake, with `methodArn`
    (`arn:aws:execute-api:{region}:{account}:{api id}/{stage}/$connect`)."""
    connected = connect_event(connection, ids)
    return {"type": "REQUEST", "methodArn": method_arn, "headers": connected["headers"],
            "multiValueHeaders": connected["multiValueHeaders"],
            "queryStringParameters": connected.get("queryStringParameters", {}),
            "multiValueQueryStringParameters": connected.get("multiValueQueryStringParameters", {}),
            "stageVariables": dict(connection.api.stage_variables), "requestContext": connected["requestContext"]}


def _context(connection: Connection, route_key: str, event_type: str, ids: RequestIds) -> dict[str, Any]:
    context: dict[str, Any] = {
        "routeKey": route_key, "eventType": event_type, "extendedRequestId": ids.extended_request_id,
        "requestTime": datetime.fromtimestamp(ids.now, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "messageDirection": "IN", "stage": connection.api.stage, "connectedAt": int(connection.connected_at * 1000),
        "requestTimeEpoch": int(ids.now * 1000),
        "identity": {"userAgent": connection.user_agent, "sourceIp": connection.source_ip},
        "requestId": ids.request_id, "domainName": connection.domain_name, "connectionId": connection.id,
        "apiId": connection.api.api_id}
    if connection.authorizer:
        context["authorizer"] = dict(connection.authorizer)
    return context


def _multi(pairs: Any, single: dict[str, str]) -> dict[str, list[str]]:
    """Every value of each name, in order (the single-valued map keeps the last)."""
    multi: dict[str, list[str]] = {name: [] for name in single}
    for name, value in pairs:
        multi.setdefault(name, []).append(value)
    return {name: values or [single[name]] for name, values in multi.items()}
