"""Step 5: publish a run atomically, and the inverse used by compensation.

The commit protocol of a curated partition (`layout` shows the keys):

1. read the partition's `_SUCCESS` marker (with its ETag); if it already names this run, the run is
   published: nothing is written again (re-publishing the same run is a no-op);
   if it describes a *newer version of this run's source object* (`versions`: S3's sequencer, else the
   version's LastModified), the run is stale: it is `superseded`, a visible no-op - nothing is written,
   its staging and its uncommitted curated folder are removed, a warning and the `FilesSuperseded`
   metric name the newer version. An older (or unordered) version is replaced as usual, and the same
   version (equal version id or sequencer) is re-published;
2. copy the staged parts into the run's own folder `run=<run>/` (server-side copies);
3. write the run's `_manifest.json`: files, rows, the source (version, digest and ordering token:
   sequencer, LastModified), quality checks and the `previous` marker (what a rollback restores);
4. **commit**: write `_SUCCESS` naming this run, conditioned on the marker read in 1 (`If-Match`, or
   `If-None-Match: *` for a first publish). Readers go through the marker, so they see the previous
   complete version or this complete one, never a mix. If another run committed in between, the
   condition fails and the step raises `TransientError`: the retry starts again from 1 (where a newer
   version's commit makes this run `superseded`);
5. delete the run the previous version had replaced (the previous version itself is kept, so that
   readers of the previous marker can finish and a rollback has something to restore), then the
   run's staging.

`roll_back` undoes 2-4 for a run that fails later: if the marker names the run, it is restored to the
manifest's `previous` (or removed when there was none), again conditioned on the marker's ETag; then
the run's curated folder is deleted. Readers never see a marker pointing at deleted files.

Example:
    >>> publication = publish(job, reduction, quality, "2024-06-11T09:20:00Z", store=store,
    ...                       curated_bucket="curated", staging_bucket="staging")        # doctest: +SKIP
    >>> publication.status                                                               # doctest: +SKIP
    'published'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from sluice_runtime.datasets.jobs import Job, QualityReport, Reduction, SourceObject
from sluice_runtime.datasets.layout import RunLayout
from sluice_runtime.datasets.metrics import DatasetMetric, count, for_dataset
from sluice_runtime.datasets.storage import ObjectStore, PreconditionFailed, StoredJson
from sluice_runtime.datasets.versions import newer_publication
from sluice_runtime.errors import TransientError
from sluice_runtime.observability import logger


class Supersession(BaseModel):
    """The newer version that made a run stale, as the partition's marker describes it."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    run: str | None
    source: SourceObject


