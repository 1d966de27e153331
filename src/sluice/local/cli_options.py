"""Command-line options shared by the local-stack commands (`sluice invoke`, `sluice drop`,
`sluice run`), spelled as `sam` spells them, and how those commands show what ran.

Example:
    >>> parser = argparse.ArgumentParser()
    >>> add_stack_options(parser)
    >>> stack = stack_from_args(parser.parse_args(["--parameter-overrides", "Stage=test"]))
    >>> with stack:
    ...     mark, start = stack.trace.mark(), stack.clock.now()
    ...     stack.start_execution("FilePipelineStateMachine", {})
    ...     stack.run_until_idle()
    ...     show_trace(stack, stack.trace.since(mark), start=start, stream=sys.stderr)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from sluice.commands._io import UsageError, console, fresh_seed
from sluice.local.errors import TemplateError
from sluice.local.template.default import default_template

if TYPE_CHECKING:
    from sluice.local.stack import LocalStack
    from sluice.local.trace import Activity

def add_stack_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--template", "-t", help="SAM template (default: template.yaml in this directory)")
    parser.add_argument("--parameter-overrides", action="append", metavar="'KEY=VALUE ...'", default=[],
                        help="template parameters, as with sam: 'Stage=dev LogLevel=DEBUG' (or "
                             "ParameterKey=Stage,ParameterValue=dev); may be repeated")
    parser.add_argument("--env-vars", "-n", metavar="FILE",
                        help='JSON file of environment overrides: {"Function": {"VAR": "v"}, "Parameters": {...}}')
    parser.add_argument("--region", help="region of the local stack (default: samconfig, else us-east-1)")
    parser.add_argument("--config-file", help="SAM config file (default: samconfig.toml next to the template)")
    parser.add_argument("--config-env", default="default", help="environment of the SAM config file")
    parser.add_argument("--no-config", action="store_true", help="ignore samconfig.toml")
    parser.add_argument("--strict", action="store_true", help="fail on template constructs sluice does not emulate")
    parser.add_argument("--faults", metavar="FILE",
                        help="YAML/JSON faults file: AWS errors, crashes, duplicate deliveries to inject "
                             "(see docs/local-stack.md, Fault injection)")
    parser.add_argument("--seed", help="seed of generated ids (request ids, execution ids) and of random faults: "
                                       "the same seed gives the same run (default: fresh ids every run)")


def template_path(value: str | None) -> Path:
    if value:
        return Path(value)
    found = default_template()
    if found is None:
        raise TemplateError("no template.yaml here: pass --template PATH")
    return found


def stack_from_args(args: argparse.Namespace, *, echo_logs: TextIO | None = None,
                    real_time: bool = False) -> LocalStack:
    """A (not yet started) LocalStack for the parsed options; `real_time=True` really waits."""
    from sluice.local.stack import LocalStack  # noqa: PLC0415 - heavy; only once the command runs
    from sluice.local.template.samconfig import parse_parameter_overrides  # noqa: PLC0415

    return LocalStack.from_template(
        template_path(args.template),
        parameters=parse_parameter_overrides(args.parameter_overrides) if args.parameter_overrides else None,
        env_vars=args.env_vars,
        region=args.region,
        config_file=args.config_file,
        config_env=args.config_env,
        use_config=not args.no_config,
        strict=args.strict,
        echo_logs=echo_logs,
        faults=args.faults,
        seed=args.seed if args.seed is not None else fresh_seed(),
        real_time=real_time,
    )


def print_warnings(warnings: list[str], stream: TextIO | None = None) -> None:
    for warning in warnings:
        print(f"sluice: warning: {warning}", file=stream or sys.stderr)


def show_trace(stack: LocalStack, roots: list[Activity], *, start: float, stream: TextIO, logs: bool = False,
               report: str | None = None, title: str = "", set_aside: Mapping[str, str] | None = None) -> None:
    """Print what ran (trace `roots`) as the tree `sluice drop` prints and, given `report`, also write it
    as an HTML report titled `title`. A report that cannot be written raises `UsageError`. `set_aside`:
    see `sluice.local.tree.render`."""
    from sluice.local.tree import render  # noqa: PLC0415 - rich only when rendering

    console(stream).print(render(roots, start=start, logs=logs, set_aside=set_aside))
    if report:
        from sluice.report import from_trace, write_report  # noqa: PLC0415

        try:
            write_report(from_trace(stack, roots, title), report, stack.template)
        except OSError as error:  # only the report is written to a local path here
            raise UsageError(f"cannot write the report {report}: {error.strerror}") from None
