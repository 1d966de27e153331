"""file_compensate - failure path: remove the run's staging outputs and roll back its publication.

Input `{"job"}`; output the `Compensation`. Idempotent. See `sluice_runtime.datasets.compensate`.
"""

from __future__ import annotations

from typing import Any

from sluice_runtime.observability import instrument, logger


@instrument
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # The step's modules (boto3, pydantic models, the catalog) load on the first call, so the
    # init phase stays near `import boto3` (benchmarks/cold_start.py).
    from sluice_runtime.datasets import wiring  # noqa: PLC0415
    from sluice_runtime.datasets.compensate import compensate  # noqa: PLC0415
    from sluice_runtime.datasets.jobs import Job, field  # noqa: PLC0415
    job = field(event, "job", Job, "file_compensate")
    logger.set_correlation_id(job.run)
    result = compensate(job, store=wiring.store(), staging_bucket=wiring.setting("STAGING_BUCKET"),
                        curated_bucket=wiring.setting("CURATED_BUCKET"))
    return result.model_dump(mode="json")
