"""DynamoDB writes per Kinesis record on the idempotency table, against per-record claims in the same run.

The stream handler claims one key per micro-batch (shard + first/last sequence number: one conditional
`PutItem`, one `UpdateItem` to COMPLETED), so a batch of N small records costs 2 * ceil(N / max_records)
writes. The baseline is the per-record design it replaced, measured here on the same moto account: the
Powertools pattern of one claim and one completion per record (`Ledger.claim` + `Ledger.complete` for
each record's key), which is what the handler did before (2.00 writes per record).

Writes are PutItem, UpdateItem and DeleteItem on the idempotency table, the only table of the moto stack
(the sink's writes happen in the Express run, which moto does not execute). Bar (exit 1 if missed):
at most 0.05 writes per record for 100 records in the registry's default batching (100 per micro-batch).

Usage:
    .venv/bin/python benchmarks/kinesis_claims.py
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
from moto import mock_aws

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: import the sibling benchmark
from benchmarks.runtime_costs import WRITES, Row, kinesis_records, measure, stack_helpers, with_registry

# isort: split
# (after runtime_costs, whose moto_stack puts the layer on sys.path and sets the test environment)
from sluice_runtime.idempotency import Ledger, key_for
from sluice_runtime.models import KinesisEnvelope, parse
from sluice_runtime.registry import load_registry

GOAL = 0.05  # writes per record, 100 records, default batching


def per_record_baseline(count: int) -> int:
    """Idempotency-table writes of one claim + one completion per record (the replaced design)."""
    with mock_aws():
        stack, env = stack_helpers.build_stack()
        os.environ.update(env)
        recorder = stack_helpers.Calls()
        ledger = Ledger(stack.table, recorder.wrap(boto3.client)("dynamodb", region_name=stack_helpers.REGION), 86_400)
        pipeline = load_registry().for_stream(stack.stream)
        assert pipeline is not None
        for raw in kinesis_records(count):
            key = key_for(pipeline, parse(KinesisEnvelope, raw, "Kinesis record").decode().view())
            ledger.claim(key, 60_000, pipeline.ttl_seconds)
            ledger.complete(key, {"execution_name": "baseline"}, pipeline.ttl_seconds)
    return sum(op in WRITES for op in recorder.made)


def starts_only(starts: int) -> Callable[[int, int, int], tuple[str, bool]]:
    def check(w: int, r: int, s: int) -> tuple[str, bool]:
        return f"informational; == {starts} starts", s == starts

    return check


def at_most_per_record(goal: float, count: int, starts: int) -> Callable[[int, int, int], tuple[str, bool]]:
    def check(w: int, r: int, s: int) -> tuple[str, bool]:
        return f"<= {goal} writes/record, {starts} start(s)", w / count <= goal and s == starts

    return check


def scenarios(directory: Path) -> list[Row]:
    def batch_of(size: int) -> Callable[[dict[str, Any]], None]:
        def edit(registry: dict[str, Any]) -> None:
            registry["pipelines"][3]["batching"]["max_records"] = size

        return edit

    event = {"Records": kinesis_records(100)}
    rows = [
        measure("stream: 100 records, batch 100", "stream", [event], bar=at_most_per_record(GOAL, 100, 1), count=100),
        measure(
            "stream: the same 100, redelivered",
            "stream",
            [event],
            warmup=[event],
            bar=at_most_per_record(GOAL, 100, 0),
            count=100,
        ),
    ]
    for count, batch in ((100, 25), (250, 100)):
        with_registry(batch_of(batch), directory)
        rows.append(
            measure(
                f"stream: {count} records, batch {batch}",
                "stream",
                [{"Records": kinesis_records(count)}],
                bar=starts_only(math.ceil(count / batch)),
                count=count,
            )
        )
    os.environ.pop("SLUICE_PIPELINES")
    return rows


def main() -> int:
    baseline = per_record_baseline(100)
    with tempfile.TemporaryDirectory() as directory:
        rows = scenarios(Path(directory))
    columns = ("records", "ddb writes", "per record", "vs baseline", "starts")
    header = f"{'scenario':<36} {columns[0]:>7} {columns[1]:>10} {columns[2]:>10} {columns[3]:>11} {columns[4]:>6}  bar"
    print(f"baseline: per-record claim + completion (Ledger), 100 records = {baseline} writes, "
          f"{baseline / 100:.2f} per record\n")
    print(header)
    print("-" * len(header))
    for row in rows:
        per_record = row.writes / row.events
        ratio = per_record / (baseline / 100)
        verdict = "ok" if row.ok else "MISSED"
        print(
            f"{row.scenario:<36} {row.events:>7} {row.writes:>10} {per_record:>10.3f} {ratio:>10.3f}x {row.starts:>6}"
            f"  {row.bar}: {verdict}"
        )
    missed = [row.scenario for row in rows if not row.ok]
    if missed:
        print(f"\nbars missed: {', '.join(missed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
