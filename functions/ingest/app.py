"""ingest - S3 "Object Created" events (via EventBridge, or classic notifications): route, dedupe, start.

Returns one outcome per object. Transient failures raise (Lambda's async retries, then the on-failure
destination); inputs that can never start are quarantined with a reason and the invocation succeeds.
An event key with more than one possible reading is first resolved to the object that exists
(`object_keys`), or quarantined as `object_not_found`.
"""

from __future__ import annotations

from typing import Any

from sluice_runtime import clients, wiring
from sluice_runtime.errors import InvalidEvent, ObjectNotFound
from sluice_runtime.observability import instrument, logger


@instrument
def handler(event: Any, context: Any) -> dict[str, Any]:
    # pydantic-based modules load on the first call, not at init (benchmarks/cold_start.py).
    from sluice_runtime.dispatcher import Outcome, clock_for, set_aside  # noqa: PLC0415
    from sluice_runtime.models import S3Object, event_id, parse_s3_delivery  # noqa: PLC0415
    from sluice_runtime.object_keys import ObjectLocator  # noqa: PLC0415

    try:
        delivery = parse_s3_delivery(event)
    except InvalidEvent as error:
        outcomes = [set_aside(wiring.quarantine(), error, event, record_id=event_id(event))]
    else:
        if delivery.ignored:
            logger.info("ignored", extra={"event": delivery.ignored})
            outcomes = [Outcome(status="ignored", record_id=delivery.ignored)]
        else:
            dispatcher, clock, locator = wiring.dispatcher(), clock_for(context), ObjectLocator(clients.s3())

            def launch(obj: S3Object) -> Outcome:
                try:
                    located = locator.locate(obj)
                except ObjectNotFound as error:
                    return set_aside(wiring.quarantine(), error, event, record_id=obj.record_id)
                return dispatcher.launch(located, delivery.replay, clock, sink=wiring.quarantine(), payload=event)

            outcomes = [launch(obj) for obj in delivery.objects]
    return {"outcomes": [outcome.model_dump(exclude_none=True) for outcome in outcomes]}
