"""`sluice up`'s WebSocket APIs: a GET with `Upgrade: websocket` to the endpoint opens a connection to
one of the template's WebSocket APIs (`sluice.local.apigateway.websocket`), at LocalStack's URL forms:

- `ws://127.0.0.1:4566/<api-id>/<stage>` on any host (the banner gives it: `websocket_url`);
- `Host: <api-id>.execute-api.localhost.localstack.cloud:4566` with the path `/<stage>`.

The handshake's query string, headers and client address are `$connect`'s. An address that names no
WebSocket API of the template is refused with 404, a stage the API does not have with 403, and a
`$connect` that refuses the connection with the status it answered. Once open, each message the
client sends (fragments put back together; text as `str`, binary as `bytes`) takes its route, and
whatever the API sends the connection (a function's `PostToConnection`, a two-way route's answer, API
Gateway's own error messages) is written to the socket. `DeleteConnection` (or a message over 128 KB)
closes the socket with the API's close code; the client's close runs `$disconnect` with its code
(1005 when it gave none, 1006 when the socket just ended).

The protocol is websockets' Sans-I/O layer (`ServerProtocol`): `http.server` has read the handshake
already, and the socket is read and written here. The handler's thread reads the socket and hands the
client's messages and close to the world on the clock's loop, waiting until each is done (as
`EdgeServer.call` does); the clock's thread turns what the API sends into frames. Both drive one
protocol, under one lock; the frames are written by the session's outbox thread, so a client that stops
reading holds only its own connection (one that lets 16 MiB pile up is dropped), never the world.

Example:
    >>> # in `sluice up`'s request handler, once http.server has read a GET with `Upgrade: websocket`:
    >>> WebSocketSession(handler, stack.world.websockets, stack.clock.loop).serve()
    >>> websocket_url(api, "http://127.0.0.1:4566")
    'ws://127.0.0.1:4566/k3j9x0a2qz/Prod'
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import re
import socket
import threading
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from http import HTTPStatus
from typing import TYPE_CHECKING, TypeVar, cast
from urllib.parse import urlsplit

from websockets.datastructures import Headers
from websockets.exceptions import InvalidState, ProtocolError
from websockets.frames import Frame, Opcode
from websockets.http11 import Request, Response
from websockets.protocol import State
from websockets.server import ServerProtocol

from sluice.local.apigateway.edge import header_text
from sluice.local.apigateway.websocket.gateway import ConnectionRefused
from sluice.local.edge.messages import HttpRequest
from sluice.local.errors import StackError

if TYPE_CHECKING:
    from http.server import BaseHTTPRequestHandler

    from sluice.local.apigateway.websocket.connections import Connection, Message
    from sluice.local.apigateway.websocket.gateway import WebSocketGateway
    from sluice.local.apigateway.websocket.routes import WebSocketApi

LOG = logging.getLogger("sluice.up")
T = TypeVar("T")

#: How long a closing connection waits for the client's half of the closing handshake before the
#: socket is dropped (websockets' own clients and servers wait as long).
CLOSE_TIMEOUT = 10.0
#: The largest message the protocol reads: a bound on memory only. API Gateway's 128 KB limit is the
#: gateway's to enforce (it closes with 1009 and runs `$disconnect`), so messages above it must reach it.
MAX_READ_MESSAGE = 2**20
#: How much may wait unsent for a client that does not read before it is dropped.
MAX_UNSENT = 16 * 2**20
_READ_SIZE = 65536
_EXECUTE_API_HOST = re.compile(r"^(?P<api>[a-z0-9]+)\.execute-api\.", re.IGNORECASE)


def websocket_url(api: WebSocketApi, endpoint: str) -> str:
    """Where `sluice up` serves the API's stage: `ws://<host>:<port>/<api-id>/<stage>`."""
    return f"ws{endpoint.removeprefix('http')}/{api.api_id}/{api.stage}"


def addressed_api(gateway: WebSocketGateway, host: str, path: str) -> tuple[WebSocketApi, str]:
    """The API a handshake names and the stage it asks for: by its Host (`<api-id>.execute-api.…`, the
    path being `/<stage>`), else by its path (`/<api-id>/<stage>`); StackError when it names none."""
    named = _EXECUTE_API_HOST.match(host)
    if named is not None and (api := _api(gateway, named["api"])) is not None:
        return api, path.strip("/")
    reference, _, stage = path.strip("/").partition("/")
    api = _api(gateway, reference)
    if api is None:
        listing = ", ".join(f"{known.api_id}/{known.stage} ({known.logical_id})" for known in gateway.apis)
        raise StackError(f"no WebSocket API of the template is at {path!r} (WebSocket APIs: {listing})")
    return api, stage


