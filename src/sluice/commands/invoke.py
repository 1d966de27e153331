"""`sluice invoke FUNCTION -e event.json` — a Docker-free `sam local invoke`.

The function runs in this process against the local stack built from the template (its tables,
buckets and queues exist; its environment points at them). The response goes to stdout as one
line of JSON, the function's logs to stderr. Exit code 0 when the handler returned, 1 when it
raised (its error payload is printed, as Lambda returns it) or, with `--follow`, when anything it
started failed, 2 for a problem with the template, the event or the arguments.

Example:
    $ sluice invoke IngestFunction -e events/ingest-object-created.json --env-vars events/env.json
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from sluice import json_text, text_files
from sluice.commands._io import fail


def configure(parser: argparse.ArgumentParser) -> None:
    from sluice.local.cli_options import add_stack_options  # noqa: PLC0415

    parser.add_argument("function", nargs="?", help="logical id (or name) of the function; optional if there is one")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--event", "-e", help="JSON event file, or - for standard input")
    source.add_argument("--no-event", action="store_true", help="invoke with an empty event {} (the default)")
    parser.add_argument("--follow", action="store_true",
                        help="then run what the invocation started (executions, events) and print it to stderr")
    add_stack_options(parser)


def run(args: argparse.Namespace) -> int:
    from sluice.local.cli_options import print_warnings, show_trace, stack_from_args  # noqa: PLC0415
    from sluice.local.errors import LocalStackError  # noqa: PLC0415

    try:
        event = _event(args.event)
        stack = stack_from_args(args, echo_logs=sys.stderr)
        with stack:
            print_warnings(stack.warnings)
            function = args.function or _only_function(stack)
            mark, start = stack.trace.mark(), stack.clock.now()
            invocation = stack.invoke(function, event)
            followed: list[Any] = []
            if args.follow:
                stack.run_until_idle()
                followed = stack.trace.since(mark)
                show_trace(stack, followed, start=start, stream=sys.stderr)
    except LocalStackError as error:
        return fail(str(error))
    print(json.dumps(invocation.response, ensure_ascii=False, default=str))
    # With --follow, a pipeline the invocation started that then failed fails the command too.
    return 0 if invocation.ok and all(activity.ok for activity in followed) else 1


def _event(source: str | None) -> Any:
    from sluice.local.errors import EventError  # noqa: PLC0415

    if source is None:
        return {}
    if source == "-":
        text, origin = sys.stdin.read(), "standard input"
    else:
        try:
            text, origin = text_files.read_text(source), source
        except OSError as error:
            raise EventError(f"cannot read the event file {source}: {error.strerror}") from None
    try:
        return json_text.loads(text) if text.strip() else {}
    except json.JSONDecodeError as error:
        raise EventError(f"the event in {origin} is not valid JSON: {error.msg} "
                         f"(line {error.lineno}, column {error.colno})") from None


def _only_function(stack: Any) -> str:
    from sluice.local.errors import StackError  # noqa: PLC0415

    functions = sorted(stack.world.runtime.functions)
    if len(functions) != 1:
        raise StackError(f"name the function to invoke (functions: {', '.join(functions) or 'none'})")
    return str(functions[0])
