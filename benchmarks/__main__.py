"""`make bench` / `python -m benchmarks`: run every benchmark and record the figures.

Each benchmark is a script that compares sluice against a named baseline measured in the same run
and exits non-zero when it misses its bar. Their output is written to `docs/benchmarks.md`
(the README's performance section points there).
"""

from __future__ import annotations

import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = [
    ("engine_vs_moto.py", "Step Functions engine vs moto's interpreter"),
    ("invoke_latency.py", "in-process Lambda invoke vs spawning a Python process"),
    ("runtime_costs.py", "AWS calls per event made by the ingestion handlers"),
    ("kinesis_claims.py", "idempotency-table writes per Kinesis record vs per-record claims"),
    ("cold_start.py", "handler import time vs `import boto3`"),
    ("first_end_to_end.py", "a first end-to-end test process vs a bare moto process"),
]


def main() -> int:
    sections: list[str] = []
    failed: list[str] = []
    for script, title in BENCHMARKS:
        command = [sys.executable, str(ROOT / "benchmarks" / script)]
        print(f"==> {script}: {title}", flush=True)
        started = time.perf_counter()
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - started
        print(result.stdout, end="")
        if result.returncode != 0:
            failed.append(script)
            print(result.stderr[-2000:], file=sys.stderr)
        status = "bars met" if result.returncode == 0 else "BAR MISSED"
        output = result.stdout.strip()
        heading = f"## {title}\n\n`python benchmarks/{script}` — {status}, {elapsed:.0f} s"
        sections.append(f"{heading}\n\n```\n{output}\n```\n")
    header = (
        "# Benchmark results\n\n"
        f"Produced by `make bench` on {time.strftime('%Y-%m-%d')} "
        f"({platform.python_implementation()} {platform.python_version()}, {platform.machine()}). "
        "Every figure is a ratio against a baseline measured in the same run.\n"
    )
    (ROOT / "docs" / "benchmarks.md").write_text(header + "\n" + "\n".join(sections), encoding="utf-8")
    if failed:
        print(f"benchmarks missing their bar: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
