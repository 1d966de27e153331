"""Findings for people: grouped by file, coloured by severity (rich), one summary line.

Example:
    >>> print_report(report, Console())
    template.yaml
      warning  task-no-timeout  BackfillStateMachine/Reprocess/RunFilePipeline
               no TimeoutSeconds: … → set TimeoutSeconds …
    0 errors, 1 warning, 0 notes in 4 checked (template.yaml, …)
"""

from __future__ import annotations

from itertools import groupby

from rich.console import Console
from rich.markup import escape

from sluice.lint.runner import Report

STYLES = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def print_report(report: Report, console: Console, *, show_info: bool = True) -> None:
    findings = [f for f in report.findings if show_info or f.severity != "info"]
    for file, group in groupby(sorted(findings, key=lambda f: f.file), key=lambda f: f.file):
        console.print(f"[bold]{escape(file)}[/bold]")
        for finding in group:
            console.print(f"  [{STYLES[finding.severity]}]{finding.severity:<7}[/] "
                          f"[bold]{finding.rule}[/bold]  {escape(finding.where)}")
            console.print(f"           {escape(finding.message)}")
            console.print(f"           [dim]fix:[/dim] {escape(finding.fix)}")
    errors, warnings, notes = (report.count(s) for s in ("error", "warning", "info"))
    hidden = "" if show_info else " (notes hidden by --quiet)"
    console.print(f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}, "
                  f"{notes} note{'s' * (notes != 1)}{hidden} — checked {', '.join(report.linted) or 'nothing'}")
