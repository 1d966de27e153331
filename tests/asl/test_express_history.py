"""Express executions without kept events (`Engine(express_history=False)`): AWS keeps no history
for Express workflows (only CloudWatch Logs, when logging is on), so a caller that shows no trace
(`sluice execute --json`) has the engine number events without building them (issue #14)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sluice.asl import Engine

COUNTER_LOOP = Path(__file__).resolve().parents[2] / "benchmarks" / "definitions" / "counter_loop.asl.json"


def _run(kind: str, *, express_history: bool) -> tuple[object, list[dict[str, object]], int, int]:
    with Engine(express_history=express_history) as engine:
        machine = engine.create_state_machine("loop", json.loads(COUNTER_LOOP.read_text()), type=kind)
        execution = engine.run(machine, {"n": 0, "limit": 5})
    return execution.output, list(execution.history), len(execution.history), execution.transitions


def test_an_express_run_without_history_builds_no_events_but_counts_them() -> None:
    kept_output, kept_events, kept_count, kept_transitions = _run("EXPRESS", express_history=True)
    output, events, count, transitions = _run("EXPRESS", express_history=False)

    assert output == kept_output == {"n": 5, "limit": 5}
    assert events == [] and kept_events  # nothing built...
    assert (count, transitions) == (kept_count, kept_transitions) == (len(kept_events), 11)  # ...all numbered


def test_a_standard_run_keeps_its_history_whatever_the_option() -> None:
    _, events, count, _ = _run("STANDARD", express_history=False)
    assert len(events) == count > 0
    assert events[1]["type"] == "PassStateEntered"
    assert events[1]["stateEnteredEventDetails"] == {"name": "Increment", "input": '{"n":0,"limit":5}',
                                                     "inputDetails": {"truncated": False}}


def test_sluice_execute_shows_the_trace_with_or_without_json() -> None:
    base = [sys.executable, "-m", "sluice.cli", "execute", str(COUNTER_LOOP), "--type", "EXPRESS",
            "--input", '{"n": 0, "limit": 2}']
    as_json = subprocess.run([*base, "--json"], capture_output=True, text=True, check=True)
    summary = json.loads(as_json.stdout)
    assert (summary["status"], summary["output"], summary["transitions"]) == ("SUCCEEDED", {"n": 2, "limit": 2}, 5)

    traced = subprocess.run(base, capture_output=True, text=True, check=True)
    assert traced.stderr.count("PassStateEntered") == 2 and "ChoiceStateEntered" in traced.stderr
