"""router - custom EventBridge events (e.g. an upstream `dataset.ready`): route, dedupe, start.

Transient failures raise (Lambda's async retries, then the on-failure destination); events that can
never start (malformed, unknown route, conflicting content) are quarantined with a reason.
"""

from __future__ import annotations

from typing import Any

from sluice_runtime import wiring
from sluice_runtime.errors import InvalidEvent
from sluice_runtime.observability import instrument


@instrument
def handler(event: Any, context: Any) -> dict[str, Any]:
    # pydantic-based modules load on the first call, not at init (benchmarks/cold_start.py).
    from sluice_runtime.dispatcher import clock_for, set_aside  # noqa: PLC0415
    from sluice_runtime.models import event_id, parse_custom_delivery  # noqa: PLC0415

    try:
        custom, replay = parse_custom_delivery(event)
    except InvalidEvent as error:
        outcome = set_aside(wiring.quarantine(), error, event, record_id=event_id(event))
    else:
        outcome = wiring.dispatcher().launch(
            custom, replay, clock_for(context), sink=wiring.quarantine(), payload=event
        )
    return {"outcomes": [outcome.model_dump(exclude_none=True)]}
