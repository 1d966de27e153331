"""Quarantine of a rejected input: a copy of the raw object plus a `reason.json`, the raw object untouched.

    s3://<quarantine>/datasets/<dataset>/<p>=<value>/run=<run>/<file name>    (server-side copy)
    s3://<quarantine>/datasets/<dataset>/<p>=<value>/run=<run>/reason.json

Inputs that no dataset claims go under `datasets/_unmatched/run=<run>/`. The keys depend on the run only,
and `reason.json` holds no wall-clock time, so a retried quarantine rewrites identical objects. The raw
object is never deleted or modified: it stays where it landed, for a replay once the cause is fixed.

Example:
    >>> quarantine_input(job, failure, store=store, quarantine_bucket="quarantine")   # doctest: +SKIP
    Quarantined(location='s3://quarantine/datasets/orders/dt=2024-06-11/run=raw-objects-3f2a/',
                input='datasets/orders/dt=2024-06-11/run=raw-objects-3f2a/orders.csv',
                reason='datasets/orders/dt=2024-06-11/run=raw-objects-3f2a/reason.json')
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from sluice_runtime.datasets.jobs import Failure, Job
from sluice_runtime.datasets.layout import quarantine_prefix, safe_file_name
from sluice_runtime.datasets.storage import ObjectStore, PreconditionFailed
from sluice_runtime.observability import logger


class Quarantined(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    location: str
    input: str | None  # None when the rejected content no longer exists (only the reason is written)
    reason: str


def quarantine_input(job: Job, failure: Failure, *, store: ObjectStore, quarantine_bucket: str) -> Quarantined:
    """Copy the input next to a `reason.json` explaining why it was rejected."""
    prefix = quarantine_prefix(job.dataset, job.partition_name, job.partition, job.run)
    source = job.source
    copied: str | None = None
    head = store.head(source.bucket, source.key, source.version_id) if source is not None else None
    if source is not None and head is not None:
        # In an unversioned bucket the key may hold newer content by now: copy only what was rejected
        # (the ETag check here, and CopySourceIfMatch against a change in between).
        expected = source.etag if source.version_id == "null" else None
        try:
            if expected is not None and str(head.get("ETag", "")).strip('"') != expected:
                raise PreconditionFailed(f"{source.uri} now holds other content")
            store.copy(source.bucket, source.key, quarantine_bucket, prefix + safe_file_name(source.key),
                       source_version=source.version_id, source_if_match=expected)
            copied = prefix + safe_file_name(source.key)
        except PreconditionFailed:
            logger.warning("the rejected content was overwritten before it could be quarantined",
                           extra={"source": source.uri})
    reason_key = prefix + "reason.json"
    store.write_json(quarantine_bucket, reason_key, {
        "run": job.run,
        "pipeline": job.pipeline,
        "dataset": job.dataset,
        "partition": {"name": job.partition_name, "value": job.partition} if job.partition else None,
        "source": source.model_dump() if source else None,
        "kind": failure.kind,
        "stage": failure.stage,
        "reason": failure.reason.model_dump(),
        "quarantined_copy": copied,
        "raw_object": source.uri if source else None,  # left in place, untouched
        "replay": job.replay,
    })
    location = f"s3://{quarantine_bucket}/{prefix}"
    logger.error(f"input quarantined ({failure.reason.code}): {failure.reason.message}",
                 extra={"run": job.run, "dataset": job.dataset, "location": location,
                        "source": source.uri if source else None})
    return Quarantined(location=location, input=copied, reason=reason_key)
