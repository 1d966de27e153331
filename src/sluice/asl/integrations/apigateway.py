"""`arn:aws:states:::apigateway:invoke`: a Task that calls an API Gateway endpoint (Step Functions docs:
"Call API Gateway with Step Functions"; LocalStack's `StateTaskServiceApiGateway` reads the same way).

Parameters: `ApiEndpoint` (`<api-id>.execute-api.<region>.amazonaws.com`) and `Method` are required;
`Stage`, `Path`, `Headers` and `QueryParameters` (each value a list of strings), `RequestBody` (an object
sent as JSON, or text), `AllowNullValues` and `AuthType` (`NO_AUTH`, `IAM_ROLE`, `RESOURCE_POLICY`) are
optional. The result is `{"Headers": {name: [value]}, "ResponseBody": <JSON, or text>, "StatusCode",
"StatusText"}`; an answer of 400 or more fails the task with `ApiGateway.<status>`, its body the cause.

Who answers is given to the engine (`ServiceIntegrations(apis=...)`): the local stack answers for the
template's APIs, WebSocket APIs' `@connections` included. Without one, the task fails saying so.

Example:
    >>> invoke(caller, {"ApiEndpoint": "abc123.execute-api.us-east-1.amazonaws.com", "Method": "GET",
    ...                 "Stage": "prod", "Path": "/orders/7"})["StatusCode"]
    200
"""

from __future__ import annotations

import http
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sluice import json_text
from sluice.asl.errors import ErrorName, StatesError

METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")
AUTH_TYPES = ("NO_AUTH", "IAM_ROLE", "RESOURCE_POLICY")
_PARAMETERS = frozenset({"ApiEndpoint", "Method", "Headers", "Stage", "Path", "QueryParameters", "RequestBody",
                         "AllowNullValues", "AuthType"})


@dataclass(frozen=True)
class InvokeRequest:
    """The HTTP request the task sends."""

    endpoint: str
    method: str
    stage: str
    path: str
    query: tuple[tuple[str, str], ...]
    headers: tuple[tuple[str, str], ...]
    body: bytes


@dataclass(frozen=True)
class InvokeAnswer:
    status: int
    headers: dict[str, str]
    body: bytes


ApiCaller = Callable[[InvokeRequest], InvokeAnswer]


def invoke(caller: ApiCaller | None, parameters: Any) -> dict[str, Any]:
    """Call the endpoint `parameters` name with `caller`; the task's result, or `StatesError`."""
    request = _request(parameters)
    if caller is None:
        raise StatesError(ErrorName.RUNTIME, f"apigateway:invoke: no API answers {request.endpoint} here (run the "
                                             "workflow on the local stack of the template declaring the API)")
    answer = caller(request)
    text = answer.body.decode("utf-8", "replace")
    if answer.status >= 400:
        raise StatesError(f"ApiGateway.{answer.status}", text)
    try:
        body: Any = json_text.loads(text) if text else {}
    except json.JSONDecodeError:
        body = text
    return {"Headers": {name: [value] for name, value in answer.headers.items()}, "ResponseBody": body,
            "StatusCode": answer.status, "StatusText": _phrase(answer.status)}


def _request(parameters: Any) -> InvokeRequest:
    if not isinstance(parameters, dict):
        raise StatesError(ErrorName.RUNTIME, "The parameters of apigateway:invoke must be an object")
    unknown = sorted(set(parameters) - _PARAMETERS)
    if unknown:
        raise StatesError(ErrorName.RUNTIME, f"apigateway:invoke does not take {', '.join(unknown)}")
    endpoint, method = parameters.get("ApiEndpoint"), str(parameters.get("Method", "")).upper()
    if not isinstance(endpoint, str) or not endpoint:
        raise StatesError(ErrorName.RUNTIME, "apigateway:invoke needs an ApiEndpoint (<api-id>.execute-api."
                                             "<region>.amazonaws.com)")
    if method not in METHODS:
        raise StatesError(ErrorName.RUNTIME, f"apigateway:invoke's Method must be one of {', '.join(METHODS)}")
    auth = parameters.get("AuthType", "NO_AUTH")
    if auth not in AUTH_TYPES:
        raise StatesError(ErrorName.RUNTIME, f"apigateway:invoke's AuthType must be one of {', '.join(AUTH_TYPES)}")
    headers = [(name, ",".join(values)) for name, values in _lists("Headers", parameters.get("Headers")).items()]
    query = [(name, value) for name, values in _lists("QueryParameters", parameters.get("QueryParameters")).items()
             for value in values]
    body = parameters.get("RequestBody")
    data = b"" if body is None else body.encode() if isinstance(body, str) else json.dumps(body).encode()
    if body is not None and not any(name.lower() == "content-type" for name, _ in headers):
        headers.append(("Content-Type", "application/json"))
    return InvokeRequest(endpoint.removeprefix("https://").split("/", 1)[0], method,
                         str(parameters.get("Stage") or ""), str(parameters.get("Path") or "").lstrip("/"),
                         tuple(query), (*headers, ("Accept", "application/json")), data)


def _lists(name: str, value: Any) -> dict[str, list[str]]:
    """`Headers`/`QueryParameters`: each value a list of strings (a single string is taken as one)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise StatesError(ErrorName.RUNTIME, f"apigateway:invoke's {name} must be an object of string lists")
    return {str(key): [str(item) for item in (items if isinstance(items, list) else [items])]
            for key, items in value.items()}


def _phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""
