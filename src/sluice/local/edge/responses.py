"""Answers the local world gave as parsed values (`Invoke` run in-process, SQS message operations,
Step Functions, injected faults) → the HTTP response AWS would have sent.

Success answers are serialised from the operation's output shape for the JSON and REST-JSON
protocols (every service whose calls sluice answers itself speaks one of them): members with
`location: header` become headers, `statusCode` the status, a `payload` member the body, the rest
a JSON object (blobs base64, timestamps epoch seconds, as botocore's serializers write them).
Errors are written in each protocol's error format, which botocore's parsers read back into the
same `Error.Code` — JSON `__type` (plus `x-amzn-query-error` for query-compatible services: SQS),
REST-JSON `x-amzn-errortype`, S3's `<Error>` and the query protocol's `<ErrorResponse>`.

Example:
    >>> answer = serialise(operation, 200, {"StatusCode": 200, "Payload": StreamingBody(...)})
    >>> answer.status, answer.body
    (200, b'{"ok": true}')
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from sluice.local.edge.messages import EdgeError, HttpAnswer

if TYPE_CHECKING:
    from botocore.model import OperationModel, ServiceModel, Shape


def serialise(operation: OperationModel, status: int, parsed: dict[str, Any]) -> HttpAnswer:
    """The HTTP answer carrying `parsed` (an error when it holds `Error`)."""
    if "Error" in parsed or status >= 300:
        error = parsed.get("Error") or {}
        return error_answer(operation.service_model, str(error.get("Code", "InternalFailure")),
                            str(error.get("Message", "")), status=status if status >= 300 else 500,
                            query_code=error.get("QueryErrorCode"), sender=error.get("Type", "Sender") == "Sender")
    protocol = operation.metadata["protocol"]
    shape = operation.output_shape
    values = {key: value for key, value in parsed.items() if key != "ResponseMetadata"}
    if protocol == "json":
        body = json.dumps(_json(shape, values) if shape is not None else {}).encode()
        return HttpAnswer(status, {"Content-Type": f"application/x-amz-json-{operation.metadata['jsonVersion']}"},
                          body)
    if protocol == "rest-json":
        return _rest_json(operation, values)
    raise EdgeError("InternalFailure", f"sluice cannot write a {protocol} answer to {operation.name} "
                                       "given in-process", status=500)


def error_answer(service: ServiceModel | None, code: str, message: str, *, status: int = 400,
                 query_code: str | None = None, sender: bool = True) -> HttpAnswer:
    """`code` and `message` in the service's error format (what botocore reads as `Error.Code`);
    JSON when the service is not known."""
    request_id = str(uuid.uuid4())
    headers = {"x-amzn-RequestId": request_id}
    fault = "Sender" if sender else "Receiver"
    if service is None:
        headers |= {"Content-Type": "application/json", "x-amzn-errortype": code}
        return HttpAnswer(status, headers, json.dumps({"__type": code, "message": message}).encode())
    if service.protocol in ("json", "rest-json"):
        headers["Content-Type"] = f"application/x-amz-json-{service.metadata.get('jsonVersion', '1.0')}" \
            if service.protocol == "json" else "application/json"
        headers["x-amzn-errortype"] = query_code or code
        if "awsQueryCompatible" in service.metadata:
            headers["x-amzn-query-error"] = f"{code};{fault}"
        body = json.dumps({"__type": query_code or code, "message": message}).encode()
        return HttpAnswer(status, headers, body)
    headers["Content-Type"] = "text/xml"
    detail = f"<Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
    if service.protocol == "rest-xml":
        text = f'<?xml version="1.0" encoding="UTF-8"?>\n<Error>{detail}<RequestId>{request_id}</RequestId></Error>'
    else:
        text = (f'<ErrorResponse xmlns="http://{service.endpoint_prefix}.amazonaws.com/doc/'
                f'{service.api_version}/"><Error><Type>{fault}</Type>{detail}</Error>'
                f"<RequestId>{request_id}</RequestId></ErrorResponse>")
    return HttpAnswer(status, headers, text.encode())


def _rest_json(operation: OperationModel, values: dict[str, Any]) -> HttpAnswer:
    shape = operation.output_shape
    status = int(operation.http.get("responseCode", 200))
    headers: dict[str, str] = {"Content-Type": "application/json"}
    body_members: dict[str, Any] = {}
    payload = shape.serialization.get("payload") if shape is not None else None
    members = shape.members if shape is not None else {}
    for name, value in values.items():
        member = members.get(name)
        location = member.serialization.get("location") if member is not None else None
        if member is None:
            continue
        if location == "statusCode":
            status = int(value)
        elif location == "header":
            headers[member.serialization.get("name", name)] = _header(member, value)
        elif location == "headers":
            prefix = member.serialization.get("name", "")
            headers.update({f"{prefix}{key}": str(item) for key, item in value.items()})
        elif name != payload:
            body_members[name] = value
    if payload is not None and payload in values:
        member = members[payload]
        if member.type_name in ("blob", "string"):
            data = values[payload]
            body = _bytes(data)
            headers["Content-Type"] = "application/octet-stream" if member.type_name == "blob" else "text/plain"
        else:
            body = json.dumps(_json(member, values[payload])).encode()
    else:
        body = json.dumps(_json(shape, body_members)).encode() if shape is not None else b""
    return HttpAnswer(status, headers, body)


def query_json(operation: OperationModel, parsed: dict[str, Any]) -> HttpAnswer:
    """A query protocol answer in JSON, as query services answer a request that accepts
    `application/json` (what API Gateway's AWS integrations ask for): `{"<Action>Response":
    {"<Action>Result": {…every member, null when absent}, "ResponseMetadata": {"RequestId": …}}}`."""
    name = operation.name
    metadata = parsed.get("ResponseMetadata") or {}
    request_id = metadata.get("RequestId") or str(uuid.uuid4())
    answer: dict[str, Any] = {}
    shape = operation.output_shape
    if shape is not None:
        values = {key: value for key, value in parsed.items() if key != "ResponseMetadata"}
        answer[shape.serialization.get("resultWrapper", f"{name}Result")] = _json(shape, values, every_member=True)
    answer["ResponseMetadata"] = {"RequestId": request_id}
    return HttpAnswer(200, {"Content-Type": "application/json", "x-amzn-RequestId": request_id},
                      json.dumps({f"{name}Response": answer}).encode())


def _json(shape: Shape, value: Any, *, every_member: bool = False) -> Any:
    """`value` as the JSON protocols write it for `shape`; `every_member`: a structure's absent members
    as null, as the query protocol's JSON answers write them."""
    kind = shape.type_name
    if value is None:
        return None
    if kind == "structure":
        members = shape.members  # type: ignore[attr-defined]
        if every_member:
            return {members[name].serialization.get("name", name): _json(members[name], value.get(name),
                                                                         every_member=True) for name in members}
        return {members[name].serialization.get("name", name): _json(members[name], item)
                for name, item in value.items() if name in members}
    if kind == "list":
        return [_json(shape.member, item, every_member=every_member) for item in value]  # type: ignore[attr-defined]
    if kind == "map":
        return {key: _json(shape.value, item, every_member=every_member)  # type: ignore[attr-defined]
                for key, item in value.items()}
    if kind == "blob":
        return base64.b64encode(_bytes(value)).decode()
    if kind == "timestamp" and isinstance(value, datetime):
        return value.timestamp()
    return value


def _header(shape: Shape, value: Any) -> str:
    if shape.type_name == "timestamp" and isinstance(value, datetime):
        return format_datetime(value, usegmt=True)
    if shape.serialization.get("jsonvalue"):
        return base64.b64encode(json.dumps(value).encode()).decode()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _bytes(value: Any) -> bytes:
    if hasattr(value, "read"):
        value = value.read()
    return value if isinstance(value, bytes) else str(value).encode()
