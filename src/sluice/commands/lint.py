"""`sluice lint [PATHS…] [--format text|json|sarif]` — best-practice checks; exit 1 on errors, 2 on bad input.

With no path: the project's `template.yaml` and every state machine it deploys.
"""

from __future__ import annotations

import argparse
import json
import sys


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="SAM templates and ASL definition files (default: --template, else template.yaml, "
                             ".yml or .json here)")
    parser.add_argument("--format", "-f", choices=["text", "json", "sarif"], default="text",
                        help="text for people (default), json, or SARIF 2.1.0 for code scanning")
    parser.add_argument("--template", "-t", metavar="TEMPLATE",
                        help="template that deploys the definition files (default: ./template.yaml when present)")
    parser.add_argument("--type", choices=["STANDARD", "EXPRESS"], default=None,
                        help="workflow type of definition files no template deploys (default STANDARD)")
    parser.add_argument("--quiet", "-q", action="store_true", help="text output: hide notes (info findings)")


def run(args: argparse.Namespace) -> int:
    from sluice.commands._io import fail  # noqa: PLC0415
    from sluice.lint import LintInputError, lint_paths  # noqa: PLC0415
    from sluice.local.template.default import default_template  # noqa: PLC0415

    # No path: the template named by --template, else the one SAM CLI would read here.
    paths = args.paths or [args.template or str(default_template() or "template.yaml")]
    try:
        report = lint_paths(paths, template=args.template, workflow_type=args.type)
    except LintInputError as error:
        return fail(str(error))
    if args.format == "json":
        document = {"findings": [f.model_dump() for f in report.findings], "checked": report.linted,
                    "summary": {s: report.count(s) for s in ("error", "warning", "info")}}
        print(json.dumps(document, indent=2))
    elif args.format == "sarif":
        from sluice.lint.sarif import to_sarif  # noqa: PLC0415

        print(json.dumps(to_sarif(report), indent=2))
    else:
        from rich.console import Console  # noqa: PLC0415

        from sluice.lint.text import print_report  # noqa: PLC0415

        console = Console(width=None if sys.stdout.isatty() else 200, highlight=False)
        print_report(report, console, show_info=not args.quiet)
    return 1 if report.errors else 0
