"""file_notify - file pipeline step 6 (success): metrics for a published or skipped run; its summary.

Input `{"outcome": "published" | "skipped", "job", "rows"?, "published_at"?}`; output the `RunSummary`.
Failures are alerted by the state machine (SNS). See `sluice_runtime.datasets.notify`.
"""

from __future__ import annotations

from typing import Any

from sluice_runtime.datasets.errors import StepInputError
from sluice_runtime.observability import instrument, logger


@instrument
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # The step's modules (boto3, pydantic models, the catalog) load on the first call, so the
    # init phase stays near `import boto3` (benchmarks/cold_start.py).
    from sluice_runtime.datasets.jobs import Job, field  # noqa: PLC0415
    from sluice_runtime.datasets.notify import record_success  # noqa: PLC0415
    job = field(event, "job", Job, "file_notify")
    logger.set_correlation_id(job.run)
    outcome = event.get("outcome")
    if outcome not in ("published", "skipped"):
        raise StepInputError(f"file_notify: 'outcome' must be published or skipped, got {outcome!r}")
    rows = event.get("rows")
    published_at = event.get("published_at")
    summary = record_success(outcome, job, rows=rows if isinstance(rows, int) else 0,
                             published_at=published_at if isinstance(published_at, str) else None)
    return summary.model_dump(mode="json")
