"""stream_sink - the stream-batch pipeline's task: validate, enrich and conditionally write each record.

Input `{"input": <the execution input>, "execution": <execution name>}`; output the `BatchResult` with one
outcome per record (written / duplicate / rejected / conflict). See `sluice_runtime.datasets.stream_sink`.
"""

from __future__ import annotations

from typing import Any

from sluice_runtime.datasets.errors import StepInputError
from sluice_runtime.observability import instrument, logger


@instrument
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # The step's modules (boto3, pydantic models, the catalog) load on the first call, so the
    # init phase stays near `import boto3` (benchmarks/cold_start.py).
    from sluice_runtime import clients  # noqa: PLC0415
    from sluice_runtime.datasets import wiring  # noqa: PLC0415
    from sluice_runtime.datasets.jobs import text  # noqa: PLC0415
    from sluice_runtime.datasets.stream_sink import Sink, sink_batch  # noqa: PLC0415
    execution = text(event, "execution", "stream_sink")
    logger.set_correlation_id(execution)
    document = event.get("input")
    if not isinstance(document, dict):
        raise StepInputError("stream_sink: 'input' must be the execution input object")
    # Cheap to build: the clients inside are cached per execution environment.
    sink = Sink(wiring.setting("STREAM_SINK_TABLE"), clients.dynamodb(), wiring.store(),
                wiring.setting("STAGING_BUCKET"), wiring.setting("QUARANTINE_BUCKET"))
    return sink_batch(document, execution=execution, sink=sink, catalog=wiring.catalog()).model_dump(mode="json")
