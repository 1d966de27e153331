"""file_compensate - failure path: remove the run's staging outputs and roll back its publication.

Input `{"job"}`; output the `Compensation`. Idempotent. See `sluice_runtime.datasets.compensate`.
"""

from __future__ import annotations

from typing import Any

from sluice_runtime.datasets import wiring
from sluice_runtime.datasets.compensate import compensate
from sluice_runtime.datasets.jobs import Job, field
from sluice_runtime.observability import instrument, logger


@instrument
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    job = field(event, "job", Job, "file_compensate")
    logger.set_correlation_id(job.run)
    result = compensate(job, store=wiring.store(), staging_bucket=wiring.setting("STAGING_BUCKET"),
                        curated_bucket=wiring.setting("CURATED_BUCKET"))
    return result.model_dump(mode="json")