class Publication(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    status: Literal["published", "already_published", "superseded"]
    published_at: str
    marker: str
    manifest: str
    rows: int
    files: int
    previous_run: str | None
    removed_runs: tuple[str, ...] = ()
    superseded_by: Supersession | None = None  # set when `status` is `superseded`


class Rollback(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    rolled_back: bool  # the marker named this run and was restored (or removed)
    restored_run: str | None  # the run the marker names now (None: the partition has no marker)
    curated_removed: int  # objects of this run's curated folder deleted


def publish(
    job: Job,
    reduction: Reduction,
    quality: QualityReport,
    published_at: str,
    *,
    store: ObjectStore,
    curated_bucket: str,
    staging_bucket: str,
) -> Publication:
    """Publish the run's staged parts as the partition's current version (see the module docstring)."""
    layout = job.require_layout()
    current = store.read_json(curated_bucket, layout.success_marker)
    marker = _mapping(current)
    if marker.get("run") == job.run:
        manifest = _mapping(store.read_json(curated_bucket, layout.manifest))
        previous = _mapping(manifest.get("previous")).get("run")
        removed = _collect_garbage(layout, previous, store, curated_bucket, staging_bucket)
        return Publication(status="already_published", published_at=str(marker.get("published_at", published_at)),
                           marker=layout.success_marker, manifest=layout.manifest,
                           rows=int(marker.get("rows", 0)), files=int(marker.get("files", 0)),
                           previous_run=previous, removed_runs=removed)
    newer = newer_publication(job.source, marker, store.version_ids)
    if newer is not None:
        return _superseded(job, layout, marker, newer, attempted_at=published_at, store=store,
                           curated_bucket=curated_bucket, staging_bucket=staging_bucket)
    files = []
    for part in reduction.parts:
        key = layout.curated_part(part.index)
        store.copy(staging_bucket, part.key, curated_bucket, key)
        files.append({"key": key, "rows": part.rows, "bytes": part.bytes, "sha256": part.sha256})
    source = job.source.model_dump(include={"bucket", "key", "version_id", "sha256", "sequencer", "last_modified"}) \
        if job.source else None
    identity = {"dataset": job.dataset, "partition_name": job.partition_name, "partition": job.partition,
                "run": job.run, "pipeline": job.pipeline, "replay": job.replay, "published_at": published_at,
                "rows": reduction.rows, "source": source}
    store.write_json(curated_bucket, layout.manifest, {
        **identity,
        "files": files,
        "quality": [check.model_dump() for check in quality.checks],
        "previous": marker or None,
    })
    commit = {**identity, "manifest": layout.manifest, "files": len(files)}
    try:
        if current is None:
            store.write_json(curated_bucket, layout.success_marker, commit, if_absent=True)
        else:
            store.write_json(curated_bucket, layout.success_marker, commit, if_match=current.etag)
    except PreconditionFailed as exc:
        raise TransientError(f"{layout.curated_partition} was published by another run meanwhile ({exc}); "
                             "publishing again on top of it") from exc
    previous_run = marker.get("run") if marker else None
    logger.info("partition published", extra={"partition": layout.curated_partition, "run": job.run,
                                               "rows": reduction.rows, "previous_run": previous_run})
    removed = _collect_garbage(layout, previous_run, store, curated_bucket, staging_bucket)
    return Publication(status="published", published_at=published_at, marker=layout.success_marker,
                       manifest=layout.manifest,
                       rows=reduction.rows, files=len(files), previous_run=previous_run, removed_runs=removed)


def roll_back(layout: RunLayout, *, store: ObjectStore, curated_bucket: str) -> Rollback:
    """Take the run out of its curated partition, restoring the marker it replaced."""
    current = store.read_json(curated_bucket, layout.success_marker)
    marker = _mapping(current)
    rolled_back, restored = False, marker.get("run")
    if current is not None and marker.get("run") == layout.run:
        manifest = _mapping(store.read_json(curated_bucket, layout.manifest))
        previous = _mapping(manifest.get("previous"))
        try:
            if previous:
                store.write_json(curated_bucket, layout.success_marker, previous, if_match=current.etag)
            else:
                store.delete(curated_bucket, layout.success_marker, if_match=current.etag)
        except PreconditionFailed as exc:
            raise TransientError(f"{layout.success_marker} changed while rolling back run {layout.run}; "
                                 "rolling back again") from exc
        rolled_back, restored = True, previous.get("run")
        logger.warning("publication rolled back", extra={"partition": layout.curated_partition, "run": layout.run,
                                                         "restored_run": restored})
    removed = store.delete_prefix(curated_bucket, layout.curated_run_prefix)
    return Rollback(rolled_back=rolled_back, restored_run=restored if isinstance(restored, str) else None,
                    curated_removed=removed)


def _superseded(
    job: Job,
    layout: RunLayout,
    marker: Mapping[str, Any],
    newer: SourceObject,
    *,
    attempted_at: str,
    store: ObjectStore,
    curated_bucket: str,
    staging_bucket: str,
) -> Publication:
    """Leave the newer version current; remove what this stale run wrote; say so (log and metric)."""
    newer_run = marker.get("run") if isinstance(marker.get("run"), str) else None
    manifest = str(marker.get("manifest") or layout.manifest)
    # A lost race leaves this run's parts and manifest in its curated folder, uncommitted. The folder is
    # kept only if this run had committed before the newer one did (its `previous`, what a rollback of
    # the newer run restores); the newer run's own garbage collection removes it later.
    if _mapping(_mapping(store.read_json(curated_bucket, manifest)).get("previous")).get("run") != job.run:
        store.delete_prefix(curated_bucket, layout.curated_run_prefix)
    store.delete_prefix(staging_bucket, layout.staging_prefix)
    source = job.source
    if job.dataset:
        for_dataset(job.dataset)
    count(DatasetMetric.FILES_SUPERSEDED)
    logger.warning("stale version not published: a newer version of the object is current", extra={
        "partition": layout.curated_partition, "run": job.run,
        "version_id": source.version_id if source else None, "sequencer": source.sequencer if source else None,
        "newer_run": newer_run, "newer_version_id": newer.version_id, "newer_sequencer": newer.sequencer})
    return Publication(status="superseded", published_at=attempted_at, marker=layout.success_marker,
                       manifest=manifest, rows=0, files=0, previous_run=None,
                       superseded_by=Supersession(run=newer_run, source=newer))


def _collect_garbage(
    layout: RunLayout, previous_run: Any, store: ObjectStore, curated_bucket: str, staging_bucket: str
) -> tuple[str, ...]:
    """Delete the run that the previous version had replaced, then this run's staging.

    Only a *committed and twice superseded* run is deleted - never "every other folder": a run of the
    same partition that is still copying (and will commit, or fail and compensate) must not lose files.
    """
    removed: tuple[str, ...] = ()
    if isinstance(previous_run, str) and previous_run != layout.run:
        previous_manifest = _mapping(store.read_json(curated_bucket, layout.run_manifest(previous_run)))
        older = _mapping(previous_manifest.get("previous")).get("run")
        if isinstance(older, str) and older not in (layout.run, previous_run):
            store.delete_prefix(curated_bucket, replace(layout, run=older).curated_run_prefix)
            removed = (older,)
    store.delete_prefix(staging_bucket, layout.staging_prefix)
    return removed


def _mapping(value: StoredJson | Mapping[str, Any] | Any) -> Mapping[str, Any]:
    if isinstance(value, StoredJson):
        value = value.value
    return value if isinstance(value, Mapping) else {}
