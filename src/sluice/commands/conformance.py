"""`sluice conformance CASES.jsonl [--json]` — fidelity score against AWS-recorded executions."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sluice.commands._io import fail


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("cases", type=Path, help="corpus file, one JSON case per line")
    parser.add_argument("--json", action="store_true", help="print {total, passed, by_feature, failed}")
    parser.add_argument("--case", action="append", dest="ids", help="run only this case id (repeatable)")
    parser.add_argument(
        "--engine",
        choices=["sluice", "moto"],
        default="sluice",
        help="run the cases on sluice (default) or on moto's interpreter, as an oracle",
    )


def run(args: argparse.Namespace) -> int:
    from sluice.conformance import run_corpus  # noqa: PLC0415

    runner = None
    if args.engine == "moto":
        from sluice.oracle import run_on_moto  # noqa: PLC0415

        runner = run_on_moto
    try:
        report = run_corpus(args.cases, args.ids, runner)
    except (OSError, ValueError) as error:
        return fail(str(error))
    if args.json:
        print(json.dumps(report.as_json(), indent=2))
    else:
        print(f"{report.passed}/{report.total} cases pass")
        for feature, counts in report.by_feature().items():
            print(f"  {feature:<44} {counts['passed']:>4}/{counts['total']}")
        for result in report.results:
            if not result.passed:
                print(f"FAILED {result.id}\n    {result.detail}")
    return 0 if report.passed == report.total else 1
