"""Step 3 (one Map item): validate every record of one chunk and stage it as normalized JSON Lines.

The chunk is read with one ranged GET of the validated version (pinned by version id, or by ETag in an
unversioned bucket: a changed object is `SourceChanged`, never silently mixed content). Each record is
checked against the schema and normalized (`columns`); the staged part is written to a key derived
from (dataset, partition, run, chunk index) only, so a retried chunk overwrites its own part with the
same bytes.

Rows that break the schema raise `DataError` - not retried; the Map's item-level Catch records it as a
failed chunk with its violations (the message is JSON: `{"chunk", "first_row", "rows",
"violation_count", "violations"}`) and the reducer quarantines the input.

Example:
    >>> part = stage_chunk(job, chunk, dataset, store=store, staging_bucket="staging")   # doctest: +SKIP
    >>> part.key, part.rows                                                               # doctest: +SKIP
    ('datasets/orders/dt=2024-06-11/run=raw-objects-3f2a/part-00002.jsonl', 50000)
"""

from __future__ import annotations

import hashlib
import json

from sluice_runtime.datasets.catalog import CsvFormat, FileDataset
from sluice_runtime.datasets.columns import validate_record
from sluice_runtime.datasets.errors import DataError, SourceChanged, StepInputError
from sluice_runtime.datasets.formats import FormatViolation, read_records
from sluice_runtime.datasets.jobs import ChunkSpec, Job, StagedPart
from sluice_runtime.datasets.storage import ObjectStore, PreconditionFailed, canonical

MAX_VIOLATIONS = 20  # listed per failed chunk; the count covers all of them


def stage_chunk(
    job: Job, chunk: ChunkSpec, dataset: FileDataset, *, store: ObjectStore, staging_bucket: str
) -> StagedPart:
    """Validate and stage one chunk; `DataError` when any of its rows breaks the schema."""
    source = job.source
    if source is None:
        raise StepInputError(f"run {job.run}: the job names no source object")
    layout = job.require_layout()
    try:
        data = store.read_range(source.bucket, source.key, chunk.start, chunk.end, version_id=source.version_id,
                                if_match=source.etag if source.version_id == "null" else None)
    except PreconditionFailed as exc:
        raise SourceChanged(f"{source.uri} changed after validation: {exc}") from exc
    from_text = isinstance(dataset.format, CsvFormat)
    lines: list[str] = []
    violations: list[str] = []
    count = 0
    try:
        for row, record in read_records(data, dataset.format, job.header, first_row=chunk.first_row):
            normalized, problems = validate_record(dataset.schema_, record, from_text=from_text)
            violations.extend(f"row {row}: {problem}" for problem in problems)
            lines.append(canonical(normalized))
            count += 1
    except FormatViolation as exc:
        violations.append(str(exc))
    if violations:
        raise DataError(json.dumps({
            "chunk": chunk.index,
            "first_row": chunk.first_row,
            "rows": chunk.rows,
            "violation_count": len(violations),
            "violations": violations[:MAX_VIOLATIONS],
        }))
    if count != chunk.rows:
        raise SourceChanged(f"{source.uri}: chunk {chunk.index} holds {count} records; validation counted {chunk.rows}")
    body = ("\n".join(lines) + "\n").encode() if lines else b""
    key = layout.staging_part(chunk.index)
    store.write(staging_bucket, key, body, "application/x-ndjson")
    return StagedPart(index=chunk.index, key=key, rows=count, bytes=len(body), sha256=hashlib.sha256(body).hexdigest())
