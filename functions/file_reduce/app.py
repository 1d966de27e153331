"""file_reduce - file pipeline step 3 (after the Map): decide complete / invalid / failed.

Input `{"job", "plan", "chunks"}` (`chunks`: the Map's results); output `{"job", "staged": <Reduction>}` -
the whole new state, so the plan and the per-chunk results leave the execution state here (they
count against its 256 KiB). See `sluice_runtime.datasets.reduce`.
"""

from __future__ import annotations

from typing import Any

from sluice_runtime.datasets.errors import StepInputError
from sluice_runtime.observability import instrument, logger


@instrument
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # The step's modules (boto3, pydantic models, the catalog) load on the first call, so the
    # init phase stays near `import boto3` (benchmarks/cold_start.py).
    from sluice_runtime.datasets.jobs import Job, Plan, field  # noqa: PLC0415
    from sluice_runtime.datasets.reduce import reduce_chunks  # noqa: PLC0415
    job = field(event, "job", Job, "file_reduce")
    logger.set_correlation_id(job.run)
    plan = field(event, "plan", Plan, "file_reduce")
    chunks = event.get("chunks")
    if not isinstance(chunks, list):
        raise StepInputError("file_reduce: 'chunks' must be the Map's list of results")
    reduction = reduce_chunks(plan, chunks)
    logger.info(f"chunks reduced: {reduction.decision}", extra={"rows": reduction.rows, "reason": reduction.reason})
    return {"job": job.model_dump(mode="json"), "staged": reduction.model_dump(mode="json")}
