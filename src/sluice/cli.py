"""The `sluice` command line. Each sub-command lives in `sluice.commands.<name>` and is imported
only when it runs, so `sluice execute` starts without paying for moto, boto3 or JSONata.

Example:
    $ sluice execute statemachines/file_pipeline.asl.json --input '{"key": "a.csv"}'
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from sluice.commands._io import EXIT_CODES

# name -> (module, one-line help). Modules expose `configure(parser)` and `run(args) -> int`.
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("sluice.commands.demo", "run the whole SAM app locally: the scenario a newcomer should see"),
    "execute": ("sluice.commands.execute", "run an ASL definition on the local engine"),
    "validate": ("sluice.commands.validate", "statically validate ASL definitions"),
    "conformance": ("sluice.commands.conformance", "score the engine on a corpus of AWS-recorded executions"),
    "invoke": ("sluice.commands.invoke", "invoke a template's function in-process (a Docker-free sam local invoke)"),
    "drop": ("sluice.commands.drop", "put a file into a local bucket and show everything that follows"),
    "run": ("sluice.commands.run", "run a template's state machine on the local stack and show everything it did"),
    "serve": ("sluice.commands.serve", "serve the Step Functions API over HTTP (a Step Functions Local stand-in)"),
    "chaos": ("sluice.commands.chaos", "inject random faults into many inputs and check the reliability invariants"),
    "graph": ("sluice.commands.graph", "draw a state machine: Mermaid text, SVG or PNG"),
    "lint": ("sluice.commands.lint", "check the template and state machines against best practices"),
    "cost": ("sluice.commands.cost", "estimate a pipeline's monthly AWS cost, Standard and Express side by side"),
    "plan": ("sluice.commands.plan", "plan AWS capacity for a target load: shards, concurrency, quotas, cost"),
    "report": ("sluice.commands.report", "write the HTML report of an execution of a running `sluice serve`"),
    "up": ("sluice.commands.up", "serve the template's whole world on one endpoint (like LocalStack's edge port)"),
    "state": ("sluice.commands.state", "show what a running `sluice up` holds: objects, items, queues, executions"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sluice", description="sluice: run serverless data pipelines locally, exactly as on AWS.",
        epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module, help_text) in COMMANDS.items():
        sub = subparsers.add_parser(name, help=help_text, description=help_text, epilog=EXIT_CODES,
                                    formatter_class=argparse.RawDescriptionHelpFormatter)
        sub.set_defaults(module=module, parser=sub)
        _configure(module, sub)
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415

    try:
        return version("sluice")
    except PackageNotFoundError:  # run from a source tree that was not installed
        return "unknown"


def _configure(module: str, parser: argparse.ArgumentParser) -> None:
    # Argument definitions are cheap; the heavy imports happen inside `run`.
    importlib.import_module(module).configure(parser)


def main(argv: Sequence[str] | None = None) -> int:
    args, unknown = build_parser().parse_known_args(argv)
    if unknown:  # reported with the sub-command's own usage, not the top-level one (exit code 2)
        args.parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    command = importlib.import_module(args.module)
    try:
        return int(command.run(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `sluice … | head`: the reader left; nothing more to say
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
