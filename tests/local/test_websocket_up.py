"""`sluice up` serves the template's WebSocket APIs: a real WebSocket client (`websockets.sync.client`)
connects to the URL the banner gives (`ws://127.0.0.1:<port>/<api-id>/<stage>`, or LocalStack's
`<api-id>.execute-api.localhost.localstack.cloud` Host), its messages take their routes, and it
receives what the functions post with `apigatewaymanagementapi`, as on AWS.

A real `sluice up` process serves `test_websocket_api`'s chat application (raw `AWS::ApiGatewayV2::*`
resources, Lambda proxy integrations, connections kept in DynamoDB by `$connect` and `$disconnect`).
The module's tests share it: each names its own clients (`?name=`), and reads the connections table
through the endpoint."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from tests.local.test_cli_up import Up, start_up, stop, wait_for
from tests.local.test_websocket_api import HANDLERS, chat_template
from tests.test_http_endpoint import raw_exchange

# One `sluice up` process serves the module (its fixture): its tests share one xdist worker.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("sluice-up-websocket")]

STAGE = "production"  # the chat API's stage
TIMEOUT = 10  # seconds any one socket operation may take


@pytest.fixture(scope="module")
def up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Up]:
    project = tmp_path_factory.mktemp("websocket-up")
    (project / "src").mkdir()
    (project / "src" / "chat.py").write_text(HANDLERS, encoding="utf-8")
    (project / "template.yaml").write_text(chat_template(), encoding="utf-8")
    running = start_up("--template", str(project / "template.yaml"), "--no-config")
    yield running
    code, err = stop(running, signal.SIGTERM)
    assert code == 0, err


def client(url: str, *, sock: socket.socket | None = None) -> ClientConnection:
    # proxy=None: a proxy named in the environment must not carry a connection to 127.0.0.1.
    return connect(url, sock=sock, open_timeout=TIMEOUT, close_timeout=TIMEOUT, proxy=None)


def joined(up: Up, name: str) -> ClientConnection:
    return client(f"{up.resources['ChatApi']}?name={name}")


def api_id(up: Up) -> str:
    return urlsplit(up.resources["ChatApi"]).path.split("/")[1]


def answer(connection: ClientConnection) -> Any:
    return json.loads(connection.recv(timeout=TIMEOUT))


def items(up: Up) -> list[dict[str, Any]]:
    """The connections table, read through the endpoint, as plain values."""
    scanned = up.client("dynamodb").scan(TableName=up.resources["Connections"])["Items"]
    return [{name: next(iter(value.values())) for name, value in item.items()} for item in scanned]


def connection_id(up: Up, name: str) -> str:
    """The id `$connect` stored for the client named `name` (the chat stores `<name>/<what posting to
    the connection during $connect raised>`)."""
    [found] = [item["id"] for item in items(up) if item.get("name", "").split("/")[0] == name]
    return str(found)


def disconnected(up: Up, connection: str) -> dict[str, Any]:
    """The record `$disconnect` left for `connection`, once it has run."""
    found = wait_for(lambda: next((item for item in items(up) if item["id"] == f"closed#{connection}"), None),
                     "$disconnect to run", seconds=TIMEOUT)
    return dict(found)


def open_connections(up: Up) -> list[str]:
    return [open_["connection_id"] for open_ in up.state()["websocket_connections"]]


def test_the_banner_gives_the_websocket_url(up: Up) -> None:
    assert up.resources["ChatApi"] == f"ws{up.url.removeprefix('http')}/{api_id(up)}/{STAGE}"


def test_a_message_reaches_its_route_and_every_client_receives_what_the_function_posted(up: Up) -> None:
    with joined(up, "ada") as ada, joined(up, "bob") as bob:
        ada.send(json.dumps({"action": "sendmessage", "data": "hello, Ünïcode"}))
        assert ada.recv(timeout=TIMEOUT) == bob.recv(timeout=TIMEOUT) == "hello, Ünïcode"
        # $connect had the query string and the handshake's headers.
        [stored] = [item for item in items(up) if item["id"] == connection_id(up, "ada")]
        assert stored["agent"].startswith("Python/") and "websockets/" in stored["agent"]


def test_a_two_way_route_answers_and_utf8_text_and_fragments_round_trip(up: Up) -> None:
    with joined(up, "echo") as connection:
        message = json.dumps({"action": "echo", "data": "héllo 中文 🎉"}, ensure_ascii=False)
        connection.send(message)
        assert answer(connection) == {"route": "echo", "body": message, "authorizer": None}
        # A message sent in fragments (continuation frames) reaches the route whole.
        connection.send(iter(['{"action": "echo", ', '"data": "in ', 'pieces ✂"}']))
        assert answer(connection)["body"] == '{"action": "echo", "data": "in pieces ✂"}'
        # Pings are answered while the connection is open.
        assert connection.ping().wait(TIMEOUT)


def test_a_message_no_route_selects_takes_default_and_a_failure_is_api_gateways_message(up: Up) -> None:
    with joined(up, "default") as connection:
        connection.send("not json, ünïcode")
        assert answer(connection)["route"] == "$default"
        connection.send(json.dumps({"action": "fail"}))
        assert answer(connection)["message"] == "Internal server error"


def test_a_refused_connect_fails_the_handshake_with_its_status(up: Up) -> None:
    with pytest.raises(InvalidStatus) as refused:
        joined(up, "mallory")
    assert refused.value.response.status_code == 403


def test_an_unknown_api_or_stage_is_refused(up: Up) -> None:
    with pytest.raises(InvalidStatus) as unknown:
        client(f"ws{up.url.removeprefix('http')}/nosuchapi/{STAGE}")
    assert unknown.value.response.status_code == 404
    with pytest.raises(InvalidStatus) as wrong_stage:
        client(f"ws{up.url.removeprefix('http')}/{api_id(up)}/Dev")
    assert wrong_stage.value.response.status_code == 403


def test_localstacks_host_form_reaches_the_api(up: Up) -> None:
    port = urlsplit(up.url).port
    assert port is not None
    host = f"{api_id(up)}.execute-api.localhost.localstack.cloud:{port}"
    # The client names the API's host, and is carried to the endpoint's address.
    with client(f"ws://{host}/{STAGE}", sock=socket.create_connection(("127.0.0.1", port))) as connection:
        connection.send(json.dumps({"action": "echo"}))
        assert answer(connection)["route"] == "echo"


def drop(connection: ClientConnection) -> None:
    """End the socket without a closing handshake, as a client that crashed or lost its network."""
    connection.socket.shutdown(socket.SHUT_RDWR)


@pytest.mark.parametrize(("leave", "code"), [
    (lambda connection: connection.close(code=4000, reason="done for today"), 4000),
    (drop, 1006),
], ids=["close-with-a-code", "socket-dropped"])
def test_closing_the_client_runs_disconnect_with_its_code(up: Up, leave: Callable[[ClientConnection], None],
                                                         code: int) -> None:
    with joined(up, "cy") as connection:
        connected = connection_id(up, "cy")
        assert connected in open_connections(up)
        leave(connection)
    assert disconnected(up, connected)["code"] == str(code)
    assert connected not in open_connections(up)


def test_a_close_frame_without_a_code_is_1005_even_sent_with_the_handshake(up: Up) -> None:
    # Raw bytes: websockets' client never sends a close frame without a code. Sent in one write with the
    # handshake, the frame waits in http.server's read buffer, and must still be read.
    handshake = (f"GET /{api_id(up)}/{STAGE}?name=quiet HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                 "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                 "\r\n").encode()
    empty_close = b"\x88\x80" + b"\x00\x00\x00\x00"  # FIN + close, masked, no payload
    reply = raw_exchange(up.url, handshake + empty_close)
    assert reply.startswith(b"HTTP/1.1 101 ") and reply.endswith(b"\r\n\r\n\x88\x00")  # the close, echoed

    def closed_without_a_code() -> list[dict[str, Any]]:
        return [item for item in items(up) if item["id"].startswith("closed#") and item["code"] == "1005"]

    [closed] = wait_for(closed_without_a_code, "$disconnect to run", seconds=TIMEOUT)
    assert closed["id"].removeprefix("closed#") not in open_connections(up)


def test_delete_connection_from_a_function_closes_the_clients_socket(up: Up) -> None:
    with joined(up, "dee") as connection:
        connected = connection_id(up, "dee")
        connection.send(json.dumps({"action": "whoami", "leave": True}))
        assert answer(connection)["sourceIp"] == "127.0.0.1"  # posted before it deleted the connection
        with pytest.raises(ConnectionClosed) as closed:
            connection.recv(timeout=TIMEOUT)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1000
    assert disconnected(up, connected)["code"] == "1000"


def test_a_message_over_128_kb_closes_the_connection_with_1009(up: Up) -> None:
    with joined(up, "eve") as connection:
        connected = connection_id(up, "eve")
        connection.send("x" * (128 * 1024 + 1))
        with pytest.raises(ConnectionClosed) as closed:
            connection.recv(timeout=TIMEOUT)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
    assert disconnected(up, connected)["code"] == "1009"


def test_sluice_state_lists_the_open_connections(up: Up) -> None:
    with joined(up, "fay"):
        connected = connection_id(up, "fay")
        shown = subprocess.run([sys.executable, "-m", "sluice.cli", "state", "--endpoint", up.url],
                               capture_output=True, text=True, timeout=60, check=True,
                               env={**os.environ, "COLUMNS": "200"}).stdout
    assert "WebSocket connections" in shown and connected in shown


def test_a_client_that_stops_reading_holds_only_its_own_connection(up: Up) -> None:
    """What the API sends a client is written off the clock's thread: a client that reads nothing while a
    function posts it 30 MB is dropped (its `$disconnect` runs, 1006), and the others are served meanwhile."""
    with joined(up, "sloth") as sloth, joined(up, "swift") as swift:
        stalled = connection_id(up, "sloth")
        sloth.send(json.dumps({"action": "flood", "count": 300}))
        swift.send(json.dumps({"action": "echo", "n": 1}))
        assert answer(swift)["route"] == "echo"
        assert disconnected(up, stalled)["code"] == "1006"
