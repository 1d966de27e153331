"""Pipeline registry: one declarative JSON file that says which trigger starts which pipeline.

The file ships inside the layer (`sluice_runtime/pipelines.json`); `SLUICE_PIPELINES` overrides its path
(the local stack and tests read the same format). Each entry names its trigger (S3 bucket + prefix /
suffix / glob, EventBridge source + detail-type, Kinesis stream, SQS FIFO queue), the state machine as an
environment reference (`${FILE_PIPELINE_ARN}`, never a literal ARN), the execution type, the idempotency
key and content fields, and the ordering key. Bucket, stream and queue names may be literals or
`${VAR}` references, resolved when an event is matched.

Validation happens at load; errors name the offending entry, e.g.
`pipelines[2] 'dataset-ready' -> trigger.eventbridge.detail_type: Field required`.

Example:
    >>> registry = load_registry()                                  # doctest: +SKIP
    >>> registry.for_event("sluice.upstream", "dataset.ready").name  # doctest: +SKIP
    'dataset-ready'
"""

# No `from __future__ import annotations` here: pydantic would evaluate every field annotation
# string with eval() as each model class is made, a third of this module's import on a cold start.

import functools
import json
import os
import re
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sluice_runtime.config_files import load_validated
from sluice_runtime.errors import ConfigurationError
from sluice_runtime.execution_names import PIPELINE_NAME_PATTERN
from sluice_runtime.fields import FieldPath
from sluice_runtime.starter import ExecutionType

PIPELINES_ENV = "SLUICE_PIPELINES"
PACKAGED_PIPELINES = Path(__file__).with_name("pipelines.json")
_ENV_REF = re.compile(r"^\$\{([A-Z][A-Z0-9_]*)\}$")


class RegistryError(ConfigurationError):
    """The registry file is unreadable or invalid."""

    reason = "invalid_registry"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


def resolve(value: str, pipeline: str) -> str:
    """Resolve a `${VAR}` reference from the environment; literals pass through."""
    match = _ENV_REF.match(value)
    if match is None:
        return value
    resolved = os.environ.get(match.group(1))
    if not resolved:
        raise ConfigurationError(
            f"pipeline '{pipeline}': environment variable {match.group(1)} is not set",
            variable=match.group(1),
        )
    return resolved


@functools.cache
def glob_to_regex(glob: str) -> re.Pattern[str]:
    """`*` and `?` stay inside one key segment, `**/` spans any number of segments (including none)."""
    out, i = [], 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        else:
            out.append({"*": "[^/]*", "?": "[^/]"}.get(glob[i], re.escape(glob[i])))
            i += 1
    return re.compile("".join(out) + r"\Z", re.DOTALL)


class S3Trigger(_Strict):
    """An object created in `bucket` whose key matches `prefix`+`suffix`, or `glob`."""

    type: Literal["s3"]
    bucket: str = Field(min_length=1)
    prefix: str = ""
    suffix: str = ""
    glob: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _one_matcher(self) -> Self:
        if self.glob is not None and (self.prefix or self.suffix):
            raise ValueError("use either 'glob' or 'prefix'/'suffix', not both")
        return self

    def matches(self, bucket: str, key: str, pipeline: str) -> bool:
        if resolve(self.bucket, pipeline) != bucket:
            return False
        if self.glob is not None:
            return glob_to_regex(self.glob).match(key) is not None
        return key.startswith(self.prefix) and key.endswith(self.suffix)


class EventBridgeTrigger(_Strict):
    """A custom EventBridge event with this exact `source` and `detail-type`."""

    type: Literal["eventbridge"]
    source: str = Field(min_length=1)
    detail_type: str = Field(min_length=1)


class KinesisTrigger(_Strict):
    """Records of one Kinesis data stream (by stream name)."""

    type: Literal["kinesis"]
    stream: str = Field(min_length=1)


class SqsFifoTrigger(_Strict):
    """Messages of one SQS FIFO queue (by queue name).

    `deduplication_scope` mirrors the queue's `DeduplicationScope`: under `messageGroup` SQS deduplicates
    per message group, so the same body (content-based deduplication id) sent to two groups is two
    messages, and the idempotency key includes the group; under `queue` the id is unique per queue. The
    default, `messageGroup`, is the one that can never merge two messages SQS delivers separately.
    """

    type: Literal["sqs_fifo"]
    queue: str = Field(min_length=1)
    deduplication_scope: Literal["messageGroup", "queue"] = "messageGroup"


Trigger = Annotated[S3Trigger | EventBridgeTrigger | KinesisTrigger | SqsFifoTrigger, Field(discriminator="type")]

# (key fields, content fields) used when an entry does not say; S3 also has two named presets.
_S3_IDENTITIES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "object": (("bucket", "key", "version_id"), ("etag", "size")),
    "content": (("etag", "size"), ("etag", "size")),
}
_DEFAULT_FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "s3": _S3_IDENTITIES["object"],
    "eventbridge": (("id",), ("detail",)),
    "kinesis": (("shard_id", "sequence_number"), ("data",)),
    "sqs_fifo": (("message_group_id", "deduplication_id"), ("body",)),
}
_SQS_QUEUE_SCOPE: tuple[tuple[str, ...], tuple[str, ...]] = (("deduplication_id",), ("body",))


