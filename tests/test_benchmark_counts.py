"""The call-counting benchmarks count the calls the handlers really make: a change in how the
runtime makes its clients must not leave them counting nothing (docs/benchmarks.md would then show
bars "met" with zero writes). Each runs as `make bench` runs it, in its own process: the scripts
set up a quiet handler environment that must not leak into the test session."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def _run(script: str) -> dict[str, list[str]]:
    """The benchmark's table, by scenario: its columns after the scenario name."""
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script)], cwd=ROOT, capture_output=True,
                            text=True, check=False, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    rows = {}
    for line in result.stdout.splitlines():
        if line.startswith(("ingest:", "router:", "stream:", "ordered:")):
            scenario, _, rest = line.partition("  ")
            rows[scenario.strip()] = rest.split()
    return rows


def test_every_runtime_cost_bar_holds_on_counted_calls() -> None:
    rows = _run("runtime_costs.py")
    events, writes, reads, starts = rows["ingest: new S3 object"][:4]
    assert (events, writes, reads, starts) == ("1", "2", "0", "1")  # the claim and its completion, one run


def test_kinesis_claims_are_counted_per_micro_batch() -> None:
    rows = _run("kinesis_claims.py")
    records, writes, per_record = rows["stream: 100 records, batch 100"][:3]
    assert (records, writes, per_record) == ("100", "2", "0.020")
