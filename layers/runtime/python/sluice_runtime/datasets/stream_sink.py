"""The stream-batch pipeline's work: validate, enrich and write each record of a micro-batch, exactly once.

Input is the execution input the `stream` / `ordered` functions build (`{"sluice": {...}, "records":
[...]}`): Kinesis entries carry `data` (or `data_ref` when it was offloaded to S3), SQS FIFO entries
`body` (or `body_ref`). The pipeline name selects the stream dataset of the catalog.

Per record:

1. load the payload (from S3 when offloaded) and check it against the dataset schema;
2. enrich it: normalized values, the record id (the catalog's `record_id` fields), the partition date,
   the execution and transport ids;
3. write it with a conditional put keyed by `<dataset>#<record id>` (`attribute_not_exists(pk)`, the old
   item returned on failure: a duplicate costs one write).

Outcomes: `written` (new, or written by an earlier attempt of this execution for the same entry),
`duplicate` (the same record was written before - by another execution, or earlier in this batch),
`conflict` (same record id, different content - loud, quarantined),
`rejected` (fails the schema - quarantined with its reason). Transient failures of some records raise
`TransientError` after the others were written: the state machine retries the batch, and the records
already written come back as `written` again. Micro-batches are at-least-once (Express workflows); the
conditional writes make the sink exactly-once.

Example:
    >>> result = sink_batch(document, execution="events-stream-1f3a", sink=sink, catalog=catalog)  # doctest: +SKIP
    >>> result.counts                                                                              # doctest: +SKIP
    {'written': 98, 'duplicate': 1, 'rejected': 1, 'conflict': 0}
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict

from sluice_runtime import strict_json
from sluice_runtime.aws_errors import error_code, is_transient
from sluice_runtime.datasets.catalog import Catalog, StreamDataset
from sluice_runtime.datasets.columns import validate_record
from sluice_runtime.datasets.errors import StepInputError
from sluice_runtime.datasets.metrics import DatasetMetric, count, for_dataset
from sluice_runtime.datasets.storage import ObjectStore, canonical
from sluice_runtime.errors import ConfigurationError, TransientError, as_permanent
from sluice_runtime.observability import logger
from sluice_runtime.quarantine import ascii_json

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

PAYLOAD_FIELDS = ("data", "body")  # Kinesis entries, SQS FIFO entries
Status = Literal["written", "duplicate", "rejected", "conflict"]


class RecordOutcome(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    index: int
    id: str  # the transport id (Kinesis shard:sequence, SQS deduplication id)
    status: Status
    record_id: str | None = None
    reason: str | None = None


class BatchResult(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    pipeline: str
    dataset: str
    execution: str
    records: int
    counts: dict[str, int]
    outcomes: tuple[RecordOutcome, ...]
    quarantined: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Context:
    """What one record's write needs besides the record itself."""

    dataset: StreamDataset
    pipeline: str
    execution: str
    transport: str


class _Rejected(Exception):
    def __init__(self, status: Status, reason: str, record_id: str | None = None) -> None:
        super().__init__(reason)
        self.status, self.reason, self.record_id = status, reason, record_id


class Sink:
    """Where records go (DynamoDB), where offloaded payloads come from and where rejects are set aside."""

    def __init__(self, table: str, dynamodb: DynamoDBClient, store: ObjectStore, staging_bucket: str,
                 quarantine_bucket: str) -> None:
        self.table, self.dynamodb, self.store = table, dynamodb, store
        self.staging_bucket, self.quarantine_bucket = staging_bucket, quarantine_bucket


def sink_batch(document: Mapping[str, Any], *, execution: str, sink: Sink, catalog: Catalog) -> BatchResult:
    """Write one micro-batch (see the module docstring)."""
    meta = document.get("sluice")
    pipeline = meta.get("pipeline") if isinstance(meta, Mapping) else None
    if not isinstance(pipeline, str) or not pipeline:
        # The input is wrong, not the deployment: the stream handler always names the pipeline it ran.
        raise StepInputError(f"the input's sluice.pipeline must name the pipeline that ran (got {pipeline!r})")
    dataset = catalog.for_pipeline(pipeline)
    if dataset is None:
        raise ConfigurationError(f"no stream dataset of the catalog is fed by pipeline {pipeline!r}", pipeline=pipeline)
    raw_records = document.get("records")
    records: list[Any] = raw_records if isinstance(raw_records, list) else []
    outcomes: list[RecordOutcome] = []
    quarantined: list[str] = []
    transient: list[str] = []
    for index, record in enumerate(records):
        transport = _transport_id(record, execution, index)
        context = _Context(dataset, pipeline, execution, transport)
        try:
            record_id, status = _write(record, context, sink)
            outcomes.append(RecordOutcome(index=index, id=transport, status=status, record_id=record_id))
        except _Rejected as rejected:
            outcomes.append(RecordOutcome(index=index, id=transport, status=rejected.status,
                                          record_id=rejected.record_id, reason=rejected.reason))
            quarantined.append(_set_aside(record, rejected, context, sink))
        except (ClientError, TransientError) as error:
            if isinstance(error, ClientError) and not is_transient(error):
                raise
            transient.append(f"{transport}: {error}")
        except Exception as error:
            # Poison that only shows while writing (a lone surrogate, hostile nesting) would fail the
            # same way on every retry: set this record aside and carry on with the batch.
            permanent = as_permanent(error)
            if permanent is None:
                raise
            poison = _Rejected("rejected", f"{permanent.reason}: {permanent}")
            outcomes.append(RecordOutcome(index=index, id=transport, status="rejected", reason=poison.reason))
            quarantined.append(_set_aside(record, poison, context, sink))
    if transient:
        raise TransientError(f"{len(transient)} of {len(records)} record(s) not written yet, e.g. {transient[0]}")
    counts = {status: sum(1 for o in outcomes if o.status == status)
              for status in ("written", "duplicate", "rejected", "conflict")}
    for_dataset(dataset.name)
    count(DatasetMetric.STREAM_RECORDS_WRITTEN, counts["written"])
    count(DatasetMetric.STREAM_DUPLICATES, counts["duplicate"])
    count(DatasetMetric.STREAM_RECORDS_REJECTED, counts["rejected"] + counts["conflict"])
    logger.info("micro-batch written", extra={"pipeline": pipeline, "dataset": dataset.name, **counts})
    return BatchResult(pipeline=pipeline, dataset=dataset.name, execution=execution, records=len(records),
                       counts=counts, outcomes=tuple(outcomes), quarantined=tuple(quarantined))


