"""The `sluice` command line. Each sub-command lives in `sluice.commands.<name>` and is imported
only when it runs, so `sluice execute` starts without paying for moto, boto3 or JSONata.

Example:
    $ sluice execute statemachines/file_pipeline.asl.json --input '{"key": "a.csv"}'
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from sluice.commands._io import EXIT_CODES, INTERNAL_ERROR, fail
from sluice.quick_exit import arrange as arrange_quick_exit

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


def build_parser(argv: Sequence[str]) -> argparse.ArgumentParser:
    """The parser for the command line `argv`: only the sub-command `argv` names is built and
    configured — configuring them all imports what each command needs (`sluice up`'s HTTP server
    alone is ~0.4 s) and 16 sub-parsers cost ~30 ms, which `sluice execute` would pay on every run.
    Without a known sub-command (`sluice --help`, a typo) every one is listed."""
    # Top-level options take no value, so the first bare word is the sub-command.
    chosen = next((arg for arg in argv if not arg.startswith("-")), None)
    listed = {chosen: COMMANDS[chosen]} if chosen in COMMANDS else COMMANDS
    parser = argparse.ArgumentParser(
        prog="sluice", description="sluice: run serverless data pipelines locally, exactly as on AWS.",
        epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=_VersionAction, help="show program's version number and exit")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module, help_text) in listed.items():
        sub = subparsers.add_parser(name, help=help_text, description=help_text, epilog=EXIT_CODES,
                                    formatter_class=argparse.RawDescriptionHelpFormatter)
        sub.set_defaults(module=module, parser=sub)
        if name == chosen:
            _configure(module, sub)
    return parser


class _VersionAction(argparse.Action):
    """`--version`, looking the version up only when asked: importlib.metadata costs ~30 ms at start-up."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS,
                 help: str | None = None) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: str | Sequence[object] | None, option_string: str | None = None) -> None:
        print(f"{parser.prog} {_version()}")
        parser.exit()


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
    argv = sys.argv[1:] if argv is None else argv
    _write_any_text()
    args, unknown = build_parser(argv).parse_known_args(argv)
    if unknown:  # reported with the sub-command's own usage, not the top-level one (exit code 2)
        args.parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    command = importlib.import_module(args.module)
    arrange_quick_exit()  # the command's objects are not collected again on the way out (ADR 0011)
    try:
        return int(command.run(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `sluice … | head`: the reader left; nothing more to say
        sys.stderr.close()
        return 0
    except Exception as error:  # a bug: said in one line like every error, its traceback on request
        if os.environ.get("SLUICE_DEBUG"):
            raise
        return fail(f"internal error, a bug in sluice ({type(error).__name__}: {error}); "
                    "SLUICE_DEBUG=1 shows the traceback", INTERNAL_ERROR)


def _write_any_text() -> None:
    """Text UTF-8 cannot encode (a lone surrogate, which JSON's `"\\ud800"` escape decodes to) is written
    as that escape rather than failing the command after its work is done."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")


if __name__ == "__main__":
    sys.exit(main())
