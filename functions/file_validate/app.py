"""file_validate - file pipeline step 1: validate the input and plan its chunks.

Input `{"input": <the execution input>, "execution": <execution name>}`; output the `Validation`
(`{verdict, job, plan, reason}`) the state machine's Choice routes on. See `sluice_runtime.datasets.validate`.
"""

from __future__ import annotations

from typing import Any

from sluice_runtime.observability import instrument, logger


@instrument
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # The step's modules (boto3, pydantic models, the catalog) load on the first call, so the
    # init phase stays near `import boto3` (benchmarks/cold_start.py).
    from sluice_runtime.datasets import wiring  # noqa: PLC0415
    from sluice_runtime.datasets.jobs import text  # noqa: PLC0415
    from sluice_runtime.datasets.validate import validate  # noqa: PLC0415
    execution = text(event, "execution", "file_validate")
    logger.set_correlation_id(execution)
    validation = validate(event.get("input"), run=execution, store=wiring.store(), catalog=wiring.catalog(),
                          curated_bucket=wiring.setting("CURATED_BUCKET"))
    logger.info(f"verdict: {validation.verdict}", extra={"reason": validation.reason})
    return validation.model_dump(mode="json")
