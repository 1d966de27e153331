"""ingest - S3 "Object Created" events (via EventBridge, or classic notifications): route, dedupe, start.

Returns one outcome per object. Transient failures raise (Lambda's async retries, then the on-failure
destination); inputs that can never start are quarantined with a reason and the invocation succeeds.
"""

from __future__ import annotations

from typing import Any

from sluice_runtime import wiring
from sluice_runtime.errors import InvalidEvent
from sluice_runtime.observability import instrument, logger


@instrument
def handler(event: Any, context: Any) -> dict[str, Any]:
    # pydantic-based modules load on the first call, not at init (benchmarks/cold_start.py).
    from sluice_runtime.dispatcher import Outcome, clock_for, set_aside  # noqa: PLC0415
    from sluice_runtime.models import event_id, parse_s3_delivery  # noqa: PLC0415

    try:
        delivery = parse_s3_delivery(event)
    except InvalidEvent as error:
        outcomes = [set_aside(wiring.quarantine(), error, event, record_id=event_id(event))]
    else:
        if delivery.ignored:
            logger.info("ignored", extra={"event": delivery.ignored})
            outcomes = [Outcome(status="ignored", record_id=delivery.ignored)]
        else:
            dispatcher, clock = wiring.dispatcher(), clock_for(context)
            outcomes = [
                dispatcher.launch(obj, delivery.replay, clock, sink=wiring.quarantine(), payload=event)
                for obj in delivery.objects
            ]
    return {"outcomes": [outcome.model_dump(exclude_none=True) for outcome in outcomes]}
