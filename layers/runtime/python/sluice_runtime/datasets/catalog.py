"""The dataset catalog: one declarative JSON file that says what each dataset looks like.

The file ships inside the layer (`sluice_runtime/datasets/catalog.json`); `SLUICE_CATALOG` overrides its
path (tests and the local stack read the same format). Two kinds of entries:

* `file` datasets - objects landing in the raw bucket, processed by the file pipeline. An entry names
  the `key_pattern` (a regular expression whose named groups feed the partition), the `format` (CSV
  or JSON Lines), `max_bytes`, the `schema` (columns, types, required fields, primary key), the
  `partition` (`{"name": "dt", "value": "{year}-{month}-{day}"}`), `chunking`, the `quality` gate and
  an optional `freshness` SLA. A dataset without `key_pattern` is reached only through a
  `dataset.ready` event naming it (partition value `{event_version}`).
* `stream` datasets - records of the stream-batch pipeline, per registry pipeline name: `schema`,
  `record_id` (the fields whose values identify a record in the sink) and an optional
  `partition_field` (a date or timestamp column).

Validation happens at load and names the offending entry, e.g.
`datasets[0] 'orders' -> schema.primary_key: column 'id' is not declared`.

Example:
    >>> catalog = load_catalog()                                            # doctest: +SKIP
    >>> catalog.for_key("incoming/2024/06/11/orders.csv").name               # doctest: +SKIP
    'orders'
"""

# No `from __future__ import annotations` here: pydantic would evaluate every field annotation
# string with eval() as each model class is made, a third of this module's import on a cold start.

import functools
import os
import re
import string
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sluice_runtime.config_files import load_validated
from sluice_runtime.errors import ConfigurationError

CATALOG_ENV = "SLUICE_CATALOG"
PACKAGED_CATALOG = Path(__file__).with_name("catalog.json")
DATASET_NAME_PATTERN = r"^[a-z][a-z0-9-]{0,62}$"
COLUMN_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
# A partition value becomes part of S3 keys: keep it to characters that never need escaping.
PARTITION_VALUE_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# Partition template fields that do not come from the key pattern's named groups.
MODIFIED_DATE = "modified_date"  # the object version's LastModified date (UTC): fixed per version
EVENT_VERSION = "event_version"  # `detail.version` of the dataset.ready event that announced the file
BUILTIN_FIELDS = frozenset({MODIFIED_DATE, EVENT_VERSION})

ColumnType = Literal["string", "integer", "decimal", "number", "boolean", "date", "timestamp"]


class CatalogError(ConfigurationError):
    """The catalog file is unreadable or invalid."""

    reason = "invalid_catalog"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Column(_Strict):
    """One column (CSV) or top-level field (JSON Lines) of a dataset."""

    name: str = Field(pattern=COLUMN_NAME_PATTERN)
    type: ColumnType
    required: bool = False
    pattern: str | None = None  # strings only: a regular expression the whole value must match
    allowed: tuple[str, ...] | None = Field(default=None, min_length=1)  # strings only

    @model_validator(mode="after")
    def _string_constraints(self) -> Self:
        if (self.pattern is not None or self.allowed is not None) and self.type != "string":
            raise ValueError(f"column '{self.name}': 'pattern' and 'allowed' apply to string columns only")
        if self.pattern is not None:
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise ValueError(f"column '{self.name}': invalid pattern: {exc}") from exc
        return self


class Schema(_Strict):
    """Columns in output order; `extra_columns` says what happens to undeclared ones."""

    columns: tuple[Column, ...] = Field(min_length=1)
    primary_key: tuple[str, ...] = ()
    extra_columns: Literal["reject", "ignore", "keep"] = "reject"

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        names = [column.name for column in self.columns]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"columns declared twice: {', '.join(duplicates)}")
        for name in self.primary_key:
            column = self.column(name)
            if column is None:
                raise ValueError(f"primary_key: column '{name}' is not declared")
            if not column.required:
                raise ValueError(f"primary_key: column '{name}' must be required")
        return self

    def column(self, name: str) -> Column | None:
        return next((column for column in self.columns if column.name == name), None)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns if column.required)


class CsvFormat(_Strict):
    """Comma-separated values with a header row (RFC 4180 quoting), UTF-8."""

    type: Literal["csv"]
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    quotechar: str = Field(default='"', min_length=1, max_length=1)


