"""The `apigatewaymanagementapi` API over the open WebSocket connections, answered in-process through
the botocore hooks (a function's client is made with `endpoint_url=https://{domainName}/{stage}`;
API Gateway docs: "Use @connections commands in your backend service"):

- `PostToConnection`: the client is sent `Data` (text when it is UTF-8, else bytes); over 128 KB is
  `PayloadTooLargeException` (413);
- `GetConnection`: `ConnectedAt`, `LastActiveAt` and `Identity` (`SourceIp`, `UserAgent`);
- `DeleteConnection`: the API closes the connection, and `$disconnect` runs.

A connection that is closed, unknown, or still in its `$connect` (not yet established) is
`GoneException` (410) with an empty message, as API Gateway answers it (AWS re:Post: "410 GoneException
error when posting to a WebSocket API").

Example:
    >>> boto3.client("apigatewaymanagementapi", endpoint_url=url).post_to_connection(
    ...     ConnectionId=connection.id, Data=b"hello")
    >>> connection.received
    ['hello']
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sluice.local.apigateway.websocket.connections import MAX_MESSAGE_BYTES, Connection
from sluice.local.faults.errors import AwsError
from sluice.local.hooks import Answer, ApiCall, answer

if TYPE_CHECKING:
    from sluice.local.apigateway.websocket.gateway import WebSocketGateway

SERVICE = "apigatewaymanagementapi"


class ManagementApi:
    def __init__(self, gateway: WebSocketGateway) -> None:
        self.gateway = gateway

    def intercept(self, call: ApiCall) -> Answer | None:
        operation = {"PostToConnection": self._post, "GetConnection": self._get,
                     "DeleteConnection": self._delete}.get(call.operation)
        if operation is None:
            return None
        connection = self.gateway.connections.get(str(call.params.get("ConnectionId", "")))
        if connection is None:
            return AwsError(SERVICE, "GoneException", 410, "").response()
        return operation(connection, call.params)

    def _post(self, connection: Connection, params: dict[str, Any]) -> Answer:
        data = params.get("Data", b"")
        data = data.encode() if isinstance(data, str) else bytes(data)
        if len(data) > MAX_MESSAGE_BYTES:
            return AwsError(SERVICE, "PayloadTooLargeException", 413,
                            f"Message size {len(data)} bytes exceeds the limit of {MAX_MESSAGE_BYTES} bytes"
                            ).response()
        try:
            connection.deliver(data.decode("utf-8"))
        except UnicodeDecodeError:
            connection.deliver(data)
        return answer(SERVICE, {})

    def _get(self, connection: Connection, params: dict[str, Any]) -> Answer:
        return answer(SERVICE, {
            "ConnectedAt": datetime.fromtimestamp(connection.connected_at, UTC),
            "LastActiveAt": datetime.fromtimestamp(connection.last_active, UTC),
            "Identity": {"SourceIp": connection.source_ip, "UserAgent": connection.user_agent}})

    def _delete(self, connection: Connection, params: dict[str, Any]) -> Answer:
        self.gateway.delete(connection)
        return answer(SERVICE, {}, status=204)
