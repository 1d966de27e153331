"""`ApiInvoker`: Step Functions' `apigateway:invoke` answered by the template's own APIs, as the task
would reach them on AWS (`sluice.asl.integrations.apigateway`):

- a REST or HTTP API of the template, by the id in `ApiEndpoint`: the request runs its route on its
  `Stage` (authorizers, validators and integrations included);
- a WebSocket API's `@connections/<connection id>` (the way public workflows answer a client
  asynchronously): `POST` sends the client the body, `GET` describes the connection, `DELETE` closes it;
  a connection that is gone is 410, as API Gateway answers.

An API id that is not the template's is API Gateway's 403 `{"message": "Forbidden"}`, and is logged.

Example:
    >>> ServiceIntegrations(clients, apis=ApiInvoker(rest_and_http, websockets))
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from sluice.asl.integrations.apigateway import InvokeAnswer, InvokeRequest
from sluice.local.apigateway.events import ApiRequest

if TYPE_CHECKING:
    from sluice.local.apigateway.gateway import ApiGateway
    from sluice.local.apigateway.websocket.gateway import WebSocketGateway

LOG = logging.getLogger("sluice.apigateway")
_CONNECTIONS = "@connections/"
_JSON = {"Content-Type": "application/json"}


class ApiInvoker:
    def __init__(self, apis: ApiGateway | None, websockets: WebSocketGateway | None) -> None:
        self.apis = apis
        self.websockets = websockets

    def __call__(self, request: InvokeRequest) -> InvokeAnswer:
        api_id = request.endpoint.split(".", 1)[0]
        if self.websockets is not None and any(api.api_id == api_id for api in self.websockets.apis):
            return self._connections(request)
        if self.apis is not None and any(api.api_id == api_id for api in self.apis.apis):
            api = self.apis.api(api_id)
            call = ApiRequest(request.method, "/", urlencode(request.query), request.headers, request.body)
            response = self.apis.on_stage(api, request.method, f"/{request.stage}/{request.path}", call)
            return InvokeAnswer(response.status, dict(response.headers), response.body)
        LOG.warning("apigateway:invoke: %s is not an API of the template", request.endpoint)
        return InvokeAnswer(403, _JSON, b'{"message":"Forbidden"}')

    def _connections(self, request: InvokeRequest) -> InvokeAnswer:
        from sluice.local.apigateway.websocket.gateway import Gone, TooLarge  # noqa: PLC0415
        from sluice.local.apigateway.websocket.management import connection_info  # noqa: PLC0415

        assert self.websockets is not None
        connection_id = request.path.removeprefix(_CONNECTIONS)
        if not request.path.startswith(_CONNECTIONS) or "/" in connection_id:
            return InvokeAnswer(403, _JSON, b'{"message":"Forbidden"}')
        try:
            if request.method == "POST":
                self.websockets.post(connection_id, request.body)
                return InvokeAnswer(200, _JSON, b"")
            if request.method == "GET":
                info = connection_info(self.websockets.established(connection_id))
                return InvokeAnswer(200, _JSON, json.dumps({
                    "connectedAt": info["ConnectedAt"].isoformat(), "lastActiveAt": info["LastActiveAt"].isoformat(),
                    "identity": {"sourceIp": info["Identity"]["SourceIp"],
                                 "userAgent": info["Identity"]["UserAgent"]}}).encode())
            if request.method == "DELETE":
                self.websockets.delete(connection_id)
                return InvokeAnswer(204, _JSON, b"")
        except Gone:
            return InvokeAnswer(410, _JSON, b"")
        except TooLarge as error:
            return InvokeAnswer(413, _JSON, json.dumps({"message": str(error)}).encode())
        return InvokeAnswer(403, _JSON, b'{"message":"Forbidden"}')
