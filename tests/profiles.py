"""Hypothesis budgets for the suite, chosen by ``HYPOTHESIS_PROFILE`` (default ``ci``).

``ci`` is what ``make test`` runs; ``long`` runs every property ten times deeper, e.g. before a
release::

    HYPOTHESIS_PROFILE=long .venv/bin/pytest tests/reliability tests/asl/test_bad_input.py

`tests/conftest.py` imports this module, so the profile is loaded before any test module builds
its ``settings(...)``. Costly campaigns (each example a round of moto calls) take a share of the
profile's budget with `campaign_examples`, so ``long`` deepens them too.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", max_examples=100)
settings.register_profile("long", max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def campaign_examples(share: int) -> int:
    """Examples for a costly campaign: `share` % of the loaded profile's budget.

    Example:
        >>> CAMPAIGN = settings(max_examples=campaign_examples(20), deadline=None)  # 20 under ci, 200 under long
    """
    return max(1, settings().max_examples * share // 100)  # settings() inherits the loaded profile
