"""An HTTP request → the parameters a boto3 client call would take (`Bucket=…, Key=…, Body=…`).

The serialization annotations of botocore's service models (`location: header|uri|querystring`,
`payload`, XML names, timestamp formats) describe requests and responses alike, so the body and
headers are read by botocore's own *response* parsers run over the operation's input shape (JSON,
REST-JSON, REST-XML); what only requests have — URI labels, query-string members and the query
protocol's flattened form (`Attributes.entry.1.key=…`, SNS) — is read here from the same model.

S3 uploads from the AWS CLI arrive `aws-chunked` (Content-Encoding) with the checksum in a trailer
("Amazon S3 User Guide: Checking object integrity — trailing checksums"): the body is de-chunked
and the trailer read as the header it replaces.

Example:
    >>> parameters(identify(request))
    {'Bucket': 'sluice-raw', 'Key': 'incoming/orders.csv', 'Body': b'id,amount\\n1,9.5\\n', ...}
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote

from botocore.awsrequest import HeadersDict
from botocore.parsers import create_parser

from sluice.local.edge.messages import EdgeError, HttpRequest

if TYPE_CHECKING:
    from botocore.model import Shape, StructureShape

    from sluice.local.edge.routing import Route

# Members botocore's parser would fill from the response's metadata, not from the request.
_METADATA = "ResponseMetadata"


def parameters(route: Route) -> dict[str, Any]:
    """The call's parameters, shaped like the operation's input (`EdgeError` if unreadable)."""
    shape = route.operation.input_shape
    if shape is None:
        return {}
    request = dechunked(route.request)
    protocol = route.operation.metadata["protocol"]
    if protocol == "query" or route.form:
        found = _query_members(shape, form(request), "", _SQS_QUERY_WIRE if route.form else {})
        if route.form and "QueueUrl" in shape.members and "QueueUrl" not in found and request.path.count("/") == 2:
            found["QueueUrl"] = queue_url(request)
        return found
    payload = _raw_payload(shape)
    body = b"" if payload is not None else request.body
    if protocol in ("json", "rest-json") and body.lstrip()[:1] not in (b"{", b""):
        raise EdgeError("SerializationException", "cannot read the request body: the input must be a JSON object")
    try:
        parsed: dict[str, Any] = create_parser(protocol).parse(
            {"status_code": 200, "headers": HeadersDict(request.headers), "body": body}, shape)
    except Exception as error:  # botocore's parsers raise their own ResponseParserError or JSON/XML errors
        raise EdgeError("SerializationException", f"cannot read the request body: {error}") from None
    parsed.pop(_METADATA, None)
    if payload is not None:
        parsed.pop(payload, None)
        if request.body:
            parsed[payload] = request.body
    query = request.query_pairs()
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        if location == "uri" and member.serialization.get("name", name) in route.labels:
            parsed[name] = scalar(member, route.labels[member.serialization.get("name", name)])
        elif location == "querystring":
            value = _query_string_member(member, member.serialization.get("name", name), query)
            if value is not None:
                parsed[name] = value
    return parsed


def queue_url(request: HttpRequest) -> str:
    """The queue an SQS query request names by its path (`/<account>/<queue>`), as its URL."""
    from sluice.local.edge.routing import credential_scope  # noqa: PLC0415 - routing imports this module

    scope = credential_scope(request)
    region = scope["region"] if scope else "us-east-1"
    return f"https://sqs.{region}.amazonaws.com{unquote(request.path)}"


def form(request: HttpRequest) -> dict[str, str]:
    """The query protocol's parameters: the query string's and the form body's (AWS reads both)."""
    body = request.body.decode("utf-8", "replace") if request.body else ""
    return dict(parse_qsl(request.query, keep_blank_values=True) + parse_qsl(body, keep_blank_values=True))


def dechunked(request: HttpRequest) -> HttpRequest:
    """`request` with an `aws-chunked` body decoded and its trailing headers made headers."""
    encodings = [value.strip() for value in request.header("Content-Encoding").split(",") if value.strip()]
    if "aws-chunked" not in encodings:
        return request
    data, trailers, position = bytearray(), {}, 0
    body = request.body
    while True:
        end = body.find(b"\r\n", position)
        if end < 0:
            raise EdgeError("IncompleteBody", "the aws-chunked body ends inside a chunk header")
        size = int(body[position:end].split(b";", 1)[0] or b"0", 16)
        position = end + 2
        if size == 0:
            break
        data += body[position:position + size]
        position += size + 2
    for line in body[position:].split(b"\r\n"):
        name, colon, value = line.decode("latin-1").partition(":")
        if colon and name.lower() != "x-amz-trailer-signature":
            trailers[name.strip()] = value.strip()
    dropped = {"content-encoding", "content-length", "x-amz-decoded-content-length", "x-amz-trailer"}
    headers = {key: value for key, value in request.headers.items() if key.lower() not in dropped}
    rest = [value for value in encodings if value != "aws-chunked"]
    if rest:
        headers["Content-Encoding"] = ", ".join(rest)
    headers["Content-Length"] = str(len(data))
    return HttpRequest(request.method, request.path, request.query, headers | trailers, bytes(data))


