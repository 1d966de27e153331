"""The one adapter to moto's internals: what sluice reads of, and changes in, moto's backends.

moto's public surface (`mock_aws`, the boto3 API it answers) is used everywhere; everything below
it is here, so that a moto upgrade that moves an internal breaks this module only. Tested with
moto 5.2 (5.2.5); `pyproject.toml` asks for `>=5.1`:

- `sqs_backends[account][region]`: `queues`, `Queue.attributes`, `get_queue_attributes` — the
  queues' configuration (`MotoQueueStore`); message state never comes from moto;
- `s3_backends[account]["aws"].get_object`: an object version's size (`object_size`);
- `moto.sqs.models.unix_time`/`unix_time_millis` and `moto.kinesis.models.utcnow`: the time
  functions those modules imported, replaced by the stack's virtual clock while it is open
  (`virtual_time`).

Example:
    >>> with virtual_time(clock.now):
    ...     MotoQueueStore("123456789012", "us-east-1").settings("orders.fifo").fifo
    True
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from typing import Any

from sluice.local.sqs.queues import QueueSettings


class MotoQueueStore:
    """The queues (names, ARNs, attributes) moto's SQS backend keeps for `sluice.local.sqs`."""

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

    def names(self) -> list[str]:
        """Every queue moto has, by name."""
        from moto.sqs.models import sqs_backends  # noqa: PLC0415

        return list(sqs_backends[self.account][self.region].queues)

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


def object_size(account: str) -> Callable[[str, str, str | None], int | None]:
    """`size_of(bucket, key, version)`: the size of an object version moto's S3 holds, or None."""

    def size_of(bucket: str, key: str, version: str | None) -> int | None:
        from moto.s3.models import s3_backends  # noqa: PLC0415

        try:
            found = s3_backends[account]["aws"].get_object(bucket, key, version_id=version)
        except Exception:
            return None
        return None if found is None else int(found.size)

    return size_of


@contextmanager
def virtual_time(now: Callable[[], float]) -> Iterator[None]:
    """Put moto's SQS and Kinesis on the stack's virtual clock while the block runs.

    moto's SQS reads wall-clock time for visibility timeouts, delays, retention and timestamps: a
    failed batch must become visible again after `VisibilityTimeout` *virtual* seconds — at once
    when the clock jumps. moto's Kinesis takes `ApproximateArrivalTimestamp` from the wall clock,
    but record ages (`MaximumRecordAgeInSeconds`, retention) are measured on virtual time: a record
    must be as old as the virtual seconds that passed since it was put, however far the clock jumped.
    """
    with ExitStack() as stack:
        stack.enter_context(_virtual_sqs_time(now))
        stack.enter_context(_virtual_kinesis_time(now))
        yield


@contextmanager
def _virtual_sqs_time(now: Callable[[], float]) -> Iterator[None]:
    from moto.sqs import models  # noqa: PLC0415 - moto is loaded by the stack already

    saved = {name: getattr(models, name) for name in ("unix_time", "unix_time_millis") if hasattr(models, name)}

    def unix_time(dt: object = None) -> float:
        return now()

    def unix_time_millis(dt: object = None) -> float:
        return now() * 1000.0

    replacements = {"unix_time": unix_time, "unix_time_millis": unix_time_millis}
    for name in saved:
        setattr(models, name, replacements[name])
    try:
        yield
    finally:
        for name, function in saved.items():
            setattr(models, name, function)


@contextmanager
def _virtual_kinesis_time(now: Callable[[], float]) -> Iterator[None]:
    from moto.kinesis import models  # noqa: PLC0415 - moto is loaded by the stack already

    namespace = vars(models)  # `utcnow` is moto's import, not part of the module's typed interface
    saved = namespace["utcnow"]
    namespace["utcnow"] = lambda: datetime.fromtimestamp(now(), tz=UTC).replace(tzinfo=None)
    try:
        yield
    finally:
        namespace["utcnow"] = saved
