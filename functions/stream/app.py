"""stream - Kinesis: micro-batch records into one claim and one Express execution per batch; report batchItemFailures.

Powertools' batch processor maps each record's outcome to the partial-batch response: records that
started, were duplicates or were quarantined succeed; the first transiently failed record and all later
ones are reported, and Lambda resumes the shard from the lowest failed sequence number.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sluice_runtime import wiring
from sluice_runtime.observability import instrument

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import KinesisStreamRecord


@instrument
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # Batch processing and the pydantic-based modules load on the first call (benchmarks/cold_start.py).
    # Batch first: while pydantic is not yet imported, Powertools skips loading its ~40 parser models
    # (utilities/batch/types.py checks sys.modules), which would cost ~0.3x of `import boto3`.
    from aws_lambda_powertools.utilities.batch import (  # noqa: PLC0415
        BatchProcessor,
        EventType,
        process_partial_response,
    )
    from sluice_runtime.dispatcher import Outcome, clock_for  # noqa: PLC0415
    from sluice_runtime.models import KinesisBatch, parse  # noqa: PLC0415
    from sluice_runtime.stream_batches import process_records  # noqa: PLC0415

    # A direct invocation with something else is answered with InvalidEvent, not a KeyError.
    raw_records = parse(KinesisBatch, event, "Kinesis batch event").records
    if not raw_records:  # nothing to do, and Powertools cannot tell an empty batch's source
        return {"batchItemFailures": []}
    results = process_records(raw_records, wiring.dispatcher(), clock_for(context), wiring.quarantine())
    # Powertools wraps the very dicts of event["Records"]: identity maps each back to its outcome.
    by_record = {id(raw): result for raw, result in zip(raw_records, results, strict=True)}

    def record_handler(record: KinesisStreamRecord) -> str:
        result = by_record[id(record.raw_event)]
        if isinstance(result, Outcome):
            return result.status
        raise result

    processor = BatchProcessor(event_type=EventType.KinesisDataStreams)
    return dict(process_partial_response(event, record_handler, processor, context))
