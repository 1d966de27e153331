"""Translate between Step Functions' JSON and botocore's Python values, guided by the API model.

Parameters: Step Functions takes member names in PascalCase even where the API is camelCase
(`StateMachineArn` for Step Functions' own `stateMachineArn`); JSON objects given for string
members are sent as JSON text (an SQS `MessageBody` object), text for binary members as UTF-8.
A JSON `null` given for a member of a structure, at any depth, leaves it unset: Step Functions
builds the Java SDK v2 request from the JSON, where null is "not set" (so `"NextMarker": null` on a
first page is no marker, while boto3 rejects None). Nulls that are data (list elements, map values)
are kept, so botocore's validation names them rather than the request silently shrinking.
Results: member names come back in PascalCase, timestamps as ISO-8601 text (the Java SDK v2
`Instant` form Step Functions prints), streamed bodies as text (S3 `GetObject`'s `Body`) and other
binary values as base64. Map keys (DynamoDB attribute names, tags) are data and stay untouched.

Example:
    >>> to_pascal({"stateMachineArn": "arn"}, shape)   # shape: the StartExecution output shape
    {'StateMachineArn': 'arn'}
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any


def to_boto(value: Any, shape: Any) -> Any:
    """A Step Functions parameter value as botocore expects it for `shape`."""
    if shape is None:
        return value
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        members = shape.members
        by_lower = {name.lower(): name for name in members}
        converted = {}
        for key, item in value.items():
            # Unknown keys pass through: botocore's validation names them ("Unknown parameter").
            name = key if key in members else by_lower.get(key.lower(), key)
            if item is None and name in members:
                continue  # a null member is an unset one, at any depth (see the module docstring)
            converted[name] = to_boto(item, members.get(name))
        return converted
    if kind == "list" and isinstance(value, list):
        return [to_boto(item, shape.member) for item in value]
    if kind == "map" and isinstance(value, dict):
        return {key: to_boto(item, shape.value) for key, item in value.items()}
    if kind == "string" and isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    if kind == "blob":
        if isinstance(value, str):
            return value.encode()
        if isinstance(value, dict | list):
            return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
    return value


def to_pascal(value: Any, shape: Any) -> Any:
    """A botocore result value as Step Functions returns it."""
    if isinstance(value, datetime):
        return iso_instant(value)
    if hasattr(value, "read"):  # a streamed body
        return _text(value.read())
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode()
    if shape is None:
        return value
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        members = shape.members
        return {_pascal(key): to_pascal(item, members.get(key)) for key, item in value.items()}
    if kind == "list" and isinstance(value, list):
        return [to_pascal(item, shape.member) for item in value]
    if kind == "map" and isinstance(value, dict):
        return {key: to_pascal(item, shape.value) for key, item in value.items()}
    return value


def iso_instant(moment: datetime) -> str:
    """`2024-01-02T03:04:05.678Z` (milliseconds only when there are some, like Java's Instant)."""
    moment = moment.astimezone(UTC)
    millis = moment.microsecond // 1000
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + (f".{millis:03d}" if millis else "") + "Z"


def _pascal(name: str) -> str:
    return name[:1].upper() + name[1:]


def _text(data: bytes) -> str:
    try:
        return data.decode()
    except UnicodeDecodeError:
        return base64.b64encode(data).decode()
