"""`sluice cost PIPELINE [--executions-per-month N] [--json]` — monthly USD, Standard vs Express, per path."""

from __future__ import annotations

import argparse
import sys


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("pipeline", metavar="PIPELINE",
                        help="a state machine's logical id in the template, or an ASL definition file")
    parser.add_argument("--executions-per-month", "-n", type=int, default=1_000_000, metavar="N",
                        help="executions per month (default 1,000,000)")
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

    try:
        assumptions = Assumptions(executions_per_month=args.executions_per_month, task_seconds=args.task_seconds,
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
