"""`sluice demo` — the README's main job: the SAM app from template.yaml, on the local stack.

Prints each step, then where every object, execution and record ended up; exits 1 if any expected
outcome did not happen.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sluice.commands._io import fail


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--template", "-t", type=Path, default=Path("template.yaml"), help="SAM template (default: template.yaml)"
    )


def run(args: argparse.Namespace) -> int:
    from rich.console import Console  # noqa: PLC0415

    from sluice.demo import SAMPLE_FILES, run_demo  # noqa: PLC0415
    from sluice.local.errors import StackError  # noqa: PLC0415

    console = Console(highlight=False)
    if not args.template.is_file():
        return fail(f"template not found: {args.template} (run from the repository root or pass --template)")
    missing = [name for name in SAMPLE_FILES if not (args.template.parent / "samples" / name).is_file()]
    if missing:
        return fail(f"sample files missing beside the template: {', '.join('samples/' + n for n in missing)}")
    console.print(f"[bold]sluice demo[/bold] — {args.template} on the local stack (moto + sluice's engine, no Docker)")
    try:
        report = run_demo(args.template, on_step=lambda step: console.print(f"\n[bold cyan]▶ {step}[/bold cyan]"))
    except StackError as error:
        return fail(str(error))
    _print(console, report)
    return 0 if report.ok else 1


def _print(console: Any, report: Any) -> None:
    from rich.table import Table  # noqa: PLC0415

    checks = Table(title="Expected outcomes", show_lines=False)
    for column in ("", "step", "expectation", "detail"):
        checks.add_column(column)
    for check in report.checks:
        checks.add_row("[green]✓[/green]" if check.ok else "[red]✗[/red]", check.step, check.expectation, check.detail)
    console.print()
    console.print(checks)

    where = Table(title="Where everything ended up")
    where.add_column("place")
    where.add_column("contents")
    for bucket, keys in report.buckets.items():
        where.add_row(bucket, "\n".join(keys) or "(empty)")
    for table, count in report.tables.items():
        where.add_row(table, f"{count} items")
    for queue, count in report.queues.items():
        where.add_row(queue, f"{count} messages")
    console.print(where)

    runs = Table(title="Executions")
    for column in ("state machine", "execution", "status", "error"):
        runs.add_column(column)
    for row in report.executions:
        runs.add_row(*row)
    console.print(runs)
    if report.ok:
        console.print("[bold green]all outcomes as expected[/bold green]")
    else:
        console.print("[bold red]UNEXPECTED OUTCOMES[/bold red]")
