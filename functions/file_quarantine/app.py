"""file_quarantine - failure path for data errors: copy the input next to a reason.json.

Input `{"job", "failure"}`; output `{location, input, reason}`. The raw object is never deleted.
See `sluice_runtime.datasets.setaside`.
"""

from __future__ import annotations

from typing import Any

from sluice_runtime.observability import instrument, logger


@instrument
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # The step's modules (boto3, pydantic models, the catalog) load on the first call, so the
    # init phase stays near `import boto3` (benchmarks/cold_start.py).
    from sluice_runtime.datasets import wiring  # noqa: PLC0415
    from sluice_runtime.datasets.jobs import Failure, Job, field  # noqa: PLC0415
    from sluice_runtime.datasets.setaside import quarantine_input  # noqa: PLC0415
    job = field(event, "job", Job, "file_quarantine")
    logger.set_correlation_id(job.run)
    failure = field(event, "failure", Failure, "file_quarantine")
    result = quarantine_input(job, failure, store=wiring.store(), quarantine_bucket=wiring.setting("QUARANTINE_BUCKET"))
    return result.model_dump(mode="json")