class IdempotencySpec(_Strict):
    """Which fields identify a trigger (`key`) and which must not change under that key (`content`).

    S3 pipelines may instead name an `identity`: `object` (bucket/key/version-id; a changed ETag under
    the same version is a conflict) or `content` (ETag + size: the same file dropped twice is a duplicate).
    """

    identity: Literal["object", "content"] | None = None
    key: tuple[FieldPath, ...] | None = Field(default=None, min_length=1)
    content: tuple[FieldPath, ...] | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _identity_or_fields(self) -> Self:
        if self.identity is not None and (self.key is not None or self.content is not None):
            raise ValueError("use either 'identity' or 'key'/'content', not both")
        return self


class BatchingSpec(_Strict):
    """Micro-batching of stream records into one Express execution each."""

    max_records: int = Field(default=100, ge=1, le=10_000)
    offload_threshold_bytes: int = Field(default=64 * 1024, ge=1, le=200 * 1024)
    max_record_bytes: int = Field(default=1024 * 1024, ge=1)


class Pipeline(_Strict):
    """One registry entry."""

    name: str = Field(pattern=PIPELINE_NAME_PATTERN)
    description: str = ""
    trigger: Trigger
    state_machine: str = Field(pattern=_ENV_REF.pattern)
    execution: ExecutionType
    idempotency: IdempotencySpec = Field(default_factory=IdempotencySpec)
    ordering_key: FieldPath | None = None
    batching: BatchingSpec = Field(default_factory=BatchingSpec)
    ttl_seconds: int | None = Field(default=None, ge=60)
    # express_sync only: the state machine's own TimeoutSeconds (Express: at most 5 minutes). A run is
    # started only while the invocation has this much time left, so Lambda never times out mid-run.
    sync_timeout_seconds: int = Field(default=300, ge=1, le=300)

    @model_validator(mode="after")
    def _identity_only_for_s3(self) -> Self:
        if self.idempotency.identity is not None and self.trigger.type != "s3":
            raise ValueError("idempotency.identity is only meaningful for s3 triggers; use key/content")
        return self

    @property
    def key_fields(self) -> tuple[str, ...]:
        return self.idempotency.key or self._preset()[0]

    @property
    def content_fields(self) -> tuple[str, ...]:
        return self.idempotency.content or self._preset()[1]

    def state_machine_arn(self) -> str:
        return resolve(self.state_machine, self.name)

    def _preset(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        if self.idempotency.identity is not None:
            return _S3_IDENTITIES[self.idempotency.identity]
        if isinstance(self.trigger, SqsFifoTrigger) and self.trigger.deduplication_scope == "queue":
            return _SQS_QUEUE_SCOPE
        return _DEFAULT_FIELDS[self.trigger.type]


class Registry(_Strict):
    """All pipelines, in declaration order (the first matching S3 entry wins)."""

    version: Literal[1]
    pipelines: tuple[Pipeline, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unambiguous(self) -> Self:
        seen: dict[str, str] = {}
        for pipeline in self.pipelines:
            trigger = json.dumps(pipeline.trigger.model_dump(), sort_keys=True)
            for key, what in ((f"name:{pipeline.name}", "name"), (f"trigger:{trigger}", "trigger")):
                if key in seen:
                    raise ValueError(f"pipelines '{seen[key]}' and '{pipeline.name}' have the same {what}")
                seen[key] = pipeline.name
        return self

    def for_s3(self, bucket: str, key: str) -> Pipeline | None:
        return next(
            (p for p in self.pipelines if isinstance(p.trigger, S3Trigger) and p.trigger.matches(bucket, key, p.name)),
            None,
        )

    def for_event(self, source: str, detail_type: str) -> Pipeline | None:
        return next(
            (
                p
                for p in self.pipelines
                if isinstance(p.trigger, EventBridgeTrigger)
                and (p.trigger.source, p.trigger.detail_type) == (source, detail_type)
            ),
            None,
        )

    def for_stream(self, stream: str) -> Pipeline | None:
        return next(
            (
                p
                for p in self.pipelines
                if isinstance(p.trigger, KinesisTrigger) and resolve(p.trigger.stream, p.name) == stream
            ),
            None,
        )

    def for_queue(self, queue: str) -> Pipeline | None:
        return next(
            (
                p
                for p in self.pipelines
                if isinstance(p.trigger, SqsFifoTrigger) and resolve(p.trigger.queue, p.name) == queue
            ),
            None,
        )


def registry_path() -> Path:
    """The registry file in effect: `$SLUICE_PIPELINES` if set, else the one packaged in the layer."""
    return Path(os.environ.get(PIPELINES_ENV) or PACKAGED_PIPELINES)


def load_registry(path: Path | None = None) -> Registry:
    """Load and validate a registry file (cached per path and modification time)."""
    return load_validated(
        path or registry_path(), Registry, what="pipeline registry", entries="pipelines", error=RegistryError
    )
