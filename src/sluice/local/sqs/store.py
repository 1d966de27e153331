"""The adapter to moto's SQS backend: the queues (names, ARNs, attributes) moto keeps for us.

Everything sluice reads of moto's SQS internals is here: `sqs_backends[account][region]`,
`get_queue`, `Queue.attributes` and `get_queue_attributes` (moto 5.x; tested with 5.2). Message
state never comes from moto.

Example:
    >>> MotoQueueStore("123456789012", "us-east-1").settings("orders.fifo").fifo
    True
"""

from __future__ import annotations

import json
from typing import Any

from sluice.local.sqs.queues import QueueSettings

#: Attributes whose values are counts of messages: sluice's, not moto's.
COUNT_ATTRIBUTES = ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                    "ApproximateNumberOfMessagesDelayed")


class MotoQueueStore:
    def __init__(self, account: str, region: str) -> None:
        self.account = account
        self.region = region

    def settings(self, name: str) -> QueueSettings | None:
        """The queue's configuration, or None if moto has no such queue."""
        queue = self._queue(name)
        if queue is None:
            return None
        attributes: dict[str, Any] = dict(queue.attributes)
        redrive = attributes.get("RedrivePolicy")
        policy = json.loads(redrive) if isinstance(redrive, str) else redrive or {}
        return QueueSettings(
            name=name,
            arn=str(attributes["QueueArn"]),
            fifo=str(attributes.get("FifoQueue", "false")).lower() == "true",
            content_based_deduplication=str(attributes.get("ContentBasedDeduplication", "false")).lower() == "true",
            per_group_deduplication=attributes.get("DeduplicationScope") == "messageGroup",
            visibility_timeout=float(attributes.get("VisibilityTimeout", 30)),
            delay_seconds=float(attributes.get("DelaySeconds", 0)),
            maximum_message_size=int(attributes.get("MaximumMessageSize", 262144)),
            dead_letter_arn=policy.get("deadLetterTargetArn"),
            max_receive_count=int(policy["maxReceiveCount"]) if "maxReceiveCount" in policy else None,
        )

    def attributes(self, name: str, names: list[str]) -> dict[str, str] | None:
        """`GetQueueAttributes` as moto answers it (its message counts are replaced by the caller),
        or None when moto rejects the request (then moto's own error response is the answer)."""
        from moto.core.exceptions import ServiceException  # noqa: PLC0415 - moto is loaded by the stack already
        from moto.sqs.models import sqs_backends  # noqa: PLC0415

        try:
            found = sqs_backends[self.account][self.region].get_queue_attributes(name, names)
        except ServiceException:
            return None
        return {key: str(value).lower() if isinstance(value, bool) else str(value) for key, value in found.items()
                if value is not None}

    def _queue(self, name: str) -> Any:
        from moto.sqs.models import sqs_backends  # noqa: PLC0415

        return sqs_backends[self.account][self.region].queues.get(name)
