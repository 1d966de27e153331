"""Fixtures for integration tests: one moto world per test module, engines wired to it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from sluice.asl import Engine
from sluice.asl.integrations import JobFakes, ServiceIntegrations


@pytest.fixture(scope="module")
def aws() -> Iterator[Callable[[str], Any]]:
    """Enter moto once per module; yields a factory of boto3 clients for it."""
    def client(service: Any) -> Any:
        return boto3.client(service, region_name="us-east-1")

    with mock_aws():
        yield client


@pytest.fixture
def make_engine(aws: Callable[[str], Any]) -> Iterator[Callable[..., Engine]]:
    """Engines with boto3-backed integrations (on moto); closed after the test."""
    engines: list[Engine] = []

    def make(jobs: JobFakes | None = None, **kwargs: Any) -> Engine:
        engine = Engine(integrations=ServiceIntegrations(jobs=jobs), **kwargs)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.close()

