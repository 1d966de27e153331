"""sluice's Step Functions engine against moto's interpreter, same definitions, same run.

Baseline: moto's ASL interpreter (`mock_aws(config={"stepfunctions": {"execute_state_machine":
True}})`), driven through boto3 the way a user's test would drive it. Figures are ratios measured
in the same process run, so the machine's speed cancels out.

Workloads (issue "Local Step Functions engine", performance bar):
- a Pass/Choice counter loop of 30,000 state transitions;
- a Map over 1,000 items;
- a Parallel of 10 branches;
- a Retry with one hour of total back-off (moto sleeps it in real time, so moto runs a 2-second
  version and we report its real duration next to ours);
- whole processes: `sluice execute` on the 30,000-transition loop vs a script that runs the same
  definition on moto (issue #14's bar: at least 150x);
- memory for a Standard execution holding a ~25,000-event history.

Run: `make bench` (or `python -m benchmarks.engine_vs_moto [--quick]`).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sluice.asl import Engine

ROOT = Path(__file__).resolve().parents[1]
COUNTER_LOOP = ROOT / "benchmarks" / "definitions" / "counter_loop.asl.json"


def counter_loop(rounds: int) -> tuple[dict[str, Any], dict[str, Any]]:
    return json.loads(COUNTER_LOOP.read_text()), {"n": 0, "limit": rounds}


def map_items(count: int) -> tuple[dict[str, Any], Any]:
    definition = {
        "StartAt": "Fan",
        "States": {
            "Fan": {
                "Type": "Map",
                "MaxConcurrency": 0,
                "ItemProcessor": {
                    "StartAt": "Shape",
                    "States": {"Shape": {"Type": "Pass", "Parameters": {"id.$": "$.id", "ok": True}, "End": True}},
                },
                "End": True,
            }
        },
    }
    return definition, [{"id": i} for i in range(count)]


def parallel_branches(count: int) -> tuple[dict[str, Any], Any]:
    # ASL: state names are unique across the whole machine, branches included.
    branches = [
        {
            "StartAt": f"A{i}",
            "States": {f"A{i}": {"Type": "Pass", "Next": f"B{i}"}, f"B{i}": {"Type": "Pass", "End": True}},
        }
        for i in range(count)
    ]
    return {"StartAt": "P", "States": {"P": {"Type": "Parallel", "Branches": branches, "End": True}}}, {"x": 1}


def retry_backoff(interval: int, attempts: int, backoff: float = 2.0) -> tuple[dict[str, Any], Any]:
    """A Parallel whose only branch fails, retried with exponential back-off (no Lambda needed)."""
    failing = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Transient"}}}
    retry = [
        {"ErrorEquals": ["Transient"], "IntervalSeconds": interval, "BackoffRate": backoff, "MaxAttempts": attempts}
    ]
    catch = [{"ErrorEquals": ["States.ALL"], "Next": "GaveUp"}]
    return {
        "StartAt": "Try",
        "States": {
            "Try": {"Type": "Parallel", "Branches": [failing], "Retry": retry, "Catch": catch, "End": True},
            "GaveUp": {"Type": "Pass", "End": True},
        },
    }, {}


def run_sluice(definition: dict[str, Any], data: Any, kind: str = "EXPRESS") -> tuple[float, int]:
    with Engine() as engine:
        machine = engine.create_state_machine("bench", definition, type=kind)
        started = time.perf_counter()
        execution = engine.run(machine, data)
        elapsed = time.perf_counter() - started
    assert execution.status == "SUCCEEDED", (execution.error, execution.cause)
    return elapsed, execution.transitions


def run_moto(definition: dict[str, Any], data: Any) -> float:
    import boto3  # noqa: PLC0415
    from moto import mock_aws  # noqa: PLC0415

    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        client = boto3.client("stepfunctions", region_name="us-east-1")
        arn = client.create_state_machine(
            name="bench", definition=json.dumps(definition), roleArn="arn:aws:iam::123456789012:role/bench"
        )["stateMachineArn"]
        started = time.perf_counter()
        execution = client.start_execution(stateMachineArn=arn, input=json.dumps(data))["executionArn"]
        while (status := client.describe_execution(executionArn=execution)["status"]) == "RUNNING":
            time.sleep(0.005)
        elapsed = time.perf_counter() - started
    assert status == "SUCCEEDED", status
    return elapsed


MOTO_SCRIPT = textwrap.dedent(
    """
    import json, sys, time, boto3
    from moto import mock_aws
    definition = json.load(open(sys.argv[1]))
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        client = boto3.client("stepfunctions", region_name="us-east-1")
        arn = client.create_state_machine(name="bench", definition=json.dumps(definition),
                                          roleArn="arn:aws:iam::123456789012:role/bench")["stateMachineArn"]
        run = client.start_execution(stateMachineArn=arn, input=sys.argv[2])["executionArn"]
        while client.describe_execution(executionArn=run)["status"] == "RUNNING":
            time.sleep(0.005)
    """
)


def whole_process(rounds: int) -> tuple[float, float]:
    data = json.dumps({"n": 0, "limit": rounds})
    sluice = str(Path(sys.executable).with_name("sluice"))
    command = [sluice, "execute", str(COUNTER_LOOP), "--type", "EXPRESS", "--input", data, "--json"]
    ours = _timed(lambda: subprocess.run(command, check=True, capture_output=True))
    theirs = _timed(
        lambda: subprocess.run(
            [sys.executable, "-c", MOTO_SCRIPT, str(COUNTER_LOOP), data], check=True, capture_output=True
        )
    )
    return ours, theirs


def history_memory(events: int) -> tuple[int, int]:
    definition, data = counter_loop(events // 4)
    with Engine() as engine:
        machine = engine.create_state_machine("memory", definition, type="STANDARD")
        tracemalloc.start()
        execution = engine.run(machine, data)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return len(execution.history), peak


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    import logging  # noqa: PLC0415

    logging.getLogger("moto").setLevel(logging.CRITICAL)  # moto logs every failed state
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller moto workloads (CI smoke run)")
    parser.add_argument("--process-goal", type=float, default=150.0, help="whole-process bar (x moto)")
    args = parser.parse_args(argv)
    rounds = 1_500 if args.quick else 15_000
    rows: list[tuple[str, str, str, str]] = []
    failures: list[str] = []

    for label, (definition, data) in {
        f"Pass/Choice loop ({2 * rounds:,} transitions)": counter_loop(rounds),
        "Map over 1,000 items": map_items(1_000),
        "Parallel of 10 branches": parallel_branches(10),
    }.items():
        ours, transitions = run_sluice(definition, data)
        theirs = run_moto(definition, data)
        ratio = theirs / ours
        rows.append((label, f"{transitions / ours:,.0f} tr/s", f"{transitions / theirs:,.0f} tr/s", f"{ratio:,.0f}x"))
        if ratio < 30:
            failures.append(f"{label}: {ratio:.1f}x < 30x")

    hour_definition, hour_input = retry_backoff(interval=116, attempts=5)  # 116 * 31 = 3,596 s
    ours_hour, _ = run_sluice(hour_definition, hour_input, kind="STANDARD")
    moto_definition, moto_input = retry_backoff(interval=1, attempts=2, backoff=1.0)  # 2 s of real sleeping
    theirs_two_seconds = run_moto(moto_definition, moto_input)
    rows.append(
        (
            "Retry, 1 h total back-off",
            f"{ours_hour * 1000:.1f} ms wall",
            f"{theirs_two_seconds:.2f} s for a 2 s back-off (real sleeps)",
            "-",
        )
    )
    if ours_hour > 0.1:
        failures.append(f"1-hour back-off took {ours_hour * 1000:.0f} ms > 100 ms")

    ours_process, theirs_process = whole_process(rounds)
    rows.append(
        (
            f"whole process, {2 * rounds:,}-transition loop",
            f"{ours_process:.2f} s",
            f"{theirs_process:.2f} s",
            f"{theirs_process / ours_process:,.0f}x",
        )
    )
    if theirs_process / ours_process < args.process_goal:
        failures.append(f"whole process: {theirs_process / ours_process:.0f}x < {args.process_goal:.0f}x")

    events, peak = history_memory(25_000)
    rows.append(
        (
            f"memory, Standard history of {events:,} events",
            f"{peak / 1e6:.1f} MB peak",
            f"{peak / events:,.0f} B/event",
            "-",
        )
    )

    width = max(len(row[0]) for row in rows)
    print(f"{'workload':<{width}}  {'sluice':>18}  {'moto (baseline)':>22}  ratio")
    for label, ours_text, theirs_text, ratio_text in rows:
        print(f"{label:<{width}}  {ours_text:>18}  {theirs_text:>22}  {ratio_text}")
    for failure in failures:
        print(f"BAR MISSED: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
