"""`sluice chaos` — random fault schedules over many inputs through the project's own template, then
the reliability invariants (docs/RELIABILITY.md).

Progress goes to stderr, the result to stdout (`--json`: `{"runs", "faults_injected", "events",
"violations": [...]}`). Exit code 0 when every invariant held, 1 when any was violated, 2 for a
usage error. A violation names its run's seed: `sluice chaos --seed S --runs 1` replays that run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sluice.commands._io import fail


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--template", "-t", type=Path, default=Path("template.yaml"),
                        help="SAM template (default: template.yaml)")
    parser.add_argument("--seed", type=int, default=None,
                        help="campaign seed (default: a fresh one, printed so the campaign can be replayed)")
    parser.add_argument("--runs", type=int, default=10, help="number of runs, each on a fresh stack (default: 10)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")


def run(args: argparse.Namespace) -> int:
    import random  # noqa: PLC0415

    from sluice.chaos.campaign import ChaosReport, run_campaign  # noqa: PLC0415
    from sluice.local.errors import LocalStackError  # noqa: PLC0415

    if args.runs < 1:
        return fail(f"--runs must be at least 1, not {args.runs}")
    if not args.template.is_file():
        return fail(f"template not found: {args.template} (run from the repository root or pass --template)")
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**31)
    print(f"sluice chaos: seed {seed}, {args.runs} run(s) on {args.template}", file=sys.stderr)

    from sluice.commands.progress import live_progress  # noqa: PLC0415

    try:
        with live_progress("sluice chaos", total=args.runs) as tick:
            def progress(run_seed: int, report: ChaosReport) -> None:
                tick(f"run {report.runs}/{args.runs} (seed {run_seed}): {report.faults_injected} faults so far, "
                     f"{len(report.violations)} violation(s)")

            report = run_campaign(args.template, seed=seed, runs=args.runs, on_run=progress)
    except LocalStackError as error:  # the template's, the stack's or an event's
        return fail(str(error))
    if args.json:
        print(report.model_dump_json())
    else:
        print(f"{report.runs} runs, {report.events} events, {report.faults_injected} faults injected, "
              f"{len(report.violations)} violation(s)")
        for violation in report.violations:
            print(f"  seed {violation.seed}: {violation.invariant}: {violation.detail}")
    return 1 if report.violations else 0