def _raw_payload(shape: StructureShape) -> str | None:
    """The member that *is* the body (an object's bytes, a function's payload), if any."""
    name = shape.serialization.get("payload")
    if name is not None and shape.members[name].type_name in ("blob", "string"):
        return str(name)
    return None


def _query_string_member(member: Shape, wire_name: str, query: list[tuple[str, str]]) -> Any:
    if member.type_name == "map":  # every parameter not claimed by another member
        return {key: value for key, value in query} or None
    values = [value for key, value in query if key == wire_name]
    if not values:
        return None
    if member.type_name == "list":
        return [scalar(member.member, value) for value in values]  # type: ignore[attr-defined]
    return scalar(member, values[0])


def scalar(shape: Shape, text: str) -> Any:
    """A text value as `shape`'s type (`EdgeError` when it is not one)."""
    kind = shape.type_name
    try:
        if kind in ("integer", "long"):
            return int(text)
        if kind in ("float", "double"):
            return float(text)
        if kind == "boolean":
            return text.lower() == "true"
        if kind == "blob":
            return base64.b64decode(text)
        if kind == "timestamp":
            return float(text) if text.replace(".", "", 1).isdigit() else datetime.fromisoformat(text)
    except ValueError:
        raise EdgeError("ValidationException", f"{text!r} is not a valid {kind}") from None
    return text


@dataclass(frozen=True)
class _Wire:
    """A member's name and layout in a query form, where its JSON model no longer says (`_SQS_QUERY_WIRE`)."""

    name: str
    key: str = "Name"
    value: str = "Value"


#: SQS's JSON model (botocore since 2023) kept none of its query protocol's wire names, which its query form
#: (older SDKs, API Gateway's `sqs:path/` integrations) still uses: flattened lists and maps under singular
#: names (SQS API reference: `MessageAttribute.N.Name`, `MessageAttribute.N.Value.StringValue`,
#: `AttributeName.N`, `Attribute.N.Name`, `Tag.N.Key`, `SendMessageBatchRequestEntry.N.Id`…).
_SQS_QUERY_WIRE = {
    "MessageAttributes": _Wire("MessageAttribute"), "MessageSystemAttributes": _Wire("MessageSystemAttribute"),
    "Attributes": _Wire("Attribute"), "Tags": _Wire("Tag", key="Key"), "AttributeNames": _Wire("AttributeName"),
    "MessageAttributeNames": _Wire("MessageAttributeName"),
    "MessageSystemAttributeNames": _Wire("MessageSystemAttributeName"), "AWSAccountIds": _Wire("AWSAccountId"),
    "Actions": _Wire("ActionName"), "TagKeys": _Wire("TagKey"),
}


def _query_members(shape: StructureShape, values: dict[str, str], prefix: str,
                   wires: Mapping[str, _Wire]) -> dict[str, Any]:
    found = {}
    for name, member in shape.members.items():
        wire = wires.get(name)
        if wire is None and wires and name == "Entries" and member.type_name == "list":
            wire = _Wire(member.member.name)  # type: ignore[attr-defined]  # SendMessageBatchRequestEntry.N…
        key = prefix + (wire.name if wire is not None else member.serialization.get("name", name))
        value = _query_value(member, values, key, wires, wire)
        if value is not None:
            found[name] = value
    return found


def _query_value(shape: Shape, values: dict[str, str], key: str, wires: Mapping[str, _Wire],
                 wire: _Wire | None = None) -> Any:
    """One member of a query-protocol form: `key`, `key.member.N`, `key.entry.N.key`… (AWS query
    protocol: lists are `.member.N` unless flattened, maps `.entry.N.key/.value`); a `wire` member is
    flattened, with its own key and value names."""
    if shape.type_name == "structure":
        if not any(name.startswith(key + ".") for name in values):
            return None
        return _query_members(shape, values, key + ".", wires)  # type: ignore[arg-type]
    if shape.type_name == "list":
        member = shape.member  # type: ignore[attr-defined]
        flattened = wire is not None or shape.serialization.get("flattened")
        base = key if flattened else f"{key}.{member.serialization.get('name', 'member')}"
        return _numbered(values, key, base, lambda item: _query_value(member, values, item, wires))
    if shape.type_name == "map":
        key_shape, value_shape = shape.key, shape.value  # type: ignore[attr-defined]
        base = key if wire is not None or shape.serialization.get("flattened") else f"{key}.entry"
        key_name = wire.key if wire is not None else key_shape.serialization.get("name", "key")
        value_name = wire.value if wire is not None else value_shape.serialization.get("name", "value")
        pairs = _numbered(values, key, base, lambda item: (
            values.get(f"{item}.{key_name}"), _query_value(value_shape, values, f"{item}.{value_name}", wires)))
        return None if pairs is None else {entry_key: value for entry_key, value in pairs if entry_key is not None}
    return scalar(shape, values[key]) if key in values else None


def _numbered(values: dict[str, str], key: str, base: str, read: Callable[[str], Any]) -> list[Any] | None:
    """Items `base.1`, `base.2`… in order; an empty list is sent as the bare key (`Tags=`)."""
    items, index = [], 1
    while any(name == f"{base}.{index}" or name.startswith(f"{base}.{index}.") for name in values):
        items.append(read(f"{base}.{index}"))
        index += 1
    return items if items or key in values else None
