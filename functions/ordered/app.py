"""ordered - SQS FIFO: one pipeline start per message, strictly in order per MessageGroupId.

Powertools' FIFO processor with `skip_group_on_error` stops a message group at its first failure (the
rest of that group is reported failed and redelivered in order); other groups carry on. When a message
is acknowledged depends on the pipeline type: `standard` / `express_async` when the execution starts,
`express_sync` when it finishes successfully (docs/runtime.md). Messages that can never start go to
the FIFO dead-letter queue with their reason, and are acknowledged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sluice_runtime import wiring
from sluice_runtime.errors import InvalidEvent
from sluice_runtime.observability import instrument

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
    from sluice_runtime.dispatcher import Clock, Outcome


def deliver(raw: dict[str, Any], clock: Clock) -> Outcome:
    """Start (or dead-letter) one FIFO message; transient failures raise and fail its group."""
    from sluice_runtime.dispatcher import set_aside  # noqa: PLC0415 - loaded on first call (cold start)
    from sluice_runtime.models import SqsEnvelope, parse  # noqa: PLC0415

    group = str(raw.get("attributes", {}).get("MessageGroupId") or "")
    try:
        message = parse(SqsEnvelope, raw, "SQS FIFO message").decode()
    except InvalidEvent as error:
        record_id = str(raw.get("messageId", "message"))
        return set_aside(wiring.dead_letter(), error, raw.get("body", ""), record_id=record_id, group=group)
    return wiring.dispatcher().launch(
        message, None, clock, sink=wiring.dead_letter(), payload=raw["body"], group=message.message_group_id
    )


@instrument
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # Batch processing and the pydantic-based modules load on the first call (benchmarks/cold_start.py).
    # Batch first: while pydantic is not yet imported, Powertools skips loading its ~40 parser models
    # (utilities/batch/types.py checks sys.modules), which would cost ~0.3x of `import boto3`.
    from aws_lambda_powertools.utilities.batch import (  # noqa: PLC0415
        SqsFifoPartialProcessor,
        process_partial_response,
    )
    from sluice_runtime.dispatcher import clock_for  # noqa: PLC0415
    from sluice_runtime.models import SqsBatch, parse  # noqa: PLC0415

    # Every record needs its messageId to be reported: otherwise InvalidEvent names it, not Powertools.
    if not parse(SqsBatch, event, "SQS FIFO batch event").records:
        return {"batchItemFailures": []}  # nothing to do, and Powertools cannot tell an empty batch's source
    clock = clock_for(context)

    def record_handler(record: SQSRecord) -> str:
        return deliver(record.raw_event, clock).status

    processor = SqsFifoPartialProcessor(skip_group_on_error=True)
    return dict(process_partial_response(event, record_handler, processor, context))
