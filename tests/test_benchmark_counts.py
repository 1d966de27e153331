"""The call-counting benchmarks count the calls the handlers really make: a change in how the
runtime makes its clients must not leave them counting nothing (docs/benchmarks.md would then show
bars "met" with zero writes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import kinesis_claims, runtime_costs

pytestmark = pytest.mark.slow


def test_every_runtime_cost_bar_holds_on_counted_calls(tmp_path: Path) -> None:
    rows = runtime_costs.scenarios(tmp_path)
    assert [row.scenario for row in rows if not row.ok] == []
    new_object = next(row for row in rows if row.scenario == "ingest: new S3 object")
    assert (new_object.writes, new_object.starts) == (2, 1)  # the claim and its completion, one run


def test_kinesis_claims_are_counted_per_micro_batch(tmp_path: Path) -> None:
    rows = kinesis_claims.scenarios(tmp_path)
    assert [row.scenario for row in rows if not row.ok] == []
    first = rows[0]
    assert (first.events, first.writes, first.starts) == (100, 2, 1)
