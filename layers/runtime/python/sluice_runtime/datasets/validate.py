"""Step 1 of the file pipeline: is this input one we can process, and how do we fan it out?

Checks, in order (the first failure is the verdict `invalid`, with a `Reason` whose `code` says which):

| code                 | meaning                                                                  |
|----------------------|--------------------------------------------------------------------------|
| `invalid_input`      | the execution input does not carry exactly one S3 / dataset.ready record |
| `unknown_dataset`    | no catalog entry matches the key (or the event's `dataset_id`)           |
| `source_missing`     | the object (version) does not exist                                      |
| `empty_file`         | zero bytes                                                               |
| `too_large`          | above the dataset's `max_bytes`                                          |
| `bad_partition`      | the key does not yield a valid partition value                           |
| `malformed`          | not UTF-8, broken CSV quoting or field counts, a line that is not a JSON object |
| `header_too_large`   | the CSV header is above 32 KiB (the job carries it through every state)  |
| `checksum_mismatch`  | the dataset.ready event's `sha256:` checksum differs from the content    |
| `missing_columns` / `unexpected_columns` / `duplicate_columns` | the CSV header vs the schema |
| `schema_violation`   | a sampled row breaks the schema (types, required fields, patterns)      |

The scan also yields the content digest, the record count and the chunk plan. Then two outcomes skip
the run without doing anything: `already_published` (the partition's `_SUCCESS` was produced from
exactly this content - the same file dropped again; a replay never skips) and `superseded` (an
unversioned key was overwritten after the event: the newer upload has its own run; or the partition
already holds a newer version of this object, in the order of `versions` - replays included, since
publishing would put older data back; `publish` checks again at commit time).

Example:
    >>> validation = validate(execution_input, run="raw-objects-3f2a", store=store, catalog=catalog,
    ...                       curated_bucket="curated")                         # doctest: +SKIP
    >>> validation.verdict, len(validation.plan.chunks)                         # doctest: +SKIP
    ('valid', 3)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import ValidationError

from sluice_runtime.datasets.catalog import EVENT_VERSION, MODIFIED_DATE, Catalog, CsvFormat, FileDataset
from sluice_runtime.datasets.columns import listed, validate_record
from sluice_runtime.datasets.formats import FormatViolation, ScanResult, scan
from sluice_runtime.datasets.jobs import ChunkSpec, Job, Plan, Reason, SourceObject, Validation
from sluice_runtime.datasets.storage import ObjectStore
from sluice_runtime.datasets.versions import newer_publication

MAX_LISTED = 10  # violations (and column names) quoted in a reason
# The job, header included, is in every state of the run; Step Functions caps a state at 256 KiB and fails
# a larger one with States.DataLimitExceeded, which no Catch catches (the input would be neither published
# nor quarantined). 32 KiB is a header of well over a thousand columns.
MAX_HEADER_BYTES = 32 * 1024


class Rejected(Exception):
    """Internal: stops validation with the verdict `invalid` (or `skip`) and a reason."""

    def __init__(
        self, code: str, message: str, verdict: Literal["invalid", "skip"] = "invalid", **details: Any
    ) -> None:
        super().__init__(message)
        self.reason = Reason(code=code, message=message, details=details)
        self.verdict = verdict


class _Validator:
    def __init__(
        self, document: Mapping[str, Any], run: str, store: ObjectStore, catalog: Catalog, curated_bucket: str
    ) -> None:
        meta = document.get("sluice")
        self.curated_bucket = curated_bucket
        self.meta: Mapping[str, Any] = meta if isinstance(meta, Mapping) else {}
        self.document, self.store, self.catalog = document, store, catalog
        replay = self.meta.get("replay")
        self.job = Job(
            pipeline=self.meta.get("pipeline") if isinstance(self.meta.get("pipeline"), str) else None,
            run=run,
            replay=dict(replay) if isinstance(replay, Mapping) else None,
        )
        self.dataset: FileDataset | None = None

    def update(self, **changes: Any) -> None:
        self.job = self.job.model_copy(update=changes)

    def resolve(self) -> tuple[FileDataset, dict[str, str], str | None]:
        """The dataset, the partition fields known so far, and an announced checksum."""
        records = self.document.get("records")
        if not isinstance(records, list) or len(records) != 1 or not isinstance(records[0], Mapping):
            count = len(records) if isinstance(records, list) else "no"
            raise Rejected("invalid_input", f"the file pipeline takes exactly one record per execution, got {count}")
        record = records[0]
        if record.get("type") == "s3":
            source = self._source(record)
            self.update(source=source)
            found = self.catalog.for_key(source.key)
            if found is None:
                raise Rejected("unknown_dataset", f"no dataset in the catalog matches the key {source.key!r}")
            return found[0], found[1], None
        if record.get("type") == "eventbridge":
            return self._announced(record)
        raise Rejected("invalid_input", f"records[0] has type {record.get('type')!r}; expected 's3' or 'eventbridge'")

    def _source(self, record: Mapping[str, Any]) -> SourceObject:
        try:
            return SourceObject.model_validate({**record, "etag": _unquote(record.get("etag"))})
        except ValidationError as exc:
            problem = exc.errors()[0]["msg"]
            raise Rejected("invalid_input", f"records[0] is not an S3 object reference: {problem}") from exc

    def _announced(self, record: Mapping[str, Any]) -> tuple[FileDataset, dict[str, str], str | None]:
        detail = record.get("detail")
        detail = detail if isinstance(detail, Mapping) else {}
        location = detail.get("location")
        if not isinstance(location, str) or not location.startswith("s3://") or "/" not in location[5:]:
            raise Rejected("invalid_input", f"detail.location must be an s3://bucket/key URI, got {location!r}")
        bucket, key = location[5:].split("/", 1)
        self.update(source=SourceObject(bucket=bucket, key=key))
        name = detail.get("dataset_id")
        dataset = self.catalog.named(name) if isinstance(name, str) else None
        if not isinstance(dataset, FileDataset):
            raise Rejected("unknown_dataset", f"detail.dataset_id {name!r} is not a file dataset of the catalog")
        version = detail.get("version")
        fields = {EVENT_VERSION: version} if isinstance(version, str) else {}
        checksum = detail.get("checksum")
        return dataset, fields, checksum if isinstance(checksum, str) else None

    def run(self) -> Validation:
        dataset, fields, checksum = self.resolve()
        self.dataset = dataset
        self.update(dataset=dataset.name, partition_name=dataset.partition.name, format=dataset.format.type)
        source = self._head(self.job.source)
        fields = {**fields, MODIFIED_DATE: (source.last_modified or "")[:10]}
        if not source.size:
            raise Rejected("empty_file", f"{source.uri} is empty")
        if source.size > dataset.max_bytes:
            raise Rejected("too_large", f"{source.uri} is {source.size} bytes; dataset {dataset.name} accepts at "
                           f"most {dataset.max_bytes}", bytes=source.size, max_bytes=dataset.max_bytes)
        try:
            self.update(partition=dataset.partition.render(fields))
        except ValueError as exc:
            raise Rejected("bad_partition", f"{source.uri}: {exc}") from exc
        result = self._scan(dataset, source)
        self.update(source=source.model_copy(update={"sha256": result.sha256}))
        _check_checksum(checksum, result.sha256)
        self._check_header(dataset, result.header)
        header_bytes = len(",".join(result.header or ()).encode())
        if header_bytes > MAX_HEADER_BYTES:
            raise Rejected("header_too_large", f"{source.uri}: the header row is {header_bytes} bytes "
                           f"({len(result.header or ())} columns); at most {MAX_HEADER_BYTES} are accepted",
                           bytes=header_bytes, max_bytes=MAX_HEADER_BYTES)
        self.update(header=result.header)
        self._check_sample(dataset, result)
        self._skip_if_published(result.sha256)
        plan = Plan(
            rows=result.rows,
            bytes=result.bytes,
            max_concurrency=dataset.chunking.max_concurrency,
            chunks=tuple(ChunkSpec(index=c.index, start=c.start, end=c.end, first_row=c.first_row, rows=c.rows)
                         for c in result.chunks),
        )
        return Validation(verdict="valid", job=self.job, plan=plan)

    def _head(self, source: SourceObject | None) -> SourceObject:
        assert source is not None  # resolve() always sets it
        head = self.store.head(source.bucket, source.key, source.version_id)
        if head is None:
            raise Rejected("source_missing", f"{source.uri} does not exist")
        etag = _unquote(head.get("ETag"))
        if source.version_id == "null" and source.etag and etag != source.etag:
            raise Rejected("superseded", f"{source.uri} was overwritten after this event (ETag {source.etag} is now "
                           f"{etag}); the newer upload has its own run", verdict="skip")
        modified = head.get("LastModified")
        pinned = source.model_copy(update={
            "version_id": head.get("VersionId") or source.version_id,
            "etag": etag,
            "size": head.get("ContentLength"),
            "last_modified": modified.astimezone(UTC).isoformat() if isinstance(modified, datetime) else None,
        })
        self.update(source=pinned)
        return pinned

    def _scan(self, dataset: FileDataset, source: SourceObject) -> ScanResult:
        blocks = self.store.blocks(source.bucket, source.key, version_id=source.version_id,
                                   if_match=source.etag if source.version_id == "null" else None)
        try:
            return scan(blocks, dataset.format, rows_per_chunk=dataset.chunking.rows_per_chunk,
                        max_chunks=dataset.chunking.max_chunks, sample_rows=dataset.sample_rows)
        except FormatViolation as exc:
            raise Rejected("malformed", f"{source.uri} is not valid {dataset.format.type.upper()}: {exc}") from exc

    def _check_header(self, dataset: FileDataset, header: tuple[str, ...] | None) -> None:
        if not isinstance(dataset.format, CsvFormat) or header is None:
            return
        schema = dataset.schema_
        counts = Counter(header)
        repeated = sorted(name for name, times in counts.items() if times > 1)
        if repeated:
            raise Rejected("duplicate_columns", f"the header repeats {listed(repeated)}",
                           columns=repeated[:MAX_LISTED])
        missing = [name for name in schema.required if name not in header]
        if missing:
            raise Rejected("missing_columns", f"required column(s) missing from the header: {', '.join(missing)}",
                           columns=missing)
        unexpected = [name for name in header if schema.column(name) is None]
        if unexpected and schema.extra_columns == "reject":
            raise Rejected("unexpected_columns", f"column(s) not in the {dataset.name} schema: "
                           f"{listed(unexpected)}", columns=unexpected[:MAX_LISTED])

    def _check_sample(self, dataset: FileDataset, result: ScanResult) -> None:
        from_text = isinstance(dataset.format, CsvFormat)
        violations = [
            f"row {row}: {problem}"
            for row, record in result.sample
            for problem in validate_record(dataset.schema_, record, from_text=from_text)[1]
        ]
        if violations:
            raise Rejected("schema_violation", f"{len(violations)} problem(s) in the first {len(result.sample)} rows, "
                           f"e.g. {violations[0]}", violations=violations[:MAX_LISTED])

    def _skip_if_published(self, sha256: str) -> None:
        layout = self.job.require_layout()
        marker = self.store.read_json(self.curated_bucket, layout.success_marker)
        if marker is None or not isinstance(marker.value, Mapping):
            return
        newer = newer_publication(self.job.source, marker.value, self.store.version_ids)
        if newer is not None:
            raise Rejected("superseded", f"{self.job.dataset} {layout.partition_name}={layout.partition} already holds "
                           f"a newer version of {newer.uri} (sequencer {newer.sequencer}, run "
                           f"{marker.value.get('run')})", verdict="skip", run=marker.value.get("run"),
                           version_id=newer.version_id, sequencer=newer.sequencer)
        if self.job.replay is not None:
            return  # an explicit replay re-publishes even identical content
        published = marker.value.get("source")
        if isinstance(published, Mapping) and published.get("sha256") == sha256:
            raise Rejected("already_published", f"{self.job.dataset} {layout.partition_name}={layout.partition} "
                           f"already holds this exact content (run {marker.value.get('run')})", verdict="skip",
                           run=marker.value.get("run"), published_at=marker.value.get("published_at"))


def _check_checksum(checksum: str | None, sha256: str) -> None:
    if checksum is None:
        return
    algorithm, _, expected = checksum.partition(":")
    if algorithm != "sha256" or not expected:
        raise Rejected("checksum_mismatch", f"unsupported checksum {checksum!r}: expected 'sha256:<hex>'")
    if expected.lower() != sha256:
        raise Rejected("checksum_mismatch", f"the announced checksum {checksum} does not match the content "
                       f"(sha256:{sha256})", expected=expected, actual=sha256)


def _unquote(etag: Any) -> str | None:
    return etag.strip('"') if isinstance(etag, str) else None


def validate(document: Any, *, run: str, store: ObjectStore, catalog: Catalog, curated_bucket: str) -> Validation:
    """The verdict on one execution input, whatever its shape (see the module docstring)."""
    validator = _Validator(document if isinstance(document, Mapping) else {}, run, store, catalog, curated_bucket)
    try:
        return validator.run()
    except Rejected as rejected:
        return Validation(verdict=rejected.verdict, job=validator.job, reason=rejected.reason)
