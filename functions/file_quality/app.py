"""file_quality - file pipeline step 4: the data-quality gate on the staged output.

Input `{"job", "staged"}`; output the `QualityReport` (`passed: false` routes to quarantine).
See `sluice_runtime.datasets.quality`.
"""

from __future__ import annotations

from typing import Any

from sluice_runtime.observability import instrument, logger


@instrument
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # The step's modules (boto3, pydantic models, the catalog) load on the first call, so the
    # init phase stays near `import boto3` (benchmarks/cold_start.py).
    from sluice_runtime.datasets import wiring  # noqa: PLC0415
    from sluice_runtime.datasets.jobs import Job, Reduction, field  # noqa: PLC0415
    from sluice_runtime.datasets.quality import check_quality  # noqa: PLC0415
    job = field(event, "job", Job, "file_quality")
    staged = field(event, "staged", Reduction, "file_quality")
    logger.set_correlation_id(job.run)
    dataset = wiring.catalog().file_dataset(job.dataset)
    report = check_quality(staged, dataset, store=wiring.store(), staging_bucket=wiring.setting("STAGING_BUCKET"))
    return report.model_dump(mode="json")
