"""Step 6 (success): metrics for a published or skipped run, and the run's summary.

Failures are announced by the state machine itself (an SNS publish with the reason and the object), so
this step only runs on the two successful endings: `published` counts the file, its rows and the lag
from the object's arrival to the commit; `skipped` counts a file that needed no work.

Example:
    >>> record_success("published", job, rows=1200, published_at="2024-06-11T09:20:00Z")   # doctest: +SKIP
    RunSummary(status='published', dataset='orders', partition_name='dt', partition='2024-06-11',
               run='raw-objects-3f2a', rows=1200)
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from sluice_runtime.datasets.jobs import Job
from sluice_runtime.datasets.metrics import DatasetMetric, count, for_dataset
from sluice_runtime.observability import logger


class RunSummary(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    status: Literal["published", "skipped"]
    dataset: str | None
    partition_name: str | None
    partition: str | None
    run: str
    rows: int


def record_success(
    status: Literal["published", "skipped"], job: Job, *, rows: int = 0, published_at: str | None = None
) -> RunSummary:
    """Count the outcome of a successful run and describe it."""
    if job.dataset:
        for_dataset(job.dataset)
    if status == "published":
        count(DatasetMetric.FILES_PUBLISHED)
        count(DatasetMetric.ROWS_PUBLISHED, rows)
        lag = _seconds_between(job.source.last_modified if job.source else None, published_at)
        if lag is not None:
            count(DatasetMetric.PUBLISH_LAG, lag)
    else:
        count(DatasetMetric.FILES_SKIPPED)
    summary = RunSummary(status=status, dataset=job.dataset, partition_name=job.partition_name,
                         partition=job.partition, run=job.run, rows=rows)
    logger.info(f"run {status}", extra=summary.model_dump())
    return summary


def _seconds_between(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    try:
        delta = datetime.fromisoformat(end) - datetime.fromisoformat(start)
    except (TypeError, ValueError):
        return None
    return max(delta.total_seconds(), 0.0)
