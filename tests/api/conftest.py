"""Fixtures for API tests: a service on an engine with a virtual clock and a few Lambda functions, and
an HTTP server (`sluice serve`) on an engine whose `record` function keeps what it is sent."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from sluice.api import StepFunctionsService
from sluice.api.server import StepFunctionsServer
from sluice.asl import Engine
from tests.api.support import ROLE, Calls


@pytest.fixture
def calls() -> Calls:
    return Calls()


@pytest.fixture
def service(calls: Calls) -> Iterator[StepFunctionsService]:
    def record(event: Any, context: Any) -> Any:
        calls.events.append(event)
        return {"seen": event}

    def flaky(event: Any, context: Any) -> Any:
        if calls.failures_left:
            calls.failures_left -= 1
            raise RuntimeError("not yet")
        return {"ok": event}

    with Engine(functions={"record": record, "flaky": flaky}, seed=3) as engine:
        yield StepFunctionsService(engine)


@pytest.fixture
def create(service: StepFunctionsService) -> Callable[..., str]:
    """Create a state machine from a definition dict; return its ARN."""

    def make(definition: dict[str, Any], name: str = "machine", machine_type: str = "STANDARD") -> str:
        response = service.call("CreateStateMachine", {
            "name": name, "definition": json.dumps(definition), "roleArn": ROLE, "type": machine_type,
        })
        return str(response["stateMachineArn"])

    return make


@pytest.fixture
def server(calls: Calls) -> Iterator[StepFunctionsServer]:
    def record(event: Any, context: Any) -> Any:
        calls.events.append(event)
        return event

    with Engine(functions={"record": record}) as engine:
        running = StepFunctionsServer(StepFunctionsService(engine), port=0)
        running.start()
        yield running
        running.stop()
