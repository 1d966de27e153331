"""Live progress on stderr: a rich line on a terminal, one plain line per step when piped."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from sluice.cli import main
from sluice.commands.progress import counted, live_progress
from tests.runtime.moto_stack import ROOT


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_piped_progress_is_one_plain_line_per_step() -> None:
    stream = io.StringIO()
    with live_progress("chaos", total=2, stream=stream) as tick:
        tick("run 1/2")
        tick("run 2/2")
    assert stream.getvalue() == "chaos: run 1/2\nchaos: run 2/2\n"


def test_terminal_progress_is_a_live_rich_line() -> None:
    stream = Terminal()
    with live_progress("chaos", total=2, stream=stream) as tick:
        tick("run 1/2")
    shown = stream.getvalue()
    assert "\x1b[" in shown  # drawn with terminal control sequences, and erased when done (transient)
    assert "chaos: run 1/2" in shown and "1/2" in shown


def test_counted_ticks_after_each_step() -> None:
    ticks: list[str] = []
    def twice(n: int) -> int:
        return n * 2

    double = counted(twice, ticks.append, lambda n: f"case {n}")
    assert [double(1), double(2)] == [2, 4] and ticks == ["case 1", "case 2"]


def test_drop_real_time_reports_progress_on_stderr_and_the_tree_on_stdout(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "orders.csv"
    data.write_bytes(b"id,amount\n1,9.5\n")
    pipeline = ROOT / "tests" / "local" / "fixtures" / "pipeline" / "template.yaml"
    assert main(["drop", str(data), "s3://RawBucket/in/", "--template", str(pipeline), "--real-time"]) == 0
    out, _ = capsys.readouterr()
    assert "s3 PutObject RawBucket/in/orders.csv" in out and "running in real time" not in out


def test_a_quarantined_input_is_marked_in_the_drop_tree(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Our template's ingest sets aside an object no pipeline claims: everything it ran succeeded,
    # but the input did not go through — its line must not be green.
    data = tmp_path / "stray.csv"
    data.write_bytes(b"a,b\n1,2\n")
    assert main(["drop", str(data), "s3://RawBucket/elsewhere/stray.csv", "--template",
                 str(ROOT / "template.yaml")]) == 1
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("✗ ✎ s3 PutObject RawBucket/elsewhere/stray.csv") and first.endswith("quarantined")


def test_conformance_on_moto_reports_each_case_as_it_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # moto's interpreter takes seconds per case: without a line per case the run looks hung.
    corpus = ROOT / "tests" / "asl" / "data" / "asl-aws-recorded.jsonl"
    cases = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines()[:2]]
    subset = tmp_path / "subset.jsonl"
    subset.write_text("\n".join(json.dumps(case) for case in cases), encoding="utf-8")

    main(["conformance", str(subset), "--engine", "moto"])
    err = capsys.readouterr().err.splitlines()
    assert [line for line in err if line.startswith("conformance --engine moto: ")] == [
        f"conformance --engine moto: {case['id']}" for case in cases]
