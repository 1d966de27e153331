"""Fixtures for the cloud runtime tests: a fresh moto stack per test, handlers, samples, call recording."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.session import Session
from moto import mock_aws

from sluice.local.clients import shared_model_loader

from .moto_stack import Calls, FakeContext, Stack, build_stack, load_app, read_sample

# isort: split
# (after moto_stack, which puts the layer on sys.path)
from sluice_runtime import wiring


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    """A fresh moto account with the runtime's resources and environment."""
    with shared_model_loader(), mock_aws():  # moto drops boto3's default session on start: reuse parsed models
        stack, env = build_stack()
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        wiring.reset()
        yield stack
        wiring.reset()


@pytest.fixture
def atomic_conditional_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """DynamoDB evaluates a condition and writes an item atomically; moto's in-process backend does not
    lock, so concurrent threads could interleave check and write. Serialise moto's item writes (and
    only those) to model the service; the exactly-once logic under test is ours, not this lock's."""
    from moto.dynamodb.models.table import Table  # noqa: PLC0415 - moto internals, test-only

    lock = threading.Lock()
    original = Table.put_item

    def put_item(self: Table, *args: Any, **kwargs: Any) -> Any:
        with lock:
            return original(self, *args, **kwargs)

    monkeypatch.setattr(Table, "put_item", put_item)


@pytest.fixture
def calls(aws: Stack, monkeypatch: pytest.MonkeyPatch) -> Calls:
    """Record (and optionally fail) the AWS calls of every client the runtime creates from now on."""
    recorder = Calls()
    # clients.py makes its clients with botocore's Session.create_client (boto3.client ends there too).
    monkeypatch.setattr(Session, "create_client", recorder.wrap(Session.create_client))
    wiring.reset()
    return recorder


@pytest.fixture
def invoke() -> Callable[..., Any]:
    """Call a function's handler like Lambda would: `invoke("ingest", event, context=None)`."""

    def call(function: str, event: dict[str, Any], context: FakeContext | None = None) -> Any:
        return load_app(function).handler(event, context or FakeContext())

    return call


@pytest.fixture
def sample() -> Callable[[str], dict[str, Any]]:
    """Load a sample event: `sample("ingest-object-created")` reads events/ingest-object-created.json."""
    return read_sample


@pytest.fixture
def context() -> type[FakeContext]:
    """The fake Lambda context class: `context(remaining_ms=1000)`."""
    return FakeContext