def _transport_id(record: Any, execution: str, index: int) -> str:
    if isinstance(record, Mapping):
        for name in ("id", "deduplication_id"):
            if isinstance(record.get(name), str) and record[name]:
                return str(record[name])
    return f"{execution}#{index}"


def _payload(record: Any, sink: Sink) -> Any:
    if not isinstance(record, Mapping):
        raise _Rejected("rejected", "the batch entry is not a JSON object")
    for name in PAYLOAD_FIELDS:
        if name in record:
            return record[name]
        ref = record.get(f"{name}_ref")
        if isinstance(ref, Mapping):
            if ref.get("bucket") != sink.staging_bucket or not isinstance(ref.get("key"), str):
                raise _Rejected("rejected", f"{name}_ref must point into the staging bucket, got {ref.get('bucket')!r}")
            try:
                return strict_json.loads(sink.store.read_bytes(sink.staging_bucket, str(ref["key"])))
            except ValueError as exc:
                raise _Rejected("rejected", f"the offloaded {name} is not JSON ({exc})") from None
    raise _Rejected("rejected", f"the entry has none of {', '.join(PAYLOAD_FIELDS)} (or their _ref)")


def _write(record: Any, context: _Context, sink: Sink) -> tuple[str, Status]:
    dataset = context.dataset
    payload = _payload(record, sink)
    if not isinstance(payload, Mapping):
        raise _Rejected("rejected", f"the payload is a JSON {type(payload).__name__}, not an object")
    normalized, problems = validate_record(dataset.schema_, payload, from_text=False)
    if problems:
        raise _Rejected("rejected", "; ".join(problems))
    record_id = "|".join(str(normalized[name]) for name in dataset.record_id)
    data = canonical(normalized)
    digest = hashlib.sha256(data.encode()).hexdigest()
    item: dict[str, Any] = {
        "pk": {"S": f"{dataset.name}#{record_id}"},
        "dataset": {"S": dataset.name},
        "record_id": {"S": record_id},
        "data": {"S": data},
        "sha256": {"S": digest},
        "execution": {"S": context.execution},
        "pipeline": {"S": context.pipeline},
        "transport_id": {"S": context.transport},
    }
    partition = normalized.get(dataset.partition_field) if dataset.partition_field else None
    if isinstance(partition, str):
        item["partition"] = {"S": partition[:10]}
    try:
        sink.dynamodb.put_item(TableName=sink.table, Item=item, ConditionExpression="attribute_not_exists(pk)",
                               ReturnValuesOnConditionCheckFailure="ALL_OLD")
    except ClientError as error:
        code = error_code(error)
        if code == "ConditionalCheckFailedException":
            response: Mapping[str, Any] = error.response  # ALL_OLD puts the existing item here
            old: Mapping[str, Any] = response.get("Item") or {}
            if old.get("sha256", {}).get("S") != digest:
                raise _Rejected("conflict", f"record {record_id} was written before with different content",
                                record_id) from None
            # Written by an earlier attempt of this very execution, for this very entry: still ours.
            ours = (old.get("execution", {}).get("S"), old.get("transport_id", {}).get("S")) == (
                context.execution, context.transport)
            return record_id, "written" if ours else "duplicate"
        if code == "ValidationException":  # e.g. larger than DynamoDB's 400 KB item limit
            raise _Rejected("rejected", f"the sink refused the record: {error}", record_id) from None
        raise
    return record_id, "written"


def _set_aside(record: Any, rejected: _Rejected, context: _Context, sink: Sink) -> str:
    """`stream/<dataset>/<digest>/record.json` + `reason.json`; the digest makes a retry overwrite, not add."""
    # ASCII JSON: a rejected record may hold text (a lone surrogate) that cannot be encoded as UTF-8.
    document = ascii_json(record)
    digest = hashlib.sha256(f"{context.pipeline}\n{context.transport}\n{document}".encode()).hexdigest()
    prefix = f"stream/{context.dataset.name}/{digest[:32]}/"
    sink.store.write(sink.quarantine_bucket, prefix + "record.json", document.encode(), "application/json")
    sink.store.write_json(sink.quarantine_bucket, prefix + "reason.json", {
        "status": rejected.status, "reason": rejected.reason, "record_id": rejected.record_id,
        "transport_id": context.transport, "pipeline": context.pipeline, "dataset": context.dataset.name,
        "execution": context.execution,
    })
    logger.error(f"stream record {rejected.status}: {rejected.reason}",
                 extra={"transport_id": context.transport, "dataset": context.dataset.name, "location": prefix})
    return f"s3://{sink.quarantine_bucket}/{prefix}"
