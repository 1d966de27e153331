"""The documents the file pipeline's states hand each other (the ASL <-> task function contract).

`validate` produces `{verdict, job, plan, reason}`; every later step receives the `job` (what is being
processed, where it goes) plus what it needs from earlier steps. Inputs are parsed with these models,
so a wiring mistake in the ASL is a clear `StepInputError`, never a `KeyError` deep in a step.

Example:
    >>> job = Job(pipeline="raw-objects", run="raw-objects-3f2a", dataset="orders", partition_name="dt",
    ...           partition="2024-06-11", source=SourceObject(bucket="raw", key="incoming/x.csv"))
    >>> job.layout().staging_prefix
    'datasets/orders/dt=2024-06-11/run=raw-objects-3f2a/'
"""

# No `from __future__ import annotations` here: pydantic would evaluate every field annotation
# string with eval() as each model class is made, a third of this module's import on a cold start.

from collections.abc import Mapping
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sluice_runtime.datasets.errors import StepInputError
from sluice_runtime.datasets.layout import RunLayout

M = TypeVar("M", bound=BaseModel)
SEQUENCER_PATTERN = r"^[0-9A-Fa-f]{1,64}$"  # "a string representation of a hexadecimal value" (S3 event docs)


class _Document(BaseModel):
    # The ASL may pass more than a step reads (e.g. the whole state): ignore what is not ours.
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)


class SourceObject(_Document):
    """The raw object one run processes (a pinned version when the bucket is versioned)."""

    bucket: str = Field(min_length=1)
    key: str = Field(min_length=1)
    version_id: str = "null"
    etag: str | None = None
    size: int | None = None
    last_modified: str | None = None
    sha256: str | None = None
    # S3's ordering token of this version's event (`versions` compares them); None for runs that were not
    # started by an S3 event (dataset.ready announcements, replays and backfills).
    sequencer: str | None = Field(default=None, pattern=SEQUENCER_PATTERN)

    @property
    def uri(self) -> str:
        suffix = "" if self.version_id == "null" else f"?versionId={self.version_id}"
        return f"s3://{self.bucket}/{self.key}{suffix}"


class Job(_Document):
    """What one run processes and where its outputs go."""

    pipeline: str | None = None
    run: str = Field(min_length=1)  # the execution name: scopes every staging, curated and quarantine key
    dataset: str | None = None
    partition_name: str | None = None
    partition: str | None = None
    format: Literal["csv", "jsonl"] | None = None
    header: tuple[str, ...] | None = None
    source: SourceObject | None = None
    replay: dict[str, Any] | None = None

    def layout(self) -> RunLayout | None:
        """The run's keys, once the dataset and partition are known."""
        if self.dataset is None or self.partition_name is None or self.partition is None:
            return None
        return RunLayout(self.dataset, self.partition_name, self.partition, self.run)

    def require_layout(self) -> RunLayout:
        layout = self.layout()
        if layout is None:
            raise StepInputError(f"run {self.run}: the job has no dataset and partition yet")
        return layout


class ChunkSpec(_Document):
    """One Map item: records `first_row` .. `first_row + rows - 1`, bytes [start, end) of the source."""

    index: int = Field(ge=0)
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    first_row: int = Field(ge=1)
    rows: int = Field(ge=0)


class Plan(_Document):
    rows: int
    bytes: int
    max_concurrency: int
    chunks: tuple[ChunkSpec, ...]


class Reason(_Document):
    """Why a run did not publish: a stable `code`, a sentence for humans, and structured details."""

    code: str
    message: str
    details: dict[str, Any] = Field(default_factory=dict)


class Validation(_Document):
    verdict: Literal["valid", "invalid", "skip"]
    job: Job
    plan: Plan | None = None
    reason: Reason | None = None


class StagedPart(_Document):
    index: int
    key: str
    rows: int
    bytes: int
    sha256: str


class Reduction(_Document):
    """The reducer's decision over the chunk results."""

    decision: Literal["complete", "invalid", "failed"]
    rows: int
    parts: tuple[StagedPart, ...]
    reason: Reason | None = None


class Check(_Document):
    name: str
    passed: bool
    observed: float | int
    limit: float | int
    column: str | None = None


class QualityReport(_Document):
    passed: bool
    rows: int
    checks: tuple[Check, ...]
    reason: Reason | None = None


class Failure(_Document):
    """Built by the ASL on every failure path: what kind of failure, at which stage, and why."""

    kind: Literal["invalid_input", "invalid_data", "quality", "processing"]
    stage: str
    reason: Reason


def parse_step(model: type[M], data: Any, what: str) -> M:
    """Validate a step's input document, naming the step and the offending fields on failure."""
    if not isinstance(data, Mapping):
        raise StepInputError(f"{what}: expected a JSON object, got {type(data).__name__}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or '(root)'}: {error['msg']}" for error in exc.errors()
        )
        raise StepInputError(f"{what}: {problems}") from exc


def field(data: Any, name: str, model: type[M], what: str) -> M:
    """`data[name]` parsed as `model` (`StepInputError` when absent)."""
    if not isinstance(data, Mapping) or name not in data:
        raise StepInputError(f"{what}: the input has no '{name}'")
    return parse_step(model, data[name], f"{what}.{name}")


def text(data: Any, name: str, what: str) -> str:
    """`data[name]` as a non-empty string (`StepInputError` otherwise)."""
    value = data.get(name) if isinstance(data, Mapping) else None
    if not isinstance(value, str) or not value:
        raise StepInputError(f"{what}: the input needs a non-empty string '{name}'")
    return value
