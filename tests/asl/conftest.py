"""Fixtures for engine tests: an engine on a virtual clock, closed after the test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sluice.asl import Engine


@pytest.fixture
def engine() -> Iterator[Engine]:
    with Engine(seed=7) as instance:
        yield instance
