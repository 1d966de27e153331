"""One SQS message as a queue holds it, and the digests and attributes the API shows of it.

Example:
    >>> message = Message("0f6e…", "hello", {}, sent_at=1717200000.0, visible_at=1717200000.0)
    >>> message.md5_of_body
    '5d41402abc4b2a76b9719d911017c592'
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sluice.local.trace import Activity

#: What `SenderId` shows for messages the local world sends (an IAM user id's shape).
SENDER_ID = "AIDASLUICELOCALSENDER"
#: Clock tolerance: timestamps carry milliseconds, as on AWS.
EPSILON = 0.0005


@dataclass(eq=False)
class Message:
    """A message in a queue. `visible_at` (epoch seconds) is when it may be received next: the end
    of its delay, or of the visibility timeout of its last receive."""

    message_id: str
    body: str
    attributes: dict[str, dict[str, Any]]
    sent_at: float
    visible_at: float
    group_id: str | None = None
    deduplication_id: str | None = None
    sequence_number: str | None = None
    trace_header: str | None = None
    #: The queue a redrive policy moved it from (`DeadLetterQueueSourceArn`).
    dead_letter_source: str | None = None
    receive_count: int = 0
    first_received_at: float | None = None
    #: The receipt handle of its latest receive (only that one deletes it).
    receipt: str | None = None
    #: What sent it, in the trace: a poller's batch is recorded under it.
    sender: Activity | None = field(default=None, repr=False)

    def in_flight(self, now: float) -> bool:
        """Received, and its visibility timeout has not ended."""
        return self.receipt is not None and self.visible_at > now + EPSILON

    def delayed(self, now: float) -> bool:
        return self.receipt is None and self.visible_at > now + EPSILON

    def available(self, now: float) -> bool:
        return self.visible_at <= now + EPSILON

    @property
    def md5_of_body(self) -> str:
        return hashlib.md5(self.body.encode(), usedforsecurity=False).hexdigest()

    @property
    def md5_of_attributes(self) -> str | None:
        return attributes_md5(self.attributes) if self.attributes else None

    def system_attributes(self) -> dict[str, str]:
        """Every system attribute ReceiveMessage can return ("ReceiveMessage", AttributeNames)."""
        found = {
            "SenderId": SENDER_ID,
            "SentTimestamp": _millis(self.sent_at),
            "ApproximateReceiveCount": str(self.receive_count),
            "ApproximateFirstReceiveTimestamp": _millis(self.first_received_at or self.sent_at),
        }
        if self.group_id is not None:
            found["MessageGroupId"] = self.group_id
        if self.deduplication_id is not None:
            found["MessageDeduplicationId"] = self.deduplication_id
        if self.sequence_number is not None:
            found["SequenceNumber"] = self.sequence_number
        if self.trace_header is not None:
            found["AWSTraceHeader"] = self.trace_header
        if self.dead_letter_source is not None:
            found["DeadLetterQueueSourceArn"] = self.dead_letter_source
        return found


def attributes_md5(attributes: Mapping[str, Mapping[str, Any]]) -> str:
    """`MD5OfMessageAttributes`, computed as the SQS developer guide describes ("Calculating the
    MD5 message digest for message attributes"): for each attribute in name order, the name, the
    data type, a transport byte (1 string, 2 binary) and the value, each length-prefixed."""
    digest = hashlib.md5(usedforsecurity=False)
    for name in sorted(attributes):
        attribute = attributes[name]
        data_type = str(attribute["DataType"])
        digest.update(_prefixed(name.encode()))
        digest.update(_prefixed(data_type.encode()))
        if data_type.startswith("Binary"):
            digest.update(b"\x02")
            digest.update(_prefixed(bytes(attribute["BinaryValue"])))
        else:
            digest.update(b"\x01")
            digest.update(_prefixed(str(attribute["StringValue"]).encode()))
    return digest.hexdigest()


def _prefixed(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def _millis(epoch_seconds: float) -> str:
    return str(round(epoch_seconds * 1000))