class JsonLinesFormat(_Strict):
    """One JSON object per line, UTF-8; blank lines are ignored."""

    type: Literal["jsonl"]


Format = Annotated[CsvFormat | JsonLinesFormat, Field(discriminator="type")]


class Partition(_Strict):
    """How one input maps to one curated partition: `<name>=<value>` in every path of the run."""

    name: str = Field(default="dt", pattern=COLUMN_NAME_PATTERN)
    value: str = Field(default="{year}-{month}-{day}", min_length=1)

    @property
    def fields(self) -> frozenset[str]:
        """The `{field}` names the value template uses."""
        try:
            parsed = list(string.Formatter().parse(self.value))
        except ValueError as exc:
            raise ValueError(f"partition value template {self.value!r} is malformed: {exc}") from exc
        names = {field for _, field, spec, _ in parsed if field is not None}
        if "" in names or any(spec for _, field, spec, _ in parsed if field is not None):
            raise ValueError(f"partition value template {self.value!r}: use plain named fields like {{year}}")
        return frozenset(names)

    def render(self, fields: Mapping[str, str]) -> str:
        """The partition value for `fields`; `ValueError` when it is missing a field or unsafe."""
        missing = sorted(self.fields - set(fields))
        if missing:
            raise ValueError(f"no value for partition field(s) {', '.join(missing)}")
        value = self.value.format_map(dict(fields))
        if PARTITION_VALUE_PATTERN.fullmatch(value) is None:
            raise ValueError(f"partition value {value!r} must match {PARTITION_VALUE_PATTERN.pattern}")
        return value


class Chunking(_Strict):
    """How a large input fans out: rows per chunk, a cap on chunks and on parallel chunk workers."""

    rows_per_chunk: int = Field(default=50_000, ge=1)
    # Each chunk is a Map item and a Map result in the execution state (about 300 bytes together): the
    # cap keeps the state well below Step Functions' 256 KiB; beyond it chunks are merged, never dropped.
    max_chunks: int = Field(default=200, ge=1, le=500)
    max_concurrency: int = Field(default=8, ge=1, le=40)


class Quality(_Strict):
    """The data-quality gate on the staged output. A failed check quarantines the input."""

    min_rows: int = Field(default=1, ge=0)
    # Per optional column; unlisted optional columns may be entirely null. Required columns are never null.
    max_null_ratio: dict[str, float] = Field(default_factory=dict)
    max_duplicate_ratio: float = Field(default=0.0, ge=0.0, le=1.0)

    @field_validator("max_null_ratio")
    @classmethod
    def _ratios(cls, value: dict[str, float]) -> dict[str, float]:
        bad = sorted(name for name, ratio in value.items() if not 0.0 <= ratio <= 1.0)
        if bad:
            raise ValueError(f"null ratios must be between 0 and 1: {', '.join(bad)}")
        return value


class Freshness(_Strict):
    """The newest partition must have been published within `max_age_hours`."""

    max_age_hours: float = Field(gt=0)


class FileDataset(_Strict):
    """A dataset fed by files in the raw bucket."""

    kind: Literal["file"]
    name: str = Field(pattern=DATASET_NAME_PATTERN)
    description: str = ""
    key_pattern: str | None = None
    format: Format
    # At most 5 GiB: the largest object one CopyObject can copy (quarantine copies the input as is).
    max_bytes: int = Field(default=256 * 1024 * 1024, ge=1, le=5 * 1024**3)
    schema_: Schema = Field(alias="schema")
    partition: Partition = Field(default_factory=Partition)
    chunking: Chunking = Field(default_factory=Chunking)
    quality: Quality = Field(default_factory=Quality)
    freshness: Freshness | None = None
    # Rows of the first chunk that `validate` checks in full before fanning out (the chunks check all).
    sample_rows: int = Field(default=100, ge=0)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        groups: frozenset[str] = frozenset()
        if self.key_pattern is not None:
            try:
                groups = frozenset(re.compile(self.key_pattern).groupindex)
            except re.error as exc:
                raise ValueError(f"key_pattern is not a regular expression: {exc}") from exc
        try:
            fields = self.partition.fields
        except ValueError as exc:
            raise ValueError(str(exc)) from exc
        unknown = sorted(fields - groups - BUILTIN_FIELDS)
        if unknown:
            raise ValueError(
                f"partition value uses {', '.join(unknown)}: name them as groups in key_pattern "
                f"or use {sorted(BUILTIN_FIELDS)}"
            )
        if self.key_pattern is None and fields - {EVENT_VERSION}:
            raise ValueError(
                "a dataset without key_pattern is announced by events: its partition value is {event_version}"
            )
        for name in self.quality.max_null_ratio:
            if self.schema_.column(name) is None:
                raise ValueError(f"quality.max_null_ratio: column '{name}' is not declared")
        return self

    def match(self, key: str) -> dict[str, str] | None:
        """The named groups of `key_pattern` when it matches the whole key, else None."""
        if self.key_pattern is None:
            return None
        found = _compiled(self.key_pattern).fullmatch(key)
        return None if found is None else {name: value for name, value in found.groupdict().items() if value}


