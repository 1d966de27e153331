"""FIFO deduplication, as "Using the message deduplication ID" describes it: a message whose
deduplication ID was already sent successfully within the last five minutes is accepted but not
delivered again. `ContentBasedDeduplication` uses the SHA-256 of the body as the ID. With
`DeduplicationScope: messageGroup` (high throughput for FIFO queues) the ID is unique per message
group, so the same body sent to two groups is two messages.

Example:
    >>> dedup = Deduplicator(now=clock.now, per_group=False)
    >>> dedup.original("id-1", "g") is None
    True
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from sluice.local.sqs.messages import Message

#: The deduplication interval of SQS FIFO queues (and SNS FIFO topics).
INTERVAL = 300.0


def content_id(body: str) -> str:
    """The deduplication ID `ContentBasedDeduplication` gives a message: SHA-256 of its body."""
    return hashlib.sha256(body.encode()).hexdigest()


class Deduplicator:
    """The deduplication IDs a queue has seen within the interval, and the messages they named."""

    def __init__(self, *, now: Callable[[], float]) -> None:
        self.now = now
        self._seen: dict[tuple[str | None, str], tuple[float, Message]] = {}

    def original(self, deduplication_id: str, group_id: str | None) -> Message | None:
        """The message first sent with this ID (in this scope) less than five minutes ago."""
        seen = self._seen.get((group_id, deduplication_id))
        if seen is None or self.now() - seen[0] >= INTERVAL:
            return None
        return seen[1]

    def remember(self, message: Message, group_id: str | None) -> None:
        """The interval starts at the first successful send; duplicates do not extend it."""
        assert message.deduplication_id is not None
        self._seen[(group_id, message.deduplication_id)] = (self.now(), message)
