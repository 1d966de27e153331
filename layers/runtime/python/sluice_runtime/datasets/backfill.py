"""The backfill's three steps: plan the request, prepare one child run per listed object, summarize.

A backfill re-runs the file pipeline over the raw objects under a prefix (optionally only partitions
within `from` .. `to`, compared as text - ISO dates order correctly). Each child is a *replay*: its
execution input is exactly what `ingest` builds for a replay request with the same token (same
idempotency key, same deterministic execution name `<pipeline>-<digest>-r-<token>`), so

* a backfill never collides with the original runs (their names have no replay suffix),
* re-running the same backfill (same token) starts nothing twice - the existing child is reported
  `already_ran` - and a manual replay with that token is recognised as the same run,
* validation does not skip identical content under a replay, so every selected partition is
  re-published exactly once.

Example:
    >>> plan = plan_backfill({"token": "bf-20240612", "prefix": "incoming/2024/06/"},
    ...                      execution="bf-1", default_bucket="raw")
    >>> plan.results_prefix, plan.max_concurrency
    ('backfills/bf-1', 10)
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sluice_runtime import strict_json
from sluice_runtime.datasets.catalog import MODIFIED_DATE, Catalog
from sluice_runtime.datasets.errors import StepInputError
from sluice_runtime.datasets.storage import ObjectStore
from sluice_runtime.execution_names import REPLAY_TOKEN_PATTERN, execution_name
from sluice_runtime.fields import lookup
from sluice_runtime.idempotency import key_for
from sluice_runtime.models import Replay, S3Object
from sluice_runtime.registry import Registry

RESULT_FILE = re.compile(r"(SUCCEEDED|FAILED|PENDING)_\d+\.json$")
MAX_LISTED_FAILURES = 50


RESULTS_PREFIX_PATTERN = r"^backfills/[^/\s]{1,80}$"

class BackfillPlan(BaseModel):
    """The validated backfill request (what the Distributed Map and each child read)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)

    token: str = Field(pattern=REPLAY_TOKEN_PATTERN)
    reason: str = ""
    bucket: str = Field(min_length=1)
    prefix: str = ""
    from_: str | None = Field(default=None, alias="from")
    to: str | None = None
    max_concurrency: int = Field(default=10, ge=1, le=1000)
    tolerated_failure_percentage: float = Field(default=10.0, ge=0.0, le=100.0)
    # Set by plan_backfill, then carried in the execution's state: a later step (summarize) trusts
    # it only inside backfills/, one level deep (an execution name has no "/" and no blanks).
    results_prefix: str = Field(pattern=RESULTS_PREFIX_PATTERN)

    @model_validator(mode="after")
    def _range(self) -> BackfillPlan:
        for name, value in (("from", self.from_), ("to", self.to)):
            if value is not None:
                try:
                    date.fromisoformat(value)
                except ValueError as exc:
                    raise ValueError(f"'{name}' must be an ISO date (YYYY-MM-DD), got {value!r}") from exc
        if self.from_ and self.to and self.from_ > self.to:
            raise ValueError(f"'from' ({self.from_}) is after 'to' ({self.to})")
        return self

    def selects(self, partition: str) -> bool:
        return (self.from_ is None or partition >= self.from_) and (self.to is None or partition <= self.to)