def _api(gateway: WebSocketGateway, reference: str) -> WebSocketApi | None:
    if not reference:
        return None  # `gateway.api(None)` would be the template's only API
    try:
        return gateway.api(reference)
    except StackError:
        return None


class WebSocketSession:
    """One client's WebSocket connection through the endpoint, from its handshake to its close.

    `serve()` runs on the request handler's thread and returns once the connection is over; the
    handler must not read another request from the socket afterwards (`close_connection` is set)."""

    def __init__(self, handler: BaseHTTPRequestHandler, gateway: WebSocketGateway | None,
                 loop: asyncio.AbstractEventLoop) -> None:
        self.handler = handler
        self.gateway = gateway
        self.loop = loop
        self.protocol = ServerProtocol(max_size=MAX_READ_MESSAGE)
        self._socket = cast(socket.socket, handler.connection)
        # The handler's thread and the clock's both drive the protocol; what it has to send is written by
        # the outbox's own thread, so that a client that stops reading never holds the clock's.
        self._lock = threading.Lock()
        self._outbox = _Outbox(self._socket)
        # What the API sent before the handshake's answer went out, written right after it (a list
        # until then, None after).
        self._early: list[Callable[[], None]] | None = []
        self._ended = False
        self._abort_planned = False
        self._disconnected = False

    def serve(self) -> None:
        """Answer the handshake, then carry messages both ways until the connection is over."""
        # The socket is the WebSocket's from now on, or is closed after a refusal.
        self.handler.close_connection = True
        connection: Connection | None = None
        try:
            connection = self._open()
            if connection is not None:
                self._receive(connection)
        finally:
            with self._lock:
                self._ended = True
            if connection is not None:
                self._disconnect(connection)
            self._outbox.close()

    # -- the handler's thread ---------------------------------------------------------------------

    def _open(self) -> Connection | None:
        """Answer the handshake: the connection `$connect` accepted, or None when it was refused."""
        response, connection = self._answer()
        with self._lock:
            if response is not None:
                self.protocol.send_response(response)
            if connection is not None:
                early, self._early = self._early or [], None
                for write in early:
                    write()
            self._flush()
        return connection

    def _answer(self) -> tuple[Response | None, Connection | None]:
        """The handshake's answer, and the connection when it opens one (no answer: websockets could not
        read the request, and has queued its own)."""
        try:
            handshake = _handshake(self.handler)
            # http.server has read the handshake off the socket, but the protocol's parser expects to read
            # it first: handed the same bytes, it goes on to parse the frames that follow them.
            self.protocol.receive_data(_request(self.handler).serialize())
        except (ValueError, UnicodeError) as error:  # a target no WebSocket client sends (not ASCII, `http://[`)
            return self.protocol.reject(HTTPStatus.BAD_REQUEST, f"unreadable request: {error}\n"), None
        parsed = next(iter(self.protocol.events_received()), None)
        if not isinstance(parsed, Request):
            return None, None
        response = self.protocol.accept(parsed)
        if response.status_code != HTTPStatus.SWITCHING_PROTOCOLS:  # not a valid handshake (400, 426…)
            return response, None
        try:
            return response, self._on_loop(partial(self._connect, handshake, self.handler.client_address[0]))
        except ConnectionRefused as refused:
            return _refusal(self.protocol, refused.status, f"{refused}\n"), None
        except StackError as error:
            return self.protocol.reject(HTTPStatus.NOT_FOUND, f"{error}\n"), None
        except Exception as error:  # a sluice bug: answered and logged, and the world carries on
            LOG.exception("WebSocket handshake %s failed", self.handler.path)
            return self.protocol.reject(HTTPStatus.INTERNAL_SERVER_ERROR, f"{type(error).__name__}: {error}\n"), None

    def _receive(self, connection: Connection) -> None:
        """Read the client's frames until the connection is over, handing its messages to the API."""
        assembler = _Assembler()
        while True:
            data = self._read()
            with self._lock:
                if data:
                    self.protocol.receive_data(data)
                else:
                    self.protocol.receive_eof()
                frames = self.protocol.events_received()
                self._flush()  # pongs, the echo of a close, the end of the stream
            for frame in frames:
                if not isinstance(frame, Frame):
                    continue  # (only frames follow the handshake)
                try:
                    message = assembler.add(frame)
                except UnicodeDecodeError as error:
                    with self._lock:
                        self.protocol.fail(1007, f"invalid UTF-8 at position {error.start}")
                        self._flush()
                    break
                if message is not None:
                    self._deliver(connection, message)
            with self._lock:
                state = self.protocol.state
            if state is not State.OPEN:
                # The client's close (or the protocol's failure) runs `$disconnect` now, not once the
                # socket is done.
                self._disconnect(connection)
            if not data or state is State.CLOSED:
                return

    def _read(self) -> bytes:
        """The next bytes from the client; b"" at the end of its stream or once the socket failed."""
        try:
            # rfile, not the socket: frames the client sent right after its handshake may be in its buffer.
            return self.handler.rfile.read1(_READ_SIZE)
        except OSError:
            return b""

    def _deliver(self, connection: Connection, message: Message) -> None:
        try:
            self._on_loop(partial(connection.send, message))
        except StackError as error:  # the API closed the connection meanwhile (DeleteConnection)
            LOG.debug("WebSocket %s: a message after the close was dropped: %s", connection.id, error)
        except Exception:  # a sluice bug: logged, and the connection carries on
            LOG.exception("WebSocket %s: a message failed", connection.id)

    def _disconnect(self, connection: Connection) -> None:
        """Tell the API the client has gone, once (a no-op for it when it closed the connection itself)."""
        if self._disconnected:
            return
        self._disconnected = True
        with self._lock:
            code, reason = _close_status(self.protocol)
        try:
            self._on_loop(partial(connection.close, code, reason))
        except Exception:
            LOG.exception("WebSocket %s: its close failed", connection.id)

    def _connect(self, handshake: HttpRequest, source_ip: str) -> Connection:
        """Open the connection (the clock's thread): ConnectionRefused or StackError when refused."""
        if self.gateway is None:
            raise StackError("the template declares no WebSocket API (AWS::ApiGatewayV2::Api with ProtocolType: "
                             "WEBSOCKET)")
        api, stage = addressed_api(self.gateway, handshake.header("host"), handshake.path)
        # The URL the template's Outputs give: the gateway refuses a stage the API does not have (403).
        url = f"wss://{api.api_id}.execute-api.{self.gateway.region}.amazonaws.com/{stage}"
        return self.gateway.connect(url, headers=dict(header_text(handshake)), query=handshake.query,
                                    source_ip=source_ip, on_message=self._on_message,
                                    on_close=self._on_close)

    def _on_loop(self, work: Callable[[], T]) -> T:
        """`work` done on the clock's thread, which owns the world; this thread waits for it."""

        async def run() -> T:
            return work()

        return asyncio.run_coroutine_threadsafe(run(), self.loop).result()

    # -- the clock's thread: what the API sends ---------------------------------------------------

    def _on_message(self, message: Message) -> None:
        with self._lock:
            if self._early is not None:
                self._early.append(partial(self._write_message, message))
            else:
                self._write_message(message)

    def _on_close(self, code: int, reason: str) -> None:
        with self._lock:
            if self._early is not None:
                self._early.append(partial(self._write_close, code, reason))
            else:
                self._write_close(code, reason)

    def _abort(self) -> None:
        """The client has not finished the closing handshake in time: drop the socket, which ends the
        reading thread's wait."""
        with self._lock:
            if not self._ended:
                with contextlib.suppress(OSError):
                    self._socket.shutdown(socket.SHUT_RDWR)

    # -- either thread, the lock held -------------------------------------------------------------

    def _write_message(self, message: Message) -> None:
        try:
            if isinstance(message, str):
                self.protocol.send_text(message.encode())
            else:
                self.protocol.send_binary(message)
        except InvalidState:  # the connection is closing or closed: the client cannot be sent anything
            LOG.debug("WebSocket: a message to a closed connection was dropped")
            return
        self._flush()

    def _write_close(self, code: int, reason: str) -> None:
        try:
            self.protocol.send_close(code, reason)
        except (InvalidState, ProtocolError) as error:  # closing already, or a code no frame can carry
            LOG.debug("WebSocket: close %s not sent: %s", code, error)
            return
        self._flush()

    def _flush(self) -> None:
        """Queue what the protocol has to send for the outbox to write; an empty chunk is the end of its
        stream (the socket's write side is shut)."""
        for data in self.protocol.data_to_send():
            self._outbox.put(data)
        if self.protocol.close_expected() and not self._abort_planned:
            self._abort_planned = True
            self.loop.call_soon_threadsafe(self.loop.call_later, CLOSE_TIMEOUT, self._abort)


