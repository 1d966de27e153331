"""`sluice plan [TEMPLATE|STATE_MACHINE] --records-per-second N --files-per-day N … [--simulate] [--json]` —
a capacity plan for AWS from a target load (docs/graph-lint-cost.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("target", nargs="?", default="template.yaml", metavar="TEMPLATE|STATE_MACHINE",
                        help="a SAM template (default template.yaml), or a state machine: an ASL file or a logical id")
    parser.add_argument("--template", "-t", metavar="TEMPLATE", help="the template of a state machine's logical id")
    parser.add_argument("--type", choices=["STANDARD", "EXPRESS"], default=None,
                        help="workflow type of a definition file no template deploys")
    parser.add_argument("--records-per-second", type=float, default=0, metavar="N",
                        help="records/s into each Kinesis stream a function consumes")
    parser.add_argument("--files-per-day", type=float, default=0, metavar="N", help="S3 objects created per day")
    parser.add_argument("--executions-per-second", type=float, default=0, metavar="N",
                        help="executions/s of a state machine given as TARGET")
    parser.add_argument("--payload-bytes", type=int, default=1_024, metavar="B", help="bytes per record (default 1024)")
    parser.add_argument("--peak-factor", type=float, default=1.0, metavar="X", help="peak ÷ mean file rate (default 1)")
    parser.add_argument("--function-seconds", type=float, default=0.2, metavar="S",
                        help="duration of one triggered invocation (default 0.2 s)")
    parser.add_argument("--task-seconds", type=float, default=1.0, metavar="S",
                        help="duration of one Task attempt (default 1 s)")
    parser.add_argument("--simulate", action="store_true",
                        help="also replay the load at reduced scale on the local stack's virtual clock")
    parser.add_argument("--seconds", type=int, default=30, metavar="N", help="virtual seconds to simulate (default 30)")
    parser.add_argument("--scale", type=float, default=None, metavar="F",
                        help="fraction of the load really put (default: at most 20 records/s)")
    parser.add_argument("--json", action="store_true", help="print the plan (and simulation) as JSON")


def run(args: argparse.Namespace) -> int:
    import json  # noqa: PLC0415

    from pydantic import ValidationError  # noqa: PLC0415

    from sluice.commands._io import console, fail  # noqa: PLC0415
    from sluice.graph import WorkflowError, load_workflow  # noqa: PLC0415
    from sluice.graph.source import load_template  # noqa: PLC0415
    from sluice.local.errors import LocalStackError  # noqa: PLC0415
    from sluice.plan import Load, plan_capacity  # noqa: PLC0415

    try:
        load = Load(records_per_second=args.records_per_second, files_per_day=args.files_per_day,
                    executions_per_second=args.executions_per_second, payload_bytes=args.payload_bytes,
                    peak_factor=args.peak_factor, function_seconds=args.function_seconds,
                    task_seconds=args.task_seconds)
    except ValidationError as error:
        return fail("invalid option: " + "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}"
                                                  for e in error.errors()))
    if args.seconds < 1 or (args.scale is not None and not 0 < args.scale <= 1):
        return fail("--seconds must be at least 1 and --scale in (0, 1]")
    target = Path(args.target)
    is_template = target.suffix in (".yaml", ".yml") or target.name == "template.json"
    try:
        if is_template:
            if not target.is_file():
                return fail(f"template not found: {target}")
            plan = plan_capacity(load_template(target), load)
        else:
            workflow = load_workflow(args.target, template=args.template, workflow_type=args.type)
            plan = plan_capacity(workflow.template, load, workflow=workflow)
    except WorkflowError as error:
        return fail(str(error))
    simulation = None
    if args.simulate:
        if not is_template:
            return fail("--simulate replays a template's entry points: give a template")
        from sluice.commands.progress import live_progress  # noqa: PLC0415
        from sluice.plan.simulate import simulate  # noqa: PLC0415

        try:
            with live_progress(f"simulating {args.seconds} virtual seconds", total=args.seconds) as tick:
                simulation = simulate(target, load, seconds=args.seconds, scale=args.scale,
                                      on_second=lambda at: tick(f"second {at}/{args.seconds}"))
        except LocalStackError as error:
            return fail(str(error))
    if args.json:
        result = plan.model_dump(mode="json") | ({"simulation": simulation.model_dump(mode="json")}
                                                  if simulation else {})
        print(json.dumps(result, indent=2, default=str))
        return 0
    from sluice.plan.text import print_plan, print_simulation  # noqa: PLC0415

    out = console(sys.stdout)
    print_plan(plan, out)
    if simulation is not None:
        print_simulation(simulation, out)
    return 0
