"""Queues and streams that event source mappings read but the template does not declare.

A public application often consumes a queue or a stream made outside its stack (by another stack, by
Terraform, by RDS Database Activity Streams), naming it by ARN: `Queue: arn:aws:sqs:…:orders`. On AWS it
exists before the stack is deployed; locally nothing made it, and the mapping had nothing to poll. So
that the application runs as its README says (send a message to the queue, put a record on the stream),
such a queue (FIFO when its name ends in `.fifo`) or stream (one shard) of the stack's account and
region is created empty, and the template's warnings say so. One in another account or region is not
polled, and that is said too: a local world has one account and one region.

Example:
    >>> polled = pollable(template, mappings, client)
    >>> template.warnings[-1]
    '…, resource ConsumerOrders: the queue orders is not declared in the template: created locally, empty'
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from sluice.local.kinesis.resources import stream_of

if TYPE_CHECKING:
    from sluice.local.lambda_.mappings import SourceMapping
    from sluice.local.template.model import SamTemplate

_KINDS = {"sqs": "queue", "kinesis": "stream"}


def pollable(template: SamTemplate, mappings: Iterable[SourceMapping],
             client: Callable[[str], Any]) -> list[SourceMapping]:
    """The mappings the local world can poll, each SQS or Kinesis source the store lacks created on the way
    (see the module docstring)."""
    polled = []
    for mapping in mappings:
        kind = _KINDS.get(mapping.kind)
        if kind is None:
            polled.append(mapping)
            continue
        # A Kinesis fan-out consumer's ARN reads its stream.
        parts = (stream_of(mapping.source_arn) if mapping.kind == "kinesis" else mapping.source_arn).split(":", 5)
        if len(parts) < 6 or (parts[3], parts[4]) != (template.region, template.account):
            template.unsupported(f"its {kind} {mapping.source_arn} is in another account or region, which a local "
                                 f"stack does not have ({template.account}, {template.region}): not polled",
                                 resource=mapping.logical_id)
            continue
        name = parts[5].removeprefix("stream/")
        created = _queue(client("sqs"), name) if mapping.kind == "sqs" else _stream(client("kinesis"), name)
        if created:
            template.unsupported(f"the {kind} {name} is not declared in the template (it is made outside this "
                                 "stack on AWS): created locally, empty", resource=mapping.logical_id)
        polled.append(mapping)
    return polled


def _queue(sqs: Any, name: str) -> bool:
    try:
        sqs.get_queue_url(QueueName=name)
        return False
    except ClientError:
        attributes = {"FifoQueue": "true"} if name.endswith(".fifo") else {}
        sqs.create_queue(QueueName=name, Attributes=attributes)
        return True


def _stream(kinesis: Any, name: str) -> bool:
    try:
        kinesis.describe_stream_summary(StreamName=name)
        return False
    except ClientError:
        kinesis.create_stream(StreamName=name, ShardCount=1)
        return True
