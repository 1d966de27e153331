"""Every sample in events/ is a valid input for the function its name starts with.

`events/<function>-<case>.json` are meant for `sam local invoke -e` and `sluice invoke -e`; each one
must be handled without an error response, whatever its case (quarantined cases included).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .moto_stack import ROOT, Calls, Invoke, Stack

FUNCTIONS = {"ingest", "router", "stream", "ordered"}
# events/ also holds the pipelines' task-function samples (file_*, stream_sink-*, …): only these four here.
SAMPLES = sorted(path for path in (ROOT / "events").glob("*.json") if path.stem.split("-", 1)[0] in FUNCTIONS)


def succeeded(request: dict[str, Any]) -> dict[str, Any]:
    """StartSyncExecution, which moto lacks: every run succeeds."""
    arn = request["stateMachineArn"].replace(":stateMachine:", ":express:") + f":{request['name']}:1"
    return {"executionArn": arn, "status": "SUCCEEDED", "output": "{}"}


def test_samples_exist_for_every_function() -> None:
    assert {path.stem.split("-", 1)[0] for path in SAMPLES} == FUNCTIONS


@pytest.mark.parametrize("path", SAMPLES, ids=lambda path: path.stem)
def test_every_sample_is_handled(aws: Stack, invoke: Invoke, calls: Calls, path: Path) -> None:
    calls.respond("states.StartSyncExecution", succeeded)
    result = invoke(path.stem.split("-", 1)[0], json.loads(path.read_text(encoding="utf-8")))
    if "batchItemFailures" in result:
        assert result == {"batchItemFailures": []}
    else:
        assert {o["status"] for o in result["outcomes"]} <= {"started", "set_aside", "ignored"}
