"""`sluice demo` — the README's main job — on the repository's own template.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest

from sluice.cli import main
from sluice.demo import run_demo

TEMPLATE = Path(__file__).resolve().parents[1] / "template.yaml"


@pytest.mark.slow
def test_every_expected_outcome_happens() -> None:
    report = run_demo(TEMPLATE)
    failed = [f"{c.step}: {c.expectation} ({c.detail})" for c in report.checks if not c.ok]
    assert failed == []
    assert len(report.checks) >= 10
    assert "orders/dt=2024-06-11/_SUCCESS" in report.buckets["CuratedBucket"]
    assert any(key.endswith("reason.json") for key in report.buckets["QuarantineBucket"])
    assert "incoming/2024/06/12/orders.csv" in report.buckets["RawBucket"]  # bad input never deleted
    assert report.queues["OrderedDeadLetterQueue"] == 0


@pytest.mark.slow
def test_demo_command_prints_the_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--template", str(TEMPLATE)]) == 0
    out = capsys.readouterr().out
    assert "Where everything ended up" in out
    assert "all outcomes as expected" in out


def test_demo_without_a_template_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--template", str(tmp_path / "missing.yaml")]) == 2
    assert "template not found" in capsys.readouterr().err
