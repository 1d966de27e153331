"""Compensation: a failed run leaves no trace - its staging is removed and any publication rolled back.

Runs on every failure path after the run may have written something (chunks staged, a partition
published). Idempotent: each action is "delete what is under the run's own prefix" or a conditional
rollback of the marker (`publish.roll_back`), so a retried compensation finds less to do and does it.
A job whose dataset or partition was never determined wrote nothing, and nothing is done.

Example:
    >>> compensate(job, store=store, staging_bucket="staging", curated_bucket="curated")   # doctest: +SKIP
    Compensation(staging_removed=3, rolled_back=True, restored_run='raw-objects-1b2c', curated_removed=4)
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from sluice_runtime.datasets.jobs import Job
from sluice_runtime.datasets.publish import roll_back
from sluice_runtime.datasets.storage import ObjectStore
from sluice_runtime.observability import logger


class Compensation(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    staging_removed: int
    rolled_back: bool
    restored_run: str | None
    curated_removed: int


def compensate(job: Job, *, store: ObjectStore, staging_bucket: str, curated_bucket: str) -> Compensation:
    """Remove the run's staging outputs and take it out of its curated partition."""
    layout = job.layout()
    if layout is None:
        return Compensation(staging_removed=0, rolled_back=False, restored_run=None, curated_removed=0)
    staging_removed = store.delete_prefix(staging_bucket, layout.staging_prefix)
    rollback = roll_back(layout, store=store, curated_bucket=curated_bucket)
    result = Compensation(staging_removed=staging_removed, **rollback.model_dump())
    logger.info("run compensated", extra={"run": job.run, **result.model_dump()})
    return result
