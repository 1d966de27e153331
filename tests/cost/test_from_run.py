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


def test_a_sluice_run_is_priced_on_the_transitions_it_took(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    sample = ROOT / "events" / "backfill-request.json"
    template = ["--template", str(ROOT / "template.yaml")]
    assert main(["run", "BackfillStateMachine", "--input", f"@{sample}", "--json", "--seed", "1", *template]) == 0
    run = tmp_path / "run.json"
    run.write_text(capsys.readouterr().out, encoding="utf-8")
    result = json.loads(run.read_text())
    executions = result["executions"]
    backfill = [e for e in executions if e["executionArn"] == result["executionArn"]]
    assert [e["status"] for e in backfill] == ["SUCCEEDED"] and backfill[0]["transitions"] >= 3

    assert main(["cost", "--from-run", str(run), "--json"]) == 0
    machines = {m["state_machine_arn"]: m for m in json.loads(capsys.readouterr().out)["machines"]}
    assert machines[backfill[0]["stateMachineArn"]]["mean_transitions"] == backfill[0]["transitions"]
    assert sum(m["executions_in_run"] for m in machines.values()) == len(executions)


def test_a_file_that_is_not_a_run_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"executions": [{"status": "SUCCEEDED"}]}', encoding="utf-8")
    assert main(["cost", "--from-run", str(bad)]) == 2
    assert "is not the JSON of `sluice drop --json` or `sluice run --json`" in capsys.readouterr().err
    assert main(["cost"]) == 2
