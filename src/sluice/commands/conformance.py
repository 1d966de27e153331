"""`sluice conformance CASES.jsonl [MORE.jsonl …] [--json] [--histories FILE]` — fidelity score against
AWS-recorded executions (several corpora at once: results and Lambda cases) and, with `--histories`,
their recorded execution histories.

Example:
    sluice conformance asl-aws-recorded.jsonl asl-aws-recorded-lambda.jsonl --histories asl-aws-histories.jsonl
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from sluice.commands._io import fail

if TYPE_CHECKING:
    from sluice.conformance import HistoryReport


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "cases", type=Path, nargs="+", help="corpus files, one JSON case per line (results, Lambda cases…)"
    )
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
        "(types, id/previousEventId links, details) for the cases in the corpus files given",
    )


def run(args: argparse.Namespace) -> int:
    from sluice.conformance import CorpusError, check_readable, run_corpus, run_histories  # noqa: PLC0415

    runner = None
    if args.engine == "moto":
        from sluice.oracle import run_on_moto  # noqa: PLC0415

        runner = run_on_moto
    try:
        # Every file is checked before the first case runs: a typo fails at once, in one line.
        check_readable([*args.cases, *([args.histories] if args.histories else [])])
        from sluice.commands.progress import counted, live_progress  # noqa: PLC0415 - minutes on moto

        with live_progress(f"conformance --engine {args.engine}") as tick:
            report = run_corpus(args.cases, args.ids, runner and counted(runner, tick, lambda case: str(case["id"])))
        histories = run_histories(args.histories, args.cases, args.ids) if args.histories else None
    except (CorpusError, OSError, ValueError) as error:
        return fail(str(error))
    if report.total == 0:  # "0/0 cases pass" with exit code 0 would read as a clean score
        listed = ", ".join(str(path) for path in args.cases)
        return fail(f"no case of {listed} matches --case" if args.ids else f"{listed}: no cases to run")
    if args.json:
        print(json.dumps(report.as_json() | ({"histories": histories.as_json()} if histories else {}), indent=2))
    else:
        print(f"{report.passed}/{report.total} cases pass")
        if len(args.cases) > 1:
            for corpus, counts in report.by_corpus().items():
                print(f"  {corpus}: {counts['passed']}/{counts['total']}")
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
