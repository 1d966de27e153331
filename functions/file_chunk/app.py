"""file_chunk - file pipeline step 3 (one Map item): validate one chunk's rows and stage them.

Input `{"job", "chunk"}`; output `{"status": "staged", index, key, rows, bytes, sha256}`. Rows that break
the schema raise `DataError` (not retried; the Map's item Catch reports the chunk as failed).
See `sluice_runtime.datasets.transform`.
"""

from __future__ import annotations

from typing import Any

from sluice_runtime.observability import instrument, logger


@instrument
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # The step's modules (boto3, pydantic models, the catalog) load on the first call, so the
    # init phase stays near `import boto3` (benchmarks/cold_start.py).
    from sluice_runtime.datasets import wiring  # noqa: PLC0415
    from sluice_runtime.datasets.jobs import ChunkSpec, Job, field  # noqa: PLC0415
    from sluice_runtime.datasets.transform import stage_chunk  # noqa: PLC0415
    job = field(event, "job", Job, "file_chunk")
    chunk = field(event, "chunk", ChunkSpec, "file_chunk")
    logger.set_correlation_id(job.run)
    dataset = wiring.catalog().file_dataset(job.dataset)
    part = stage_chunk(job, chunk, dataset, store=wiring.store(), staging_bucket=wiring.setting("STAGING_BUCKET"))
    return {"status": "staged", **part.model_dump(mode="json")}
