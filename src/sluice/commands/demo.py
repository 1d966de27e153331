"""`sluice demo` — the README's main job: the SAM app from template.yaml, on the local stack.

Prints each step as it runs (to stderr), then where every object, execution and record ended up
(to stdout; with `--json`, the checks as one JSON object); exits 1 if any expected outcome did not
happen, 2 when the template or its samples are missing.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sluice.commands._io import console, fail


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--template", "-t", type=Path, default=Path("template.yaml"), help="SAM template (default: template.yaml)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object: every check and its outcome")


def run(args: argparse.Namespace) -> int:
    from sluice.demo import SAMPLE_FILES, run_demo  # noqa: PLC0415
    from sluice.local.errors import LocalStackError  # noqa: PLC0415

    if not args.template.is_file():
        return fail(f"template not found: {args.template} (run from the repository root or pass --template)")
    missing = [name for name in SAMPLE_FILES if not (args.template.parent / "samples" / name).is_file()]
    if missing:
        return fail(f"sample files missing beside the template: {', '.join('samples/' + n for n in missing)}")
    progress = console(sys.stderr)
    progress.print(f"[bold]sluice demo[/bold] — {args.template} on the local stack (moto + sluice's engine, no Docker)")
    try:
        report = run_demo(args.template, on_step=lambda step: progress.print(f"\n[bold cyan]▶ {step}[/bold cyan]"))
    except LocalStackError as error:  # the template's, the stack's or an event's
        return fail(str(error))
    if args.json:
        print(json.dumps({"ok": report.ok, "checks": [asdict(check) for check in report.checks]}, ensure_ascii=False))
    else:
        _print(console(sys.stdout), report)
    return 0 if report.ok else 1


def _print(out: Any, report: Any) -> None:
    from rich.table import Table  # noqa: PLC0415

    checks = Table(title="Expected outcomes", show_lines=False)
    for column in ("", "step", "expectation", "detail"):
        checks.add_column(column)
    for check in report.checks:
        checks.add_row("[green]✓[/green]" if check.ok else "[red]✗[/red]", check.step, check.expectation, check.detail)
    out.print()
    out.print(checks)

    where = Table(title="Where everything ended up")
    where.add_column("place")
    where.add_column("contents")
    for bucket, keys in report.buckets.items():
        where.add_row(bucket, "\n".join(keys) or "(empty)")
    for table, count in report.tables.items():
        where.add_row(table, f"{count} items")
    for queue, count in report.queues.items():
        where.add_row(queue, f"{count} messages")
    out.print(where)

    runs = Table(title="Executions")
    for column in ("state machine", "execution", "status", "error"):
        runs.add_column(column)
    for row in report.executions:
        runs.add_row(*row)
    out.print(runs)
    if report.ok:
        out.print("[bold green]all outcomes as expected[/bold green]")
    else:
        out.print("[bold red]UNEXPECTED OUTCOMES[/bold red]")
