"""`sluice chaos` on the project's own template: random faults over many inputs, and every invariant holds.

A short, fixed seed set runs here (`make test`); `make chaos` runs 30 runs on fresh seeds.
"""

from __future__ import annotations

import json

import pytest

from sluice.cli import main
from tests.runtime.moto_stack import ROOT

pytestmark = pytest.mark.slow


def test_a_short_campaign_injects_faults_and_every_invariant_holds(capsys: pytest.CaptureFixture[str],
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    code = main(["chaos", "--seed", "20261202", "--runs", "2", "--json"])
    out, err = capsys.readouterr()
    report = json.loads(out)
    # Minutes long: progress goes to stderr as it runs, one plain line per run when not a terminal.
    progress = [line for line in err.splitlines() if line.startswith("sluice chaos: run ")]
    assert [line.split(" (seed")[0] for line in progress] == ["sluice chaos: run 1/2", "sluice chaos: run 2/2"]

    assert set(report) == {"runs", "faults_injected", "events", "violations"}
    assert report["runs"] == 2 and report["events"] > 40 and report["faults_injected"] > 0
    assert report["violations"] == [], json.dumps(report["violations"], indent=1)
    assert code == 0


def test_chaos_refuses_a_bad_run_count_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["chaos", "--runs", "0"]) == 2
    assert capsys.readouterr().err == "sluice: error: --runs must be at least 1, not 0\n"
