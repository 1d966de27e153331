"""Suite-wide settings: the Hypothesis profile (`tests/profiles.py`) and the order in which tests are
handed to xdist workers."""

from __future__ import annotations

import pytest

import tests.profiles  # noqa: F401 - loads the Hypothesis profile before any test module is imported


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Slow tests first. With `--dist loadgroup --no-loadscope-reorder` (the Makefile's PYTEST_ARGS)
    xdist hands tests out one at a time in this order, so the long ones start at once, spread over
    every worker, instead of one worker finishing the run alone with them. The sort is stable: each
    half keeps the collection order."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)

