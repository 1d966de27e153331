"""`sluice execute PATH.asl.json` — run a definition on the local engine and show what happened.

stdout carries only the result (the output JSON, or with `--json` one summary object), so it pipes
into `jq`; the state trace and the status line go to stderr. Exit code 0 when the execution
SUCCEEDED, 1 when it FAILED / TIMED_OUT / ABORTED, 2 on bad usage or input — including a definition
that still has SAM `${...}` placeholders (run those through their template with `sluice run`).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from sluice.commands._io import UsageError, fail, fresh_seed, read_json_argument

TRACE_LIMIT = 200  # state transitions shown before the trace is summarised


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("definition", help="ASL definition file (.json, .yaml, .json5)")
    parser.add_argument("--input", "-i", help="execution input: JSON text, @file.json, or - for stdin")
    parser.add_argument("--name", help="execution name (default: a UUID)")
    parser.add_argument("--type", choices=["STANDARD", "EXPRESS"], default="STANDARD", help="workflow type")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    parser.add_argument("--no-trace", action="store_true", help="do not print the state trace")
    parser.add_argument("--real-time", action="store_true", help="really wait (default: virtual clock)")
    parser.add_argument("--seed", help="seed for jitter, UUIDs and random intrinsics: the same seed gives the same "
                                       "run (default: fresh every run)")
    parser.add_argument("--report", metavar="FILE.html", help="also write an HTML execution report (works offline)")


def run(args: argparse.Namespace) -> int:
    from sluice.asl import DefinitionLoadError, Engine, InvalidExecutionInput, load_definition  # noqa: PLC0415
    from sluice.asl.names import InvalidName  # noqa: PLC0415
    from sluice.asl.validation import DefinitionInvalid  # noqa: PLC0415

    try:
        definition = load_definition(args.definition)
        _ensure_substituted(definition, args.definition)
        data = read_json_argument(args.input)
        # An Express run's events are only read by the trace and the report (AWS keeps none).
        shows_events = bool(args.report) or not (args.json or args.no_trace)
        with Engine(real_time=args.real_time, seed=args.seed if args.seed is not None else fresh_seed(),
                    express_history=shows_events) as engine:
            machine = engine.create_state_machine(_name(args.definition), definition, type=args.type)
            execution = engine.run(machine, data, name=args.name)
            if args.report and (problem := _write_report(engine, execution.arn, args)):
                return problem
    except (UsageError, DefinitionLoadError, InvalidName, InvalidExecutionInput) as error:
        return fail(str(error))
    except DefinitionInvalid as error:
        return fail(f"invalid definition {args.definition}: {error}")
    if args.json:
        print(json.dumps(_summary(execution), default=str))
    else:
        if not args.no_trace:
            _print_trace(execution)
        _print_result(execution)
    return 0 if execution.status == "SUCCEEDED" else 1


def _ensure_substituted(definition: dict[str, Any], path: str) -> None:
    """A file with SAM placeholders is only half a definition: say how to run it, in one line."""
    from sluice.asl.validation.substitutions import placeholders  # noqa: PLC0415

    names = placeholders(definition)
    if names:
        listed = ", ".join("${" + name + "}" for name in names)
        raise UsageError(f"{path} has unresolved substitutions {listed}: its template's DefinitionSubstitutions "
                         "fill them; run it with `sluice run <StateMachineLogicalId>`")


def _write_report(engine: Any, arn: str, args: argparse.Namespace) -> int | None:
    """Write `--report`; an exit code when the file cannot be written."""
    from sluice.report import from_engine, write_report  # noqa: PLC0415

    try:
        write_report(from_engine(engine, [arn], f"sluice execute {args.definition}"), args.report)
    except OSError as error:
        return fail(f"cannot write the report {args.report}: {error.strerror}")
    return None


def _name(path: str) -> str:
    from pathlib import Path  # noqa: PLC0415

    return Path(path).name.split(".")[0] or "StateMachine"


def _summary(execution: Any) -> dict[str, Any]:
    summary = {
        "executionArn": execution.arn,
        "status": execution.status,
        "transitions": execution.transitions,
        "taskCalls": execution.task_calls,
        "durationSeconds": execution.duration_seconds,
    }
    if execution.status == "SUCCEEDED":
        summary["output"] = execution.output
    else:
        summary["error"] = execution.error
        summary["cause"] = execution.cause
    return summary


def _print_trace(execution: Any) -> None:
    start = execution.start_time
    shown = 0
    for event in execution.history:
        kind = event["type"]
        if not kind.endswith(("StateEntered", "Failed", "TimedOut")) or kind.startswith("Execution"):
            continue
        if shown == TRACE_LIMIT:
            remaining = execution.transitions - shown
            print(f"  … {remaining} more transitions (--no-trace hides the trace)", file=sys.stderr)
            break
        offset = event["timestamp"].timestamp() - start
        details: dict[str, Any] = next(
            (value for key, value in event.items() if key.endswith("EventDetails")), {}
        )
        label = details.get("name") or details.get("error", "")
        print(f"  +{offset:9.3f}s  {kind:<28} {label}", file=sys.stderr)
        shown += 1


def _print_result(execution: Any) -> None:
    duration = execution.duration_seconds or 0.0
    print(f"{execution.status} in {duration:.3f}s virtual time, {execution.transitions} transitions",
          file=sys.stderr)
    if execution.status == "SUCCEEDED":
        print(json.dumps(execution.output, indent=2, ensure_ascii=False))
    else:
        print(f"error: {execution.error}", file=sys.stderr)
        if execution.cause:
            print(f"cause: {execution.cause}", file=sys.stderr)
