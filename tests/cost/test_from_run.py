"""`sluice cost --from-run`: the transitions a local run really took, priced."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sluice.cli import main
from sluice.cost.prices import PRICES
from tests.runtime.moto_stack import ROOT

PIPELINE = ROOT / "tests" / "local" / "fixtures" / "pipeline" / "template.yaml"


def test_a_drop_run_is_priced_on_the_transitions_it_took(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "orders.csv"
    data.write_bytes(b"id,amount\n1,9.5\n")
    assert main(["drop", str(data), "s3://RawBucket/in/", "--template", str(PIPELINE), "--json", "--seed", "1"]) == 0
    run = tmp_path / "run.json"
    run.write_text(capsys.readouterr().out, encoding="utf-8")
    [execution] = json.loads(run.read_text())["executions"]
    assert execution["transitions"] >= 2 and execution["type"] == "STANDARD"
    assert main(["cost", "--from-run", str(run), "-n", "1000000", "--json"]) == 0
    [machine] = json.loads(capsys.readouterr().out)["machines"]
    assert machine["mean_transitions"] == execution["transitions"]
    assert machine["standard_usd"] == pytest.approx(1_000_000 * execution["transitions"] * PRICES.standard_transition)


def test_a_file_that_is_not_a_run_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"executions": [{"status": "SUCCEEDED"}]}', encoding="utf-8")
    assert main(["cost", "--from-run", str(bad)]) == 2
    assert "is not the JSON of `sluice drop --json`" in capsys.readouterr().err
    assert main(["cost"]) == 2