class ChildPlan(BaseModel):
    """One listed object: whether to re-run it, and the child execution's name and input."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    run: bool
    key: str
    reason: str | None = None
    partition: str | None = None
    name: str | None = None
    input: dict[str, Any] | None = None


class BackfillSummary(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    token: str
    status: Literal["succeeded", "failed"]
    counts: dict[str, int]
    failures: tuple[dict[str, Any], ...]
    results_prefix: str
    summary_key: str


def plan_backfill(request: Any, *, execution: str, default_bucket: str) -> BackfillPlan:
    """Validate a backfill request; `StepInputError` explains what is wrong with it."""
    if not isinstance(request, Mapping):
        raise StepInputError(f"a backfill request is a JSON object, got {type(request).__name__}")
    unknown = sorted(set(request) - {"token", "reason", "bucket", "prefix", "from", "to", "max_concurrency",
                                     "tolerated_failure_percentage"})
    if unknown:
        raise StepInputError(f"unknown backfill option(s): {', '.join(unknown)}")
    try:
        return BackfillPlan.model_validate({"bucket": default_bucket, **request,
                                            "results_prefix": f"backfills/{execution}"})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'request'}: {e['msg']}" for e in exc.errors())
        raise StepInputError(f"invalid backfill request: {problems}") from exc


def prepare_child(
    listed: Mapping[str, Any], plan: BackfillPlan, *, registry: Registry, catalog: Catalog, store: ObjectStore,
    file_pipeline_arn: str,
) -> ChildPlan:
    """Decide whether a listed object is re-run, and build the child's replay input."""
    key = str(listed.get("Key", ""))
    if not key or key.endswith("/"):
        return ChildPlan(run=False, key=key, reason="not an object (folder marker)")
    pipeline = registry.for_s3(plan.bucket, key)
    if pipeline is None:
        return ChildPlan(run=False, key=key, reason="no pipeline of the registry is triggered by this key")
    if pipeline.state_machine_arn() != file_pipeline_arn:
        return ChildPlan(run=False, key=key, reason=f"pipeline {pipeline.name} does not run the file pipeline")
    found = catalog.for_key(key)
    if found is None:
        return ChildPlan(run=False, key=key, reason="no dataset of the catalog matches this key")
    dataset, groups = found
    head = store.head(plan.bucket, key)
    if head is None:
        return ChildPlan(run=False, key=key, reason="the object was deleted after the listing")
    modified = head.get("LastModified")
    modified_date = modified.astimezone(UTC).date().isoformat() if isinstance(modified, datetime) else ""
    try:
        partition = dataset.partition.render({**groups, MODIFIED_DATE: modified_date})
    except ValueError as exc:
        return ChildPlan(run=False, key=key, reason=f"no partition: {exc}")
    if not plan.selects(partition):
        return ChildPlan(run=False, key=key, partition=partition, reason="partition outside the requested range")
    trigger = S3Object(bucket=plan.bucket, key=key, version_id=head.get("VersionId") or "null",
                       etag=str(head.get("ETag", "")).strip('"') or None, size=head.get("ContentLength"))
    replay = Replay(token=plan.token, reason=plan.reason)
    idempotency = key_for(pipeline, trigger.view(), plan.token)
    name = execution_name(pipeline.name, idempotency.value, plan.token)
    # The same records[] entry the dispatcher builds for this object (dispatcher.Dispatcher.entry).
    entry = trigger.entry()
    if pipeline.ordering_key is not None:
        entry["ordering_key"] = lookup(trigger.view(), pipeline.ordering_key)
    document = {
        "sluice": {"pipeline": pipeline.name, "execution_name": name, "idempotency_key": idempotency.value,
                   "replay": replay.model_dump()},
        "records": [entry],
    }
    return ChildPlan(run=True, key=key, partition=partition, name=name, input=document)


def summarize(
    plan: BackfillPlan, *, store: ObjectStore, staging_bucket: str, map_error: Mapping[str, Any] | None = None
) -> BackfillSummary:
    """Count the children's results (exported by the Map's ResultWriter) and store `summary.json`."""
    counts: Counter[str] = Counter()
    failures: list[dict[str, Any]] = []
    for key in store.keys(staging_bucket, f"{plan.results_prefix}/"):
        found = RESULT_FILE.search(key)
        if found is None:
            continue
        for record in strict_json.loads(store.read_bytes(staging_bucket, key)):
            if found.group(1) == "SUCCEEDED":
                counts[_child_status(record)] += 1
            else:
                counts["failed" if found.group(1) == "FAILED" else "pending"] += 1
                failures.append(_failure(record))
    counts["total"] = sum(counts.values())
    status: Literal["succeeded", "failed"] = "failed" if map_error else "succeeded"
    summary_key = f"{plan.results_prefix}/summary.json"
    summary = BackfillSummary(token=plan.token, status=status, counts=dict(sorted(counts.items())),
                              failures=tuple(failures[:MAX_LISTED_FAILURES]), results_prefix=plan.results_prefix,
                              summary_key=summary_key)
    store.write_json(staging_bucket, summary_key, {**summary.model_dump(), "map_error": map_error})
    return summary


def _child_status(record: Mapping[str, Any]) -> str:
    output = _json_field(record.get("Output"))
    if not isinstance(output, Mapping):
        return "unknown"
    if output.get("status") == "ran":
        return str(output.get("outcome") or "ran")  # published / skipped
    return str(output.get("status") or "unknown")  # not_selected / already_ran


def _failure(record: Mapping[str, Any]) -> dict[str, Any]:
    item = _json_field(record.get("Input"))
    listed = item.get("object") if isinstance(item, Mapping) else None
    key = listed.get("Key") if isinstance(listed, Mapping) else None
    cause = str(record.get("Cause") or "")
    return {"key": key, "error": record.get("Error"), "cause": cause[:500]}


def _json_field(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return strict_json.loads(value)
        except ValueError:  # InvalidJson
            return value
    return value
