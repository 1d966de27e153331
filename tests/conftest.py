"""Suite-wide settings: the Hypothesis profile (`tests/profiles.py`), bugs raised with their traceback
(`SLUICE_DEBUG`), and the order in which tests are handed to xdist workers."""

from __future__ import annotations

import os

import pytest

import tests.profiles  # noqa: F401 - loads the Hypothesis profile before any test module is imported

# A bug reaching `sluice.cli.main` raises with its traceback here, rather than being said in one line
# (exit code 3): no test passes by way of that last resort, and a failing one shows where it broke.
os.environ.setdefault("SLUICE_DEBUG", "1")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Slow tests first. With `--dist loadgroup --no-loadscope-reorder` (the Makefile's PYTEST_ARGS)
    xdist hands tests out one at a time in this order, so the long ones start at once, spread over
    every worker, instead of one worker finishing the run alone with them. The sort is stable: each
    half keeps the collection order."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)

