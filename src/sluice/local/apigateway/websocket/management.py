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

from sluice.local.apigateway.websocket.gateway import Gone, TooLarge
from sluice.local.faults.errors import AwsError
from sluice.local.hooks import Answer, ApiCall, answer

if TYPE_CHECKING:
    from sluice.local.apigateway.websocket.connections import Connection
    from sluice.local.apigateway.websocket.gateway import WebSocketGateway

SERVICE = "apigatewaymanagementapi"


class ManagementApi:
    def __init__(self, gateway: WebSocketGateway) -> None:
        self.gateway = gateway

    def intercept(self, call: ApiCall) -> Answer | None:
        connection_id = str(call.params.get("ConnectionId", ""))
        try:
            if call.operation == "PostToConnection":
                data = call.params.get("Data", b"")
                self.gateway.post(connection_id, data.encode() if isinstance(data, str) else bytes(data))
                return answer(SERVICE, {})
            if call.operation == "GetConnection":
                return answer(SERVICE, connection_info(self.gateway.established(connection_id)))
            if call.operation == "DeleteConnection":
                self.gateway.delete(connection_id)
                return answer(SERVICE, {}, status=204)
        except Gone:
            return AwsError(SERVICE, "GoneException", 410, "").response()
        except TooLarge as error:
            return AwsError(SERVICE, "PayloadTooLargeException", 413, str(error)).response()
        return None


def connection_info(connection: Connection) -> dict[str, Any]:
    """`GetConnection`'s answer."""
    return {"ConnectedAt": datetime.fromtimestamp(connection.connected_at, UTC),
            "LastActiveAt": datetime.fromtimestamp(connection.last_active, UTC),
            "Identity": {"SourceIp": connection.source_ip, "UserAgent": connection.user_agent}}
