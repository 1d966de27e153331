"""Dataset-level CloudWatch metrics (EMF, through Powertools), with a `dataset` dimension.

One invocation of a pipeline step concerns one dataset, so `for_dataset` sets the dimension on the
invocation's metric set (flushed by `observability.instrument`). The freshness monitor reports several
datasets in one invocation and uses `per_dataset`, one metric document per dataset.

Example:
    >>> for_dataset("orders")
    >>> count(DatasetMetric.FILES_PUBLISHED)
"""

from __future__ import annotations

from enum import StrEnum

from aws_lambda_powertools.metrics import MetricUnit, single_metric

from sluice_runtime.observability import metrics


class DatasetMetric(StrEnum):
    FILES_PUBLISHED = "FilesPublished"
    ROWS_PUBLISHED = "RowsPublished"
    FILES_SKIPPED = "FilesSkipped"
    FILES_SUPERSEDED = "FilesSuperseded"  # a stale version's run that a newer version's publication made a no-op
    PUBLISH_LAG = "PublishLagSeconds"  # from the object's LastModified to the commit
    DATASET_STALE = "DatasetStale"  # 1 stale, 0 fresh: alarm on Maximum >= 1
    DATASET_AGE = "DatasetAgeMinutes"
    STREAM_RECORDS_WRITTEN = "StreamRecordsWritten"
    STREAM_DUPLICATES = "StreamDuplicates"
    STREAM_RECORDS_REJECTED = "StreamRecordsRejected"


_UNITS = {DatasetMetric.PUBLISH_LAG: MetricUnit.Seconds, DatasetMetric.DATASET_AGE: MetricUnit.Count}


def for_dataset(dataset: str) -> None:
    """Every metric of this invocation carries `dataset=<dataset>`."""
    metrics.add_dimension(name="dataset", value=dataset)


def count(metric: DatasetMetric, value: float = 1) -> None:
    metrics.add_metric(name=metric.value, unit=_UNITS.get(metric, MetricUnit.Count), value=value)


def per_dataset(dataset: str, metric: DatasetMetric, value: float) -> None:
    """Emit one metric for one dataset right away (several datasets in one invocation)."""
    with single_metric(name=metric.value, unit=_UNITS.get(metric, MetricUnit.Count), value=value,
                       namespace=metrics.namespace) as single:
        single.add_dimension(name="dataset", value=dataset)
