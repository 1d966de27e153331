"""Fixtures for the execution report: a definition the report has never seen (Map, Parallel, Catch,
Retry and a nested `.sync` workflow) with the functions it calls, and headless Chromium (Debian's
`chromium`, installed by `make test`) to look at what a page renders."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from sluice.asl import Engine
from sluice.asl.integrations import ServiceIntegrations

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:"
CHILD_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:child"
# A cause with markup in it: the page must show it as text, never run it.
HOSTILE = "bad <script>alert(1)</script> <img src=https://evil.example/x.png> row"

CHILD = {
    "Comment": "A nested workflow that fails: its parent catches the failure.",
    "StartAt": "Check",
    "States": {"Check": {"Type": "Task", "Resource": f"{LAMBDA}bad", "End": True}},
}
UNSEEN = {
    "Comment": "Map + Parallel + Catch + Retry + a nested .sync workflow.",
    "StartAt": "Fan",
    "States": {
        "Fan": {
            "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 2, "ResultPath": "$.mapped", "Next": "Both",
            "ItemProcessor": {"StartAt": "Work", "States": {"Work": {
                "Type": "Task", "Resource": f"{LAMBDA}flaky", "End": True,
                "Retry": [{"ErrorEquals": ["RuntimeError"], "MaxAttempts": 3, "IntervalSeconds": 2}]}}},
        },
        "Both": {
            "Type": "Parallel", "Next": "Nested", "ResultPath": "$.both",
            "Branches": [
                {"StartAt": "Left", "States": {"Left": {"Type": "Pass", "End": True}}},
                {"StartAt": "Right", "States": {"Right": {"Type": "Task", "Resource": f"{LAMBDA}bad", "End": True}}},
            ],
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Nested"}],
        },
        "Nested": {
            "Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2",
            "Arguments": {"StateMachineArn": CHILD_ARN, "Input": {"from": "parent"}},
            "QueryLanguage": "JSONata", "Next": "Verdict",
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Verdict"}],
        },
        "Verdict": {"Type": "Choice", "Default": "Gave up",
                    "Choices": [{"Variable": "$.never", "IsPresent": True, "Next": "Done"}]},
        "Done": {"Type": "Succeed"},
        "Gave up": {"Type": "Fail", "Error": "Demo.GaveUp", "Cause": "the nested workflow failed"},
    },
}


def unseen_functions() -> dict[str, Callable[[Any, Any], Any]]:
    """`flaky` fails twice per item before it succeeds; `bad` always fails with a hostile message."""
    failures: dict[str, int] = {}

    def flaky(event: Any, context: Any) -> Any:
        failures[repr(event)] = failures.get(repr(event), 0) + 1
        if failures[repr(event)] <= 2:
            raise RuntimeError(f"transient failure {failures[repr(event)]} for item {event}")
        return {"done": event}

    def bad(event: Any, context: Any) -> Any:
        raise ValueError(HOSTILE)

    return {"flaky": flaky, "bad": bad}


@pytest.fixture
def bare_engine() -> Iterator[Engine]:
    """An engine with the unseen definition's functions and nested executions, no state machine yet."""
    with Engine(functions=unseen_functions(), integrations=ServiceIntegrations(), seed=1) as engine:
        yield engine


@pytest.fixture
def unseen_engine(bare_engine: Engine) -> Engine:
    bare_engine.create_state_machine("child", CHILD)
    return bare_engine


class Chromium:
    """Headless Chromium, offline: no background networking, updates, sync or first-run requests."""

    def __init__(self, binary: str, profile: Path) -> None:
        self.binary = binary
        self.profile = profile

    def _run(self, *arguments: str) -> str:
        command = [self.binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                   "--disable-component-update", "--disable-sync", "--no-first-run",
                   f"--user-data-dir={self.profile}", *arguments]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        assert result.returncode == 0, result.stderr[-2000:]
        return result.stdout

    def dom(self, page: Path, fragment: str = "") -> str:
        """The DOM after the page's scripts ran (`--dump-dom`)."""
        return self._run("--dump-dom", page.resolve().as_uri() + fragment)

    def screenshot(self, page: Path, image: Path, size: str = "1280,1600") -> Path:
        self._run(f"--window-size={size}", "--hide-scrollbars", f"--screenshot={image}", page.resolve().as_uri())
        return image


@pytest.fixture
def chromium(tmp_path: Path) -> Chromium:
    binary = shutil.which("chromium")
    if binary is None:
        pytest.fail("Debian's `chromium` is not installed: `make test` installs it (apt-get install chromium)")
    return Chromium(binary, tmp_path / "chromium-profile")
