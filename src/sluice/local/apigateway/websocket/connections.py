"""A client's connection to a WebSocket API, and the stack's open connections by id.

A test holds the `Connection` `stack.websocket_connect(...)` returns: `send` is the client sending a
message, `close` the client closing, and `received` every message the client has been sent — a two-way
route's answer, API Gateway's own error messages, and what functions post with the
`apigatewaymanagementapi` API. `sluice up` passes `on_message`/`on_close` to write them to the socket.

Example:
    >>> connection = stack.websocket_connect(api="ChatApi")
    >>> connection.send({"action": "sendmessage", "message": "hi"})
    >>> stack.run_until_idle(); connection.received
    ['hi']
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from sluice import json_text

if TYPE_CHECKING:
    from sluice.local.apigateway.websocket.routes import WebSocketApi

Message = str | bytes
#: API Gateway's frame limit for a whole message (API Gateway docs: "Amazon API Gateway quotas":
#: WebSocket message payload size 128 KB); a larger one closes the connection with 1009.
MAX_MESSAGE_BYTES = 128 * 1024


class Peer(Protocol):
    """What carries out a client's sends and closes (the gateway)."""

    def send(self, connection: Connection, message: Message | Mapping[str, Any] | Sequence[Any]) -> None: ...

    def close(self, connection: Connection, code: int = 1000, reason: str = "") -> None: ...


@dataclass(eq=False)
class Connection:
    """One open (or closed) client connection."""

    id: str
    api: WebSocketApi
    domain_name: str
    connected_at: float
    peer: Peer
    headers: tuple[tuple[str, str], ...] = ()
    query: str = ""
    source_ip: str = "127.0.0.1"
    user_agent: str = ""
    #: What `$connect`'s authorizer allowed: `requestContext.authorizer` on every later event.
    authorizer: dict[str, Any] = field(default_factory=dict)
    #: Called with each message the client is sent (`sluice up` writes it to the socket).
    on_message: Callable[[Message], None] | None = None
    #: Called when the API closes the connection (`DeleteConnection`, a message too large).
    on_close: Callable[[int, str], None] | None = None
    received: list[Message] = field(default_factory=list)
    open: bool = True
    last_active: float = 0.0

    def send(self, message: Message | Mapping[str, Any] | Sequence[Any]) -> None:
        """Send a message as the client; a mapping or list is sent as JSON text."""
        self.peer.send(self, message)

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the connection as the client: `$disconnect` runs."""
        self.peer.close(self, code, reason)

    def deliver(self, message: Message) -> None:
        """The client is sent `message`."""
        self.received.append(message)
        if self.on_message is not None:
            self.on_message(message)

    def json(self) -> list[Any]:
        """Every message received, parsed as JSON where it is JSON."""
        parsed: list[Any] = []
        for message in self.received:
            try:
                parsed.append(json_text.loads(message))
            except json.JSONDecodeError:
                parsed.append(message)
        return parsed


class Connections:
    """The open connections, by id."""

    def __init__(self) -> None:
        self._open: dict[str, Connection] = {}

    def add(self, connection: Connection) -> None:
        self._open[connection.id] = connection

    def get(self, connection_id: str) -> Connection | None:
        return self._open.get(connection_id)

    def remove(self, connection: Connection) -> None:
        self._open.pop(connection.id, None)

    def __iter__(self) -> Iterator[Connection]:
        return iter(list(self._open.values()))

    def __len__(self) -> int:
        return len(self._open)
