"""A user's first end-to-end test, as one fresh process, against a bare moto process (issue #14).

Each sample is a fresh interpreter started in the repository root. Runs are interleaved (the moto
floor, then every other program, round after round) so drift hits all columns alike; figures are
medians.

Programs:
* `moto floor` - the named baseline: `import boto3` and moto, then under `mock_aws` create a bucket,
  a table and a queue (the least a hand-written moto test of this pipeline does).
* `first e2e` - what the README shows a user: `from sluice.local import LocalStack`, build the local
  stack from `template.yaml`, drop `incoming/2024/06/11/orders.csv` into `RawBucket`,
  `run_until_idle()` and assert the partition was published (`_SUCCESS` in `CuratedBucket`).
  Goal: at most 1.5x the floor.
* `sluice invoke` - the whole `sluice invoke IngestFunction -e events/ingest-object-created.json`
  process (console script included). Recorded, no goal.

Also recorded: where a first end-to-end process spends its time, read from the same processes
(`import`, starting the stack and the first drop, each timed inside the process, and the rest of
its wall time: the interpreter's start, the stack's close and the interpreter's shutdown), and, in
one process, the warm time
of a further drop (a new day's file through the whole pipeline) on the stack that already ran the
first one.

Usage:
    .venv/bin/python benchmarks/first_end_to_end.py [--runs 7] [--warm-drops 10] [--goal 1.5]

Exits 1 when the first end-to-end test misses its goal.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SLUICE = Path(sys.executable).with_name("sluice")
ENV = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
}

MOTO_FLOOR = """
import boto3
from moto import mock_aws

with mock_aws():
    boto3.client("s3").create_bucket(Bucket="floor-bucket")
    boto3.client("dynamodb").create_table(
        TableName="floor-table", BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    boto3.client("sqs").create_queue(QueueName="floor-queue")
"""

# What the README shows a user, with a clock between its stages: the program prints the seconds of
# import, stack start and first drop (reading a clock costs nothing next to them).
FIRST_END_TO_END = """
import time
started = time.perf_counter()
from pathlib import Path
from sluice.local import LocalStack
imported = time.perf_counter()
with LocalStack.from_template("template.yaml") as stack:
    running = time.perf_counter()
    stack.put_object("RawBucket", "incoming/2024/06/11/orders.csv", Path("samples/orders.csv").read_bytes())
    stack.run_until_idle()
    dropped = time.perf_counter()
    assert "orders/dt=2024-06-11/_SUCCESS" in stack.objects("CuratedBucket"), "the drop was not published"
print(imported - started, running - imported, dropped - running)
"""

# Prints the median seconds of `drops` further drops, each a new day's file run to the end.
WARM_DROPS = """
import statistics, sys, time
from pathlib import Path
from sluice.local import LocalStack

drops = int(sys.argv[1])
body = Path("samples/orders.csv").read_bytes()
with LocalStack.from_template("template.yaml") as stack:
    samples = []
    for day in range(drops + 1):
        started = time.perf_counter()
        stack.put_object("RawBucket", f"incoming/2024/07/{day + 1:02d}/orders.csv", body)
        stack.run_until_idle()
        samples.append(time.perf_counter() - started)
        assert f"orders/dt=2024-07-{day + 1:02d}/_SUCCESS" in stack.objects("CuratedBucket", "orders/")
    print(statistics.median(samples[1:]))
"""


def programs() -> dict[str, list[str]]:
    return {
        "moto floor": [sys.executable, "-c", MOTO_FLOOR],
        "first e2e": [sys.executable, "-c", FIRST_END_TO_END],
        "sluice invoke": [str(SLUICE), "invoke", "IngestFunction", "-e", "events/ingest-object-created.json"],
    }


def environment() -> dict[str, str]:
    """The programs' environment: ours plus `ENV`, with bytecode caching on, so that the warm-up run
    writes the .pyc files a user's next run reads (`PYTHONDONTWRITEBYTECODE`, set in some CI and
    sandbox images, would have every sample compile sluice's and the handlers' sources again; the
    floor's packages come with theirs)."""
    env = {**os.environ, **ENV}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def timed(command: list[str]) -> tuple[float, str]:
    """Wall-clock seconds of a fresh process running `command` in the repository root, and its stdout."""
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=environment(), check=True, stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, text=True)
    return time.perf_counter() - started, done.stdout


def stages(wall: float, stdout: str) -> list[float]:
    """A first end-to-end process's import, stack start, first drop, and the rest of its wall time:
    the interpreter's start, the stack's close and the interpreter's shutdown (ADR 0011)."""
    parts = [float(value) for value in stdout.split()]
    return [*parts, wall - sum(parts)]


def warm_drop(drops: int) -> float:
    """Median seconds of one more drop on a stack that already ran one (in one process)."""
    result = subprocess.run([sys.executable, "-c", WARM_DROPS, str(drops)], cwd=ROOT, env=environment(),
                            check=True, capture_output=True, text=True)
    return float(result.stdout.strip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--warm-drops", type=int, default=10)
    parser.add_argument("--goal", type=float, default=1.5)
    args = parser.parse_args()

    cases = programs()
    for command in cases.values():  # warm the OS file cache, .pyc files and sluice's template cache once
        timed(command)
    samples: dict[str, list[float]] = {case: [] for case in cases}
    split: list[list[float]] = []
    for _ in range(args.runs):
        for case, command in cases.items():
            wall, stdout = timed(command)
            samples[case].append(wall)
            if case == "first e2e":
                split.append(stages(wall, stdout))
    median = {case: statistics.median(values) for case, values in samples.items()}
    base = median["moto floor"]
    warm = warm_drop(args.warm_drops)
    parts = [statistics.median(column) for column in zip(*split, strict=True)]

    print(f"median of {args.runs} fresh processes; moto floor (import + bucket, table, queue) = {base * 1000:.0f} ms\n")
    for case in cases:
        goal = f"goal <= {args.goal}x" if case == "first e2e" else ""
        print(f"{case:<16} {median[case] * 1000:>7.0f} ms {median[case] / base:>5.2f}x   {goal}")
        if case == "first e2e":  # where its time goes, in the same processes
            labels = ("  import", "  stack start", "  first drop", "  the rest")
            notes = ("timed inside the process",) * 3 + ("the interpreter's start and shutdown, the stack's close",)
            for label, seconds, note in zip(labels, parts, notes, strict=True):
                print(f"{label:<16} {seconds * 1000:>7.0f} ms {seconds / base:>5.2f}x   "
                      f"(median of {args.runs}, {note})")
    print(f"{'warm drop':<16} {warm * 1000:>7.0f} ms {warm / base:>5.2f}x   (median of {args.warm_drops}, "
          "one process, stack already running)")
    ratio = median["first e2e"] / base
    if ratio > args.goal:
        print(f"\nfirst end-to-end test: {ratio:.2f}x the moto floor, goal {args.goal}x: MISSED")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