class StreamDataset(_Strict):
    """Records of stream micro-batches (Kinesis, SQS FIFO) written to the stream sink."""

    kind: Literal["stream"]
    name: str = Field(pattern=DATASET_NAME_PATTERN)
    description: str = ""
    pipelines: tuple[str, ...] = Field(min_length=1)
    schema_: Schema = Field(alias="schema")
    record_id: tuple[str, ...] = Field(min_length=1)
    partition_field: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        for name in self.record_id:
            column = self.schema_.column(name)
            if column is None or not column.required:
                raise ValueError(f"record_id: '{name}' must be a required column")
        if self.partition_field is not None:
            column = self.schema_.column(self.partition_field)
            if column is None or column.type not in ("date", "timestamp"):
                raise ValueError(f"partition_field: '{self.partition_field}' must be a date or timestamp column")
        return self


Dataset = Annotated[FileDataset | StreamDataset, Field(discriminator="kind")]


class Catalog(_Strict):
    """All datasets, in declaration order (the first file dataset whose key_pattern matches wins)."""

    version: Literal[1]
    datasets: tuple[Dataset, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unambiguous(self) -> Self:
        seen: dict[str, str] = {}
        for dataset in self.datasets:
            if dataset.name in seen:
                raise ValueError(f"dataset '{dataset.name}' is declared twice")
            seen[dataset.name] = dataset.name
            if isinstance(dataset, StreamDataset):
                for pipeline in dataset.pipelines:
                    key = f"pipeline:{pipeline}"
                    if key in seen:
                        raise ValueError(f"pipeline '{pipeline}' feeds both '{seen[key]}' and '{dataset.name}'")
                    seen[key] = dataset.name
        return self

    def named(self, name: str) -> FileDataset | StreamDataset | None:
        return next((dataset for dataset in self.datasets if dataset.name == name), None)

    def file_dataset(self, name: str | None) -> FileDataset:
        """The file dataset `name`; `CatalogError` if the catalog (no longer) declares it."""
        dataset = self.named(name) if name else None
        if not isinstance(dataset, FileDataset):
            raise CatalogError(f"dataset {name!r} is not a file dataset of the catalog", dataset=name)
        return dataset

    def file_datasets(self) -> tuple[FileDataset, ...]:
        return tuple(dataset for dataset in self.datasets if isinstance(dataset, FileDataset))

    def for_key(self, key: str) -> tuple[FileDataset, dict[str, str]] | None:
        """The file dataset whose key_pattern matches `key`, with the pattern's named groups."""
        for dataset in self.file_datasets():
            groups = dataset.match(key)
            if groups is not None:
                return dataset, groups
        return None

    def for_pipeline(self, pipeline: str) -> StreamDataset | None:
        return next(
            (d for d in self.datasets if isinstance(d, StreamDataset) and pipeline in d.pipelines),
            None,
        )


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def catalog_path() -> Path:
    """The catalog in effect: `$SLUICE_CATALOG` if set, else the one packaged in the layer."""
    return Path(os.environ.get(CATALOG_ENV) or PACKAGED_CATALOG)


def load_catalog(path: Path | None = None) -> Catalog:
    """Load and validate a catalog file (cached per path and modification time)."""
    # "file" / "stream" are the discriminator tags pydantic puts in error locations.
    return load_validated(
        path or catalog_path(),
        Catalog,
        what="dataset catalog",
        entries="datasets",
        error=CatalogError,
        hidden=frozenset({"file", "stream"}),
    )
