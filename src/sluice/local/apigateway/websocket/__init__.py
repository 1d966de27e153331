"""WebSocket APIs (`AWS::ApiGatewayV2::Api` with `ProtocolType: WEBSOCKET`), served in-process and by
`sluice up`:

- `routes` — the APIs, routes, integrations, stages and `$connect` authorizers read from the template;
- `events` — what a route's Lambda proxy integration receives (`CONNECT`, `MESSAGE`, `DISCONNECT`);
- `connections` — a client's connection, and the open ones by id;
- `gateway` — connecting, sending and closing, as API Gateway routes them;
- `management` — the `apigatewaymanagementapi` API functions answer clients with.

Example:
    >>> connection = stack.websocket_connect(api="ChatApi")
    >>> connection.send({"action": "sendmessage", "message": "hi"})
"""
