"""Fresh definitions and templates the commands have never seen, written to a temporary directory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:work"
TRANSIENT = ["Lambda.ServiceException", "Lambda.TooManyRequestsException"]
GOOD_RETRY = {"ErrorEquals": TRANSIENT, "IntervalSeconds": 1, "BackoffRate": 2.0, "MaxAttempts": 3,
              "MaxDelaySeconds": 10, "JitterStrategy": "FULL"}


def task(**fields: Any) -> dict[str, Any]:
    """A well-behaved Lambda Task; override or add fields."""
    body: dict[str, Any] = {"Type": "Task", "Resource": LAMBDA, "TimeoutSeconds": 30, "Retry": [GOOD_RETRY],
                            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Failed"}], "End": True}
    body.update(fields)
    return {key: value for key, value in body.items() if value is not None}


def machine(states: dict[str, Any], start: str | None = None, **top: Any) -> dict[str, Any]:
    """A definition, with a `Failed` Fail state when a catcher goes there."""
    failed = {"Failed": {"Type": "Fail", "Error": "Broken"}} if '"Next": "Failed"' in json.dumps(states) else {}
    return {"StartAt": start or next(iter(states)), **top, "States": {**states, **failed}}


def write(directory: Path, definition: dict[str, Any], name: str = "fresh.asl.json") -> Path:
    path = directory / name
    path.write_text(json.dumps(definition), encoding="utf-8")
    return path