class _Outbox:
    """Writes what is queued for a client, in order, on a thread of its own: the clock's thread only
    queues, so a client that stops reading holds nothing but its own connection. A client that lets more
    than `MAX_UNSENT` bytes pile up is dropped (its `$disconnect` then runs with 1006), as a server does
    with a consumer too slow to keep up; a socket that is gone only loses what was for it."""

    def __init__(self, sock: socket.socket) -> None:
        self._socket = sock
        self._queue: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._unsent = 0
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._write, name="sluice-websocket-outbox", daemon=True)
        self._thread.start()

    def put(self, data: bytes) -> None:
        """Queue `data` (b"": shut the socket's write side once what precedes it is written)."""
        with self._lock:
            self._unsent += len(data)
            too_slow = self._unsent > MAX_UNSENT
        if too_slow:
            LOG.warning("WebSocket: the client has not read %d bytes: dropped", self._unsent)
            with contextlib.suppress(OSError):
                self._socket.shutdown(socket.SHUT_RDWR)
            return
        self._queue.put(data)

    def close(self) -> None:
        """Write what is queued (for at most `CLOSE_TIMEOUT` seconds), then stop."""
        self._queue.put(None)
        self._thread.join(timeout=CLOSE_TIMEOUT)

    def _write(self) -> None:
        while (data := self._queue.get()) is not None:
            try:
                if data:
                    self._socket.sendall(data)
                else:
                    self._socket.shutdown(socket.SHUT_WR)
            except OSError as error:
                LOG.debug("WebSocket: the client went away: %s", error)
            with self._lock:
                self._unsent -= len(data)


