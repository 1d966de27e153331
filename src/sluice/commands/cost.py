"""`sluice cost PIPELINE [--executions-per-month N] [--json]` — monthly USD, Standard vs Express, per path;
`sluice cost --from-run RUN.json [-n N]` — the transitions a local run really took, priced (RUN.json:
what `sluice drop … --json` or `sluice run … --json` prints)."""

from __future__ import annotations

import argparse
import sys


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("pipeline", metavar="PIPELINE", nargs="?",
                        help="a state machine's logical id in the template, or an ASL definition file")
    parser.add_argument("--from-run", metavar="RUN.json",
                        help="price the executions of a local run instead: the JSON `sluice drop … --json` or "
                             "`sluice run … --json` prints")
    parser.add_argument("--executions-per-month", "-n", type=int, default=None, metavar="N",
                        help="executions per month (default 1,000,000; with --from-run, the run's own count)")
    parser.add_argument("--task-seconds", type=float, default=1.0, metavar="S",
                        help="assumed duration of one Task attempt (default 1 s)")
    parser.add_argument("--map-items", type=int, default=10, metavar="N", help="assumed items per Map run (default 10)")
    parser.add_argument("--template", "-t", metavar="TEMPLATE",
                        help="SAM template (default: ./template.yaml when present)")
    parser.add_argument("--type", choices=["STANDARD", "EXPRESS"], default=None,
                        help="workflow type of a definition file the template does not deploy")
    parser.add_argument("--json", action="store_true", help="print the estimate as JSON")


def run(args: argparse.Namespace) -> int:
    from pydantic import ValidationError  # noqa: PLC0415

    from sluice.commands._io import fail  # noqa: PLC0415
    from sluice.cost import Assumptions, estimate_cost  # noqa: PLC0415
    from sluice.graph import WorkflowError, load_workflow  # noqa: PLC0415

    if (args.pipeline is None) == (args.from_run is None):
        return fail("give a PIPELINE or --from-run RUN.json (one of them)")
    if args.from_run is not None:
        return _from_run(args)
    try:
        assumptions = Assumptions(executions_per_month=1_000_000 if args.executions_per_month is None
                                  else args.executions_per_month, task_seconds=args.task_seconds,
                                  map_items=args.map_items)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        return fail(f"invalid option: {problems}")
    try:
        estimate = estimate_cost(load_workflow(args.pipeline, template=args.template, workflow_type=args.type),
                                 assumptions)
    except WorkflowError as error:
        return fail(str(error))
    if args.json:
        print(estimate.model_dump_json(indent=2))
        return 0
    from rich.console import Console  # noqa: PLC0415

    from sluice.cost.text import print_estimate  # noqa: PLC0415

    print_estimate(estimate, Console(width=None if sys.stdout.isatty() else 200, highlight=False))
    return 0


def _from_run(args: argparse.Namespace) -> int:
    from pathlib import Path  # noqa: PLC0415

    from pydantic import ValidationError  # noqa: PLC0415

    from sluice.commands._io import console, fail  # noqa: PLC0415
    from sluice.cost.observed import RunFile, price_run  # noqa: PLC0415

    if args.executions_per_month is not None and args.executions_per_month < 0:
        return fail("--executions-per-month must not be negative")
    try:
        run = RunFile.model_validate_json(Path(args.from_run).read_text(encoding="utf-8"))
    except OSError as error:
        return fail(f"cannot read {args.from_run}: {error.strerror}")
    except ValidationError as error:
        first = error.errors()[0]
        return fail(f"{args.from_run} is not the JSON of `sluice drop --json` or `sluice run --json`: "
                    f"{'.'.join(map(str, first['loc']))}: {first['msg']}")
    if not run.executions:
        return fail(f"{args.from_run} has no executions to price")
    cost = price_run(run, executions_per_month=args.executions_per_month)
    if args.json:
        print(cost.model_dump_json(indent=2))
        return 0
    out = console(sys.stdout)
    for machine in cost.machines:
        out.print(f"{machine.state_machine_arn} ({machine.type}): {machine.executions_in_run} execution(s) in the run "
                  f"({machine.failed_in_run} failed), {machine.mean_transitions:,.1f} transitions and "
                  f"{machine.mean_seconds:,.1f} s each; {machine.executions_priced:,} priced: "
                  f"Standard ${machine.standard_usd:,.4f}, Express ${machine.express_usd:,.4f}")
    out.print(f"total ({cost.region}, prices of {cost.prices_as_of}): Standard ${cost.total_standard_usd:,.4f}, "
              f"Express ${cost.total_express_usd:,.4f}")
    out.print("[dim]" + "; ".join(cost.notes) + "[/dim]")
    return 0
