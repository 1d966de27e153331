"""file_publish - file pipeline step 5: publish the run atomically (`_SUCCESS` committed last).

Input `{"job", "staged", "quality", "published_at"}`; output the `Publication`. Re-publishing the same run
is a no-op; a run whose source is older than the version the partition holds is `superseded` (a visible
no-op the state machine ends in its `Superseded` state). See `sluice_runtime.datasets.publish`.
"""

from __future__ import annotations

from typing import Any

from sluice_runtime.observability import instrument, logger


@instrument
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # The step's modules (boto3, pydantic models, the catalog) load on the first call, so the
    # init phase stays near `import boto3` (benchmarks/cold_start.py).
    from sluice_runtime.datasets import wiring  # noqa: PLC0415
    from sluice_runtime.datasets.jobs import Job, QualityReport, Reduction, field, text  # noqa: PLC0415
    from sluice_runtime.datasets.publish import publish  # noqa: PLC0415
    job = field(event, "job", Job, "file_publish")
    logger.set_correlation_id(job.run)
    publication = publish(
        job,
        field(event, "staged", Reduction, "file_publish"),
        field(event, "quality", QualityReport, "file_publish"),
        text(event, "published_at", "file_publish"),
        store=wiring.store(),
        curated_bucket=wiring.setting("CURATED_BUCKET"),
        staging_bucket=wiring.setting("STAGING_BUCKET"),
    )
    return publication.model_dump(mode="json")
