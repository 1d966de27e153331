"""backfill - the backfill state machine's task: `plan` the request, `prepare` one child, `summarize`.

* `{"action": "plan", "request": <execution input>, "execution": <name>}` -> the validated `BackfillPlan`;
* `{"action": "prepare", "object": <listObjectsV2 item>, "plan": {...}}` -> `ChildPlan` (run it? its
  replay name and input);
* `{"action": "summarize", "plan": {...}, "error"?: {...}}` -> `BackfillSummary` (also stored as summary.json).

See `sluice_runtime.datasets.backfill`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sluice_runtime.datasets.errors import StepInputError
from sluice_runtime.observability import instrument

ACTIONS = ("plan", "prepare", "summarize")


@instrument
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # The step's modules (boto3, pydantic models, the catalog) load on the first call, so the
    # init phase stays near `import boto3` (benchmarks/cold_start.py).
    from sluice_runtime.datasets import wiring  # noqa: PLC0415
    from sluice_runtime.datasets.backfill import BackfillPlan, plan_backfill, prepare_child, summarize  # noqa: PLC0415
    from sluice_runtime.datasets.jobs import field, text  # noqa: PLC0415
    from sluice_runtime.registry import load_registry  # noqa: PLC0415

    # Any JSON can be invoked with: what is not this step's input is a classified StepInputError.
    action = event.get("action") if isinstance(event, Mapping) else None
    if action not in ACTIONS:
        raise StepInputError(f"backfill: the input needs an 'action' of {', '.join(ACTIONS)}, got {action!r:.60}")
    if action == "plan":
        plan = plan_backfill(event.get("request"), execution=text(event, "execution", "backfill plan"),
                             default_bucket=wiring.setting("RAW_BUCKET"))
        return plan.model_dump(mode="json", by_alias=True)
    plan = field(event, "plan", BackfillPlan, f"backfill {action}")
    if action == "prepare":
        listed = event.get("object")
        if not isinstance(listed, dict):
            raise StepInputError("backfill prepare: 'object' must be an item of the S3 listing")
        child = prepare_child(listed, plan, registry=load_registry(), catalog=wiring.catalog(), store=wiring.store(),
                              file_pipeline_arn=wiring.setting("FILE_PIPELINE_ARN"))
        return child.model_dump(mode="json")
    error = event.get("error")
    result = summarize(plan, store=wiring.store(), staging_bucket=wiring.setting("STAGING_BUCKET"),
                       map_error=error if isinstance(error, dict) else None)
    return result.model_dump(mode="json")