class _Assembler:
    """Puts fragmented messages back together (RFC 6455 5.4): a text or binary frame starts a message,
    continuation frames extend it, the frame with FIN ends it. Control frames between fragments are the
    protocol's (it answers pings); the protocol also refuses fragments out of order."""

    def __init__(self) -> None:
        self._text = False
        self._parts: list[bytes] = []

    def add(self, frame: Frame) -> Message | None:
        """The message `frame` completes, if any; UnicodeDecodeError for text that is not UTF-8."""
        if frame.opcode not in (Opcode.TEXT, Opcode.BINARY, Opcode.CONT):
            return None
        if frame.opcode is not Opcode.CONT:
            self._text, self._parts = frame.opcode is Opcode.TEXT, []
        self._parts.append(bytes(frame.data))
        if not frame.fin:
            return None
        data, self._parts = b"".join(self._parts), []
        return data.decode() if self._text else data


def _request(handler: BaseHTTPRequestHandler) -> Request:
    """The handshake http.server has read, as websockets' request."""
    return Request(handler.path, Headers(handler.headers.items()), handler.command, handler.request_version)


def _handshake(handler: BaseHTTPRequestHandler) -> HttpRequest:
    """The handshake as the endpoint's other requests are read: path and query of an origin-form or
    absolute-form target, the headers as sent."""
    if handler.path.startswith("/"):
        path, _, query = handler.path.partition("?")
    else:
        target = urlsplit(handler.path)  # ValueError for a malformed one
        path, query = target.path or "/", target.query
    return HttpRequest(handler.command, path, query, dict(handler.headers.items()), b"")


def _refusal(protocol: ServerProtocol, status: int, text: str) -> Response:
    """A handshake refused with `status`: a `$connect` answers any number, and only an error status
    refuses a handshake (anything else is 500, as a failure of the route)."""
    status = status if 300 <= status <= 599 else HTTPStatus.INTERNAL_SERVER_ERROR
    response = protocol.reject(HTTPStatus.INTERNAL_SERVER_ERROR, text)
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Refused"  # a status http.HTTPStatus has no name for
    return replace(response, status_code=status, reason_phrase=phrase)


def _close_status(protocol: ServerProtocol) -> tuple[int, str]:
    """What `$disconnect` is told: the client's close frame (1005 when it had no code), else the code
    the endpoint failed the connection with, else 1006 (the socket ended without a closing handshake)."""
    close = protocol.close_rcvd or protocol.close_sent
    return (close.code, close.reason) if close is not None else (1006, "")
