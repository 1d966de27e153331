"""AWS calls per event, counted from the calls each handler makes (botocore `before-call` hooks), on moto.

Bars (the script exits 1 if one is missed):
* a new S3 object costs at most the Powertools baseline: 2 DynamoDB writes + 1 StartExecution;
* a duplicate costs at most 1 conditional write and starts nothing (same bars for router events);
* a Kinesis batch of N records starts ceil(N / batch) Express executions, not N;
* an SQS FIFO message starts at most one execution.

DynamoDB writes are PutItem, UpdateItem and DeleteItem; reads are GetItem/Query/Scan. "other" counts
everything else (S3 offload, quarantine, SNS). Every scenario runs in a fresh moto account.

Usage:
    .venv/bin/python benchmarks/runtime_costs.py
"""

from __future__ import annotations

import base64
import copy
import importlib.util
import json
import math
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# Quiet handlers: the table is the output (EMF lines and INFO logs would interleave with it).
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
_spec = importlib.util.spec_from_file_location("sluice_moto_stack", ROOT / "tests" / "runtime" / "moto_stack.py")
assert _spec is not None and _spec.loader is not None
stack_helpers = sys.modules[_spec.name] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(stack_helpers)  # sets the test environment and puts the layer on sys.path

from botocore.session import Session  # noqa: E402
from moto import mock_aws  # noqa: E402
from sluice_runtime import wiring  # noqa: E402

WRITES = {"dynamodb.PutItem", "dynamodb.UpdateItem", "dynamodb.DeleteItem"}
READS = {"dynamodb.GetItem", "dynamodb.Query", "dynamodb.Scan"}
STARTS = {"states.StartExecution", "states.StartSyncExecution"}


@dataclass
class Row:
    scenario: str
    events: int
    writes: int
    reads: int
    starts: int
    other: int
    bar: str
    ok: bool


def kinesis_records(count: int) -> list[dict[str, Any]]:
    template = stack_helpers.read_sample("stream-batch")["Records"][0]
    records = []
    for n in range(count):
        record = copy.deepcopy(template)
        sequence = str(49590338271490256608559692538361571095921575989136500000 + n)
        record["kinesis"].update(sequenceNumber=sequence, data=base64.b64encode(json.dumps({"n": n}).encode()).decode())
        record["eventID"] = f"shardId-000000000000:{sequence}"
        records.append(record)
    return records


def with_registry(edit: Callable[[dict[str, Any]], None], directory: Path) -> None:
    registry = json.loads((stack_helpers.LAYER / "sluice_runtime" / "pipelines.json").read_text(encoding="utf-8"))
    edit(registry)
    path = directory / "pipelines.json"
    path.write_text(json.dumps(registry), encoding="utf-8")
    os.environ["SLUICE_PIPELINES"] = str(path)


def measure(
    scenario: str,
    function: str,
    events: list[dict[str, Any]],
    *,
    warmup: list[dict[str, Any]] | None = None,
    bar: Callable[[int, int, int], tuple[str, bool]],
    count: int = 1,
) -> Row:
    """Invoke `function` with `events` in a fresh moto account (after `warmup`), counting AWS calls."""
    with mock_aws():
        stack, env = stack_helpers.build_stack()
        os.environ.update(env)
        recorder = stack_helpers.Calls()
        # The runtime makes its clients with botocore's Session.create_client (boto3.client ends there too).
        create = Session.create_client
        Session.create_client = recorder.wrap(create)  # type: ignore[method-assign]
        try:
            wiring.reset()
            app = stack_helpers.load_app(function)
            for event in warmup or []:
                app.handler(event, stack_helpers.FakeContext())
            recorder.made.clear()
            for event in events:
                app.handler(event, stack_helpers.FakeContext())
        finally:
            Session.create_client = create  # type: ignore[method-assign]
            wiring.reset()
        del stack
    made = recorder.made
    writes = sum(op in WRITES for op in made)
    reads = sum(op in READS for op in made)
    starts = sum(op in STARTS for op in made)
    text, ok = bar(writes, reads, starts)
    return Row(scenario, count, writes, reads, starts, len(made) - writes - reads - starts, text, ok)


def at_most(writes: int, starts: int) -> Callable[[int, int, int], tuple[str, bool]]:
    """At most `writes` writes (at least the claim: none would mean the calls went uncounted) and
    exactly `starts` starts, with no DynamoDB read."""

    def check(w: int, r: int, s: int) -> tuple[str, bool]:
        return f"<= {writes} writes, {starts} start", 1 <= w <= writes and s == starts and r == 0

    return check


def exactly_starts(expected: int, per: str) -> Callable[[int, int, int], tuple[str, bool]]:
    def check(w: int, r: int, s: int) -> tuple[str, bool]:
        return f"== {expected} starts ({per})", s == expected

    return check


def scenarios(directory: Path) -> list[Row]:
    sample = stack_helpers.read_sample
    rows = [
        measure("ingest: new S3 object", "ingest", [sample("ingest-object-created")], bar=at_most(2, 1)),
        measure(
            "ingest: duplicate delivery",
            "ingest",
            [sample("ingest-duplicate")],
            warmup=[sample("ingest-object-created")],
            bar=at_most(1, 0),
        ),
        measure("router: new event", "router", [sample("router-dataset-ready")], bar=at_most(2, 1)),
        measure(
            "router: duplicate event",
            "router",
            [sample("router-duplicate")],
            warmup=[sample("router-dataset-ready")],
            bar=at_most(1, 0),
        ),
    ]
    for count, batch in ((100, 100), (100, 25), (250, 100)):

        def size(registry: dict[str, Any], batch: int = batch) -> None:
            registry["pipelines"][3]["batching"]["max_records"] = batch

        with_registry(size, directory)
        rows.append(
            measure(
                f"stream: {count} records, batch {batch}",
                "stream",
                [{"Records": kinesis_records(count)}],
                bar=exactly_starts(math.ceil(count / batch), f"ceil({count}/{batch})"),
                count=count,
            )
        )

    def standard(registry: dict[str, Any]) -> None:
        registry["pipelines"][4].update(execution="standard", state_machine="${FILE_PIPELINE_ARN}")

    with_registry(standard, directory)
    fifo = sample("ordered-multi-group")
    rows.append(
        measure(
            "ordered: 5 FIFO messages",
            "ordered",
            [fifo],
            bar=exactly_starts(len(fifo["Records"]), "1 per message"),
            count=len(fifo["Records"]),
        )
    )
    os.environ.pop("SLUICE_PIPELINES")
    return rows


def main() -> int:
    with tempfile.TemporaryDirectory() as directory:
        rows = scenarios(Path(directory))
    header = f"{'scenario':<30} {'events':>6} {'ddb writes':>10} {'ddb reads':>9} {'starts':>6} {'other':>5}  bar"
    print(header)
    print("-" * len(header))
    for row in rows:
        verdict = "ok" if row.ok else "MISSED"
        print(
            f"{row.scenario:<30} {row.events:>6} {row.writes:>10} {row.reads:>9} {row.starts:>6} {row.other:>5}"
            f"  {row.bar}: {verdict}"
        )
    missed = [row.scenario for row in rows if not row.ok]
    if missed:
        print(f"\ncost bars missed: {', '.join(missed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
