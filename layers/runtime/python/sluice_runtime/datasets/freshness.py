"""The freshness monitor: is every dataset with an SLA still being published?

For each file dataset with `freshness.max_age_hours`, the newest curated partition (partition values
compared as text: ISO dates order correctly) is located and its `_SUCCESS` marker read. The dataset is

* `fresh` - the marker's `published_at` is within the SLA,
* `stale` - it is older, or
* `never_published` - there is no committed partition at all.

Only commits count: a pipeline whose executions all *succeed* but publish nothing (every file skipped,
or no file arrived) turns stale just the same. "Now" is the scheduled event's `time`, so a late or
replayed tick judges the moment it was scheduled for.

Every check emits `DatasetStale` (0/1) and `DatasetAgeMinutes` per dataset; when any dataset is stale
one SNS alert lists them.

Example:
    >>> report = check_freshness(now, catalog=catalog, store=store, curated_bucket="curated")  # doctest: +SKIP
    >>> [(d.dataset, d.status) for d in report]                                              # doctest: +SKIP
    [('orders', 'fresh'), ('page-views', 'stale')]
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict

from sluice_runtime.aws_errors import transient_errors
from sluice_runtime.datasets.catalog import Catalog, FileDataset
from sluice_runtime.datasets.metrics import DatasetMetric, per_dataset
from sluice_runtime.datasets.storage import ObjectStore, canonical
from sluice_runtime.observability import logger

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient

NEWEST_TRIED = 5  # partitions examined, newest first, before a dataset counts as never published


class DatasetFreshness(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    dataset: str
    status: Literal["fresh", "stale", "never_published"]
    max_age_hours: float
    newest_partition: str | None = None
    published_at: str | None = None
    age_hours: float | None = None

    @property
    def stale(self) -> bool:
        return self.status != "fresh"


def check_freshness(
    now: datetime, *, catalog: Catalog, store: ObjectStore, curated_bucket: str
) -> list[DatasetFreshness]:
    """Judge every dataset with a freshness SLA as of `now` (timezone-aware)."""
    report = []
    for dataset in catalog.file_datasets():
        if dataset.freshness is None:
            continue
        verdict = _judge(dataset, now, store, curated_bucket)
        per_dataset(dataset.name, DatasetMetric.DATASET_STALE, 1 if verdict.stale else 0)
        if verdict.age_hours is not None:
            per_dataset(dataset.name, DatasetMetric.DATASET_AGE, round(verdict.age_hours * 60, 1))
        report.append(verdict)
    return report


def _judge(dataset: FileDataset, now: datetime, store: ObjectStore, bucket: str) -> DatasetFreshness:
    assert dataset.freshness is not None
    limit = dataset.freshness.max_age_hours
    folder = f"{dataset.name}/{dataset.partition.name}="
    partitions = sorted((p for p in store.folders(bucket, f"{dataset.name}/") if p.startswith(folder)), reverse=True)
    for partition in partitions[:NEWEST_TRIED]:
        marker = store.read_json(bucket, f"{partition}_SUCCESS")
        value: Mapping[str, Any] = marker.value if marker and isinstance(marker.value, Mapping) else {}
        published = _moment(value.get("published_at"))
        if published is None:
            continue
        age = (now - published).total_seconds() / 3600
        return DatasetFreshness(dataset=dataset.name, status="fresh" if age <= limit else "stale", max_age_hours=limit,
                                newest_partition=partition[len(dataset.name) + 1 : -1],
                                published_at=published.isoformat(), age_hours=round(age, 3))
    return DatasetFreshness(dataset=dataset.name, status="never_published", max_age_hours=limit)


def alert_stale(report: list[DatasetFreshness], now: datetime, *, sns: SNSClient, topic_arn: str) -> bool:
    """Publish one alert listing the stale datasets; False when there is nothing to say."""
    stale = [verdict for verdict in report if verdict.stale]
    if not stale:
        return False
    names = ", ".join(verdict.dataset for verdict in stale)
    logger.warning(f"stale datasets: {names}", extra={"stale": [verdict.model_dump() for verdict in stale]})
    message = {"alert": "stale_datasets", "checked_at": now.isoformat(),
               "stale": [verdict.model_dump() for verdict in stale]}
    with transient_errors("SNS Publish (freshness alert)"):
        sns.publish(TopicArn=topic_arn, Subject=f"sluice: {len(stale)} stale dataset(s)"[:100],
                    Message=canonical(message))
    return True


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
