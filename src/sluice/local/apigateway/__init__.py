"""API Gateway in front of the template's functions and services: `Api` (REST, payload 1.0) and
`HttpApi` (payload 2.0 by default) events, OpenAPI definitions and CloudFormation's API resources, with
Lambda proxy, AWS service, mock and HTTP integrations.

- `resources` — the APIs' ids (`!Ref ServerlessRestApi`), and SAM's implicit APIs;
- `routes` — the routes read from the template (`definition` for OpenAPI bodies);
- `matching` — which route a request takes, as API Gateway chooses it;
- `events` — the proxy events (payload 1.0 and 2.0) a handler receives;
- `responses` — the handler's answer (or failure) as the client's HTTP response; `cors` the preflight;
- `authorizers` — Lambda authorizers; `validation` — request validators;
- `integrations` — the AWS, MOCK, HTTP and subtype integrations read from the template; `mapping` —
  parameter mapping; `vtl` — mapping templates; `service_calls`, `http_calls` and `endpoints` — running
  them (ADR 0014);
- `gateway` — the in-process entry point (`stack.api_request`); `edge` — the URL forms of `sluice up`.

Example:
    >>> response = stack.api_request("GET", "/hello")
    >>> response.status, response.json()
    (200, {'message': 'hello world'})
"""
