"""`sluice run STATE_MACHINE --input JSON` — run a template's state machine on the local stack.

Unlike `sluice execute`, which runs a bare definition, the state machine runs as the template
declares it: `DefinitionSubstitutions` resolved, its Lambda tasks calling the template's real
handlers, and its service integrations reaching the local buckets, tables, queues and topics. What
ran is printed on stderr as the tree `sluice drop` prints; the execution's result goes to stdout
(its output, or its error and cause; `--json`: one object). Exit code 0 when the execution
SUCCEEDED, 1 when it FAILED, TIMED_OUT, was ABORTED or is still waiting for a task token, 2 for a
problem with the template, the input or the arguments.

Example:
    $ sluice run BackfillStateMachine --input @events/backfill-request.json
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sluice.asl.execution import Execution
    from sluice.local.template.model import SamTemplate


def configure(parser: argparse.ArgumentParser) -> None:
    from sluice.local.cli_options import add_stack_options  # noqa: PLC0415

    parser.add_argument("state_machine", metavar="STATE_MACHINE", help="logical id of the template's state machine")
    parser.add_argument("--input", "-i", help="execution input: JSON text, @file.json, or - for stdin (default: {})")
    parser.add_argument("--json", action="store_true",
                        help='print the result as one JSON object: executionArn, status, output, error, cause')
    parser.add_argument("--logs", action="store_true", help="show each invocation's logs in the tree")
    parser.add_argument("--report", metavar="FILE.html", help="also write an HTML execution report (works offline)")
    add_stack_options(parser)


def run(args: argparse.Namespace) -> int:
    from sluice.asl import InvalidExecutionInput  # noqa: PLC0415 - lazy start-up
    from sluice.commands._executions import executions_json  # noqa: PLC0415
    from sluice.commands._io import UsageError, fail, read_json_argument  # noqa: PLC0415
    from sluice.local.cli_options import print_warnings, show_trace, stack_from_args  # noqa: PLC0415
    from sluice.local.errors import LocalStackError  # noqa: PLC0415
    from sluice.report import from_trace  # noqa: PLC0415

    try:
        payload = read_json_argument(args.input)
        stack = stack_from_args(args)
        logical_id = _state_machine(stack.template, args.state_machine)  # before paying for the start
        with stack:
            print_warnings(stack.warnings)
            mark, start = stack.trace.mark(), stack.clock.now()
            execution = stack.start_execution(logical_id, payload)
            stack.run_until_idle()
            roots, title = stack.trace.since(mark), f"sluice run {logical_id}"
            show_trace(stack, roots, start=start, stream=sys.stderr, logs=args.logs, report=args.report, title=title)
            executions = executions_json(stack, from_trace(stack, roots, title)) if args.json else []
    except (LocalStackError, UsageError, InvalidExecutionInput) as error:
        return fail(str(error))
    _print_result(execution, executions, as_json=args.json)
    return 0 if execution.status == "SUCCEEDED" else 1


def _state_machine(template: SamTemplate, logical_id: str) -> str:
    from sluice.local.errors import StackError  # noqa: PLC0415
    from sluice.local.stepfunctions.statemachines import MACHINE_TYPES  # noqa: PLC0415

    machines = sorted(decl.logical_id for decl in template.of_type(*MACHINE_TYPES))
    if logical_id not in machines:
        raise StackError(f"no state machine {logical_id!r} in the template "
                         f"(state machines: {', '.join(machines) or 'none'})")
    return logical_id


def _print_result(execution: Execution, executions: list[dict[str, Any]], *, as_json: bool) -> None:
    """The result on stdout; `--json` adds every execution the run made (children too, with their
    transitions), which `sluice cost --from-run` prices."""
    if as_json:
        result: dict[str, Any] = {"executionArn": execution.arn, "status": execution.status,
                                  "output": execution.output, "error": execution.error, "cause": execution.cause,
                                  "executions": executions}
        print(json.dumps(result, ensure_ascii=False, default=str))
    elif execution.status == "SUCCEEDED":
        print(json.dumps(execution.output, indent=2, ensure_ascii=False, default=str))
    else:
        print(execution.status)
        for label, value in (("error", execution.error), ("cause", execution.cause)):
            if value is not None:
                print(f"{label}: {value}")
    if execution.status == "RUNNING":  # run_until_idle leaves a task waiting for its token (ADR 0007)
        print("sluice: warning: the execution is still RUNNING: a task waits for a task token nobody sent",
              file=sys.stderr)
