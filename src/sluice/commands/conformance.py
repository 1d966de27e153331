"""`sluice conformance CASES.jsonl [--json] [--histories FILE]` — fidelity score against AWS-recorded
executions and, with `--histories`, their recorded execution histories."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from sluice.commands._io import fail

if TYPE_CHECKING:
    from sluice.conformance import HistoryReport


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
    parser.add_argument(
        "--histories",
        type=Path,
        metavar="FILE",
        help="also score sluice's execution histories against the AWS-recorded ones in FILE "
        "(types, id/previousEventId links, details) for the cases in CASES",
    )


def run(args: argparse.Namespace) -> int:
    from sluice.conformance import run_corpus, run_histories  # noqa: PLC0415

    runner = None
    if args.engine == "moto":
        from sluice.oracle import run_on_moto  # noqa: PLC0415

        runner = run_on_moto
    try:
        report = run_corpus(args.cases, args.ids, runner)
        histories = run_histories(args.histories, [args.cases], args.ids) if args.histories else None
    except (OSError, ValueError) as error:
        return fail(str(error))
    if args.json:
        print(json.dumps(report.as_json() | ({"histories": histories.as_json()} if histories else {}), indent=2))
    else:
        print(f"{report.passed}/{report.total} cases pass")
        for feature, counts in report.by_feature().items():
            print(f"  {feature:<44} {counts['passed']:>4}/{counts['total']}")
        for result in report.results:
            if not result.passed:
                print(f"FAILED {result.id}\n    {result.detail}")
        if histories is not None:
            _print_histories(histories)
    identical = histories is None or histories.score()["identical"] == histories.score()["total"]
    return 0 if report.passed == report.total and identical else 1


def _print_histories(report: HistoryReport) -> None:
    score = report.score()
    print(
        f"{score['identical']}/{score['total']} histories identical "
        f"(types {score['types']}, links {score['links']}, details {score['details']})"
    )
    for result in report.results:
        if not result.identical:
            print(f"DIFFERS {result.id}\n    {result.detail}")
    for case_id in report.missing:
        print(f"NO CASE {case_id}: its case is not in the corpus given, history not scored")
