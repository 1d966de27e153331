"""Builders shared by the integration tests."""

from __future__ import annotations

from typing import Any


def task(resource: str, parameters: Any = None, **fields: Any) -> dict[str, Any]:
    """A one-state definition running one Task (`resource` without `arn:aws:states:::`)."""
    state: dict[str, Any] = {"Type": "Task", "Resource": f"arn:aws:states:::{resource}", "End": True}
    if parameters is not None:
        state["Parameters"] = parameters
    return {"StartAt": "Call", "States": {"Call": state | fields}}


def events_of(execution: Any, event_type: str) -> list[dict[str, Any]]:
    """The rendered history events of one type."""
    return [event for event in execution.history if event["type"] == event_type]
