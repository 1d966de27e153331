"""DynamoDB stream records in AWS's shape: one `ItemChange` (an item's images before and after a
write) becomes one `Record` of the DynamoDB Streams API ("Change data capture for DynamoDB
Streams"; the `Record` and `StreamRecord` shapes of the API reference).

What AWS documents, and this module encodes:

- `eventName` is INSERT (no old image), REMOVE (no new image) or MODIFY; "if you perform a PutItem
  or UpdateItem operation that does not change any data in an item, DynamoDB Streams does not write
  a stream record for that operation" (`ItemChange.event_name` is None then);
- `StreamViewType` decides what `dynamodb` holds besides `Keys`: KEYS_ONLY nothing, NEW_IMAGE the
  item after the write, OLD_IMAGE the item before it, NEW_AND_OLD_IMAGES both;
- `ApproximateCreationDateTime` is in UNIX epoch seconds, rounded down to the second;
- a deletion by Time to Live carries `userIdentity` {"type": "Service", "principalId":
  "dynamodb.amazonaws.com"} ("DynamoDB Streams and Time to Live"); other records have none;
- `SizeBytes` follows the item-size rules of "Item sizes and formats" (attribute names and values,
  applied to the keys and the images the record carries) — AWS does not document the exact sum,
  so it is an approximation.

Example:
    >>> change = ItemChange(stream_arn=arn, region="eu-west-1", view_type="NEW_IMAGE", key_names=("id",),
    ...                     old=None, new={"id": {"S": "a"}, "n": {"N": "1"}})
    >>> stream_record(change, sequence="1100000000017454423009", at=1718096400.7)["eventName"]
    'INSERT'
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

VIEW_TYPES = ("KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES")
EVENT_VERSION = "1.1"

Image = Mapping[str, Any]  # an item in the API's AttributeValue form: {"id": {"S": "a"}}


@dataclass(frozen=True)
class ItemChange:
    """One item's change in a successful write: its image before (`old`) and after (`new`), None
    when the item did not exist."""

    stream_arn: str
    region: str
    view_type: str
    key_names: tuple[str, ...]
    old: Image | None
    new: Image | None

    @property
    def event_name(self) -> str | None:
        """INSERT, MODIFY or REMOVE; None when the write changed nothing (AWS writes no record)."""
        if self.old == self.new:
            return None
        if self.old is None:
            return "INSERT"
        return "REMOVE" if self.new is None else "MODIFY"


#: Who deleted an item that Time to Live expired.
TTL_IDENTITY = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}


def stream_record(change: ItemChange, *, sequence: str, at: float,
                  user_identity: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The stream record of `change` (a change that changed something: see `ItemChange.event_name`),
    made by `user_identity` when a service made it (Time to Live: `TTL_IDENTITY`)."""
    item = change.new if change.new is not None else change.old
    if item is None or change.event_name is None:
        raise ValueError(f"a write that changed nothing has no stream record ({change.stream_arn})")
    body: dict[str, Any] = {
        "ApproximateCreationDateTime": int(at),
        "Keys": {name: item[name] for name in change.key_names if name in item},
        "SequenceNumber": sequence,
        "StreamViewType": change.view_type,
    }
    if change.new is not None and change.view_type in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES"):
        body["NewImage"] = dict(change.new)
    if change.old is not None and change.view_type in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES"):
        body["OldImage"] = dict(change.old)
    body["SizeBytes"] = sum(item_size(body[part]) for part in ("Keys", "NewImage", "OldImage") if part in body)
    record = {
        # Unique per table and position, and the same on every run (AWS's are opaque hex strings;
        # the stream's label is the wall-clock time moto created it at, so it is left out).
        "eventID": uuid.uuid5(uuid.NAMESPACE_URL, f"{change.stream_arn.split('/stream/')[0]}#{sequence}").hex,
        "eventName": change.event_name,
        "eventVersion": EVENT_VERSION,
        "eventSource": "aws:dynamodb",
        "awsRegion": change.region,
        "dynamodb": body,
    }
    if user_identity is not None:
        record["userIdentity"] = dict(user_identity)
    return record


def item_size(item: Image) -> int:
    """Bytes of an item by "Item sizes and formats": each attribute name plus its value."""
    return sum(len(name.encode()) + _value_size(value) for name, value in item.items())


def _value_size(value: Mapping[str, Any]) -> int:
    [(kind, data)] = value.items()
    if kind == "S":
        return len(str(data).encode())
    if kind == "N":
        return _number_size(str(data))
    if kind == "B":
        return _binary_size(data)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind in ("SS", "NS", "BS"):
        element = {"SS": "S", "NS": "N", "BS": "B"}[kind]
        return sum(_value_size({element: entry}) for entry in data)
    if kind == "L":  # 3 bytes of overhead, and 1 per element
        return 3 + sum(1 + _value_size(entry) for entry in data)
    if kind == "M":
        return 3 + sum(1 + len(name.encode()) + _value_size(entry) for name, entry in data.items())
    return len(str(data).encode())


def _number_size(text: str) -> int:
    """One byte per two significant digits, plus one (leading and trailing zeros trimmed)."""
    digits = text.lstrip("+-").replace(".", "").split("e")[0].split("E")[0].strip("0")
    return (len(digits) + 1) // 2 + 1


def _binary_size(data: Any) -> int:
    if isinstance(data, bytes | bytearray):
        return len(data)
    try:
        return len(base64.b64decode(str(data), validate=True))
    except binascii.Error:
        return len(str(data).encode())
