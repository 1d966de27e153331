"""freshness - scheduled: alert (metric + SNS) when a dataset's newest publication is older than its SLA.

Triggered by an EventBridge schedule; "now" is the scheduled event's `time`. Returns the per-dataset
report. See `sluice_runtime.datasets.freshness`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sluice_runtime.datasets.errors import StepInputError
from sluice_runtime.observability import instrument


def scheduled_time(event: dict[str, Any]) -> datetime:
    """The tick's scheduled time (EventBridge `time`), or now for a manual invocation without one."""
    if not isinstance(event, Mapping):
        raise StepInputError(f"freshness: the input must be a JSON object (a scheduled event), "
                             f"not {type(event).__name__}")
    value = event.get("time")
    if value is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise StepInputError(f"freshness: 'time' is not an ISO 8601 timestamp: {value!r}") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@instrument
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # The step's modules (boto3, pydantic models, the catalog) load on the first call, so the
    # init phase stays near `import boto3` (benchmarks/cold_start.py).
    from sluice_runtime import clients  # noqa: PLC0415
    from sluice_runtime.datasets import wiring  # noqa: PLC0415
    from sluice_runtime.datasets.freshness import alert_stale, check_freshness  # noqa: PLC0415
    now = scheduled_time(event)
    report = check_freshness(now, catalog=wiring.catalog(), store=wiring.store(),
                             curated_bucket=wiring.setting("CURATED_BUCKET"))
    alerted = alert_stale(report, now, sns=clients.sns(), topic_arn=wiring.setting("ALERTS_TOPIC_ARN"))
    return {"checked_at": now.isoformat(), "alerted": alerted, "datasets": [d.model_dump() for d in report]}
