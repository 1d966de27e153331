"""Latency of one in-process invoke on the local stack, against spawning a Python process that does
nothing but import the handler (the floor of any out-of-process runner such as `sam local invoke`,
which additionally starts a container).

For each round: a fresh interpreter runs `import <handler module>` with the function's code and
layer directories on `sys.path` (timed from spawn to exit); the warm in-process figure is the median
of many `LocalStack.invoke` calls on one started stack, the cold one the first call (handler import
included). Figures are medians; the ratio is spawn / warm invoke.

Usage:
    .venv/bin/python benchmarks/invoke_latency.py [--template T] [--function F] [--event E]
                                                   [--invokes 200] [--spawns 7]

Defaults: the first function of template.yaml that has an `events/<name>-*.json` sample, else the
echo function of the local-stack test fixtures.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "local" / "fixtures" / "functions" / "template.yaml"


def default_target() -> tuple[Path, str, Any]:
    from sluice.local.lambda_.spec import FUNCTION_TYPES  # noqa: PLC0415
    from sluice.local.template.model import SamTemplate  # noqa: PLC0415

    template = SamTemplate.load(ROOT / "template.yaml")
    for decl in template.of_type(*FUNCTION_TYPES):
        code = template.prop(decl, "CodeUri")
        samples = sorted((ROOT / "events").glob(f"{Path(str(code)).name}-*.json")) if isinstance(code, str) else []
        if samples:
            return ROOT / "template.yaml", decl.logical_id, json.loads(samples[0].read_text())
    return FIXTURE, "Misc", {"action": "echo", "id": 1}


def spawn_import(code_dir: Path, layers: list[Path], module: str) -> float:
    paths = [str(code_dir), *(str(layer) for layer in layers)]
    script = f"import sys; sys.path[:0] = {paths!r}; import {module}"
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, cwd=code_dir)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--template", type=Path)
    parser.add_argument("--function")
    parser.add_argument("--event", type=Path)
    parser.add_argument("--invokes", type=int, default=200)
    parser.add_argument("--spawns", type=int, default=7)
    args = parser.parse_args()

    from sluice.local.stack import LocalStack  # noqa: PLC0415

    template, function, event = default_target()
    template, function = (args.template or template).resolve(), args.function or function
    if args.event:
        event = json.loads(args.event.read_text())

    with LocalStack.from_template(template) as stack:
        spec = stack.world.runtime.function(function).spec
        sink = io.StringIO()
        with contextlib.redirect_stderr(sink):
            started = time.perf_counter()
            first = stack.invoke(function, event)
            cold = time.perf_counter() - started
            warm = []
            for _ in range(args.invokes):
                started = time.perf_counter()
                stack.invoke(function, event)
                warm.append(time.perf_counter() - started)
    spawned = [spawn_import(spec.code_dir, spec.layer_dirs, spec.module) for _ in range(args.spawns)]

    warm_ms, cold_ms, spawn_ms = statistics.median(warm) * 1000, cold * 1000, statistics.median(spawned) * 1000
    shown = template.relative_to(ROOT) if template.is_relative_to(ROOT) else template
    print(f"function            {function} ({shown})")
    print(f"handler outcome     {'ok' if first.ok else first.error.error_type if first.error else '?'}")
    print(f"in-process, cold    {cold_ms:9.2f} ms   (first invoke: handler import included)")
    print(f"in-process, warm    {warm_ms:9.2f} ms   (median of {args.invokes}; p95 "
          f"{sorted(warm)[int(len(warm) * 0.95) - 1] * 1000:.2f} ms)")
    print(f"spawn + import      {spawn_ms:9.2f} ms   (median of {args.spawns} fresh interpreters)")
    print(f"ratio               {spawn_ms / warm_ms:9.1f}x  (spawn + import / warm in-process invoke)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
