"""Cold-start cost of each handler, as a ratio to `import boto3` measured in the same run.

Each sample is a fresh interpreter (`python -c ...`) started in `functions/<name>/` with the layer's
`python/` directory on PYTHONPATH, as Lambda lays it out (/opt/python). Runs are interleaved (baseline,
then every handler, round after round) so drift hits all columns alike; the figure is the median.

Columns:
* `import` - `import app`: what the Lambda init phase pays. Goal: at most 1.5x `import boto3`.
* `+first call` - also what the first invocation does before its first AWS call: import the modules
  loaded lazily (pydantic models, registry, Powertools idempotency, and batch processing for
  stream/ordered), validate the registry and parse the sample event. Informational: the honest total.
* `+tracer` - also builds the Powertools Tracer (X-Ray SDK import + botocore patching), which happens
  on the first invocation only when POWERTOOLS_TRACE_DISABLED is not true: informational.

Usage:
    .venv/bin/python benchmarks/cold_start.py [--runs 11] [--goal 1.5]

Exits 1 when a handler's `import` ratio is above the goal.
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
LAYER = ROOT / "layers" / "runtime" / "python"
HANDLERS = ("ingest", "router", "stream", "ordered")
# What a first invocation does before its first AWS call, in the handler's order: import the modules
# loaded lazily, validate the registry (pydantic schema building) and parse the sample event.
_BATCH = "import aws_lambda_powertools.utilities.batch; "  # first, as in the handlers (see stream/app.py)
_RUNTIME = (
    "import aws_lambda_powertools.utilities.idempotency, sluice_runtime.dispatcher, sluice_runtime.stream_batches; "
    "from sluice_runtime.registry import load_registry; load_registry(); "
    "from sluice_runtime.models import *; import json; event = json.load(open({path!r})); "
)
FIRST_CALL = {
    "ingest": _RUNTIME.format(path=str(ROOT / "events/ingest-object-created.json")) + "parse_s3_delivery(event)",
    "router": _RUNTIME.format(path=str(ROOT / "events/router-dataset-ready.json")) + "parse_custom_delivery(event)",
    "stream": _BATCH
    + _RUNTIME.format(path=str(ROOT / "events/stream-batch.json"))
    + "parse(KinesisEnvelope, event['Records'][0], 'record').decode()",
    "ordered": _BATCH
    + _RUNTIME.format(path=str(ROOT / "events/ordered-multi-group.json"))
    + "parse(SqsEnvelope, event['Records'][0], 'message').decode()",
}

ENV = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "POWERTOOLS_SERVICE_NAME": "sluice-cold-start",
    "POWERTOOLS_METRICS_NAMESPACE": "sluice",
    "RAW_BUCKET": "sluice-raw",
    "PYTHONPATH": str(LAYER),
}


def timed(code: str, cwd: Path) -> float:
    """Wall-clock seconds of a fresh interpreter running `code`."""
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("POWERTOOLS_", "SLUICE_"))}, **ENV}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, check=True)
    return time.perf_counter() - started


def programs() -> dict[str, tuple[str, Path]]:
    cases = {"boto3": ("import boto3", ROOT)}
    for name in HANDLERS:
        where = ROOT / "functions" / name
        cases[f"{name}/import"] = ("import app", where)
        cases[f"{name}/+first call"] = ("import app; " + FIRST_CALL[name], where)
        cases[f"{name}/+tracer"] = (
            "import app; " + FIRST_CALL[name] + "; from sluice_runtime.observability import tracer; assert tracer()",
            where,
        )
    return cases


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--goal", type=float, default=1.5)
    args = parser.parse_args()

    cases = programs()
    for code, cwd in cases.values():  # warm the OS file cache and .pyc files once
        timed(code, cwd)
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.runs):
        for name, (code, cwd) in cases.items():
            samples[name].append(timed(code, cwd))
    median = {name: statistics.median(values) for name, values in samples.items()}
    base = median["boto3"]

    print(f"median of {args.runs} fresh interpreters; `import boto3` = {base * 1000:.0f} ms\n")
    print(f"{'handler':<9} {'import':>16} {'+first call':>16} {'+tracer':>16}   goal <= {args.goal}x")
    missed = []
    for name in HANDLERS:
        cells = [median[f"{name}/{column}"] for column in ("import", "+first call", "+tracer")]
        ratio = cells[0] / base
        verdict = "ok" if ratio <= args.goal else "MISSED"
        if ratio > args.goal:
            missed.append(name)
        row = " ".join(f"{c * 1000:>7.0f} ms {c / base:>4.2f}x" for c in cells)
        print(f"{name:<9} {row}   {verdict}")
    if missed:
        print(f"\ncold-start goal missed by: {', '.join(missed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
