"""`sluice drop FILE... s3://BUCKET/KEY` — put files into a bucket of the local stack and watch
everything that follows, to the end: event → rule → function → idempotency decision →
execution → states → outputs written.

BUCKET is the template's logical id (`RawBucket`) or the bucket's name. A KEY ending in `/` (or
none) gets each file's name appended. Exit code 0 when everything that ran succeeded, 1 when
something failed or an input was quarantined, 2 for a problem with the template or the arguments.
The tree (or with `--json` one summary object) goes to stdout; warnings and logs to stderr.

Example:
    $ sluice drop orders.csv s3://RawBucket/incoming/
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sluice.local.stack import LocalStack
    from sluice.report import ObjectFate, Report


def configure(parser: argparse.ArgumentParser) -> None:
    from sluice.local.cli_options import add_stack_options  # noqa: PLC0415

    parser.add_argument("files", nargs="+", metavar="FILE", help="local file(s) to upload")
    parser.add_argument("destination", metavar="s3://BUCKET/KEY", help="bucket (logical id or name) and key")
    parser.add_argument("--logs", action="store_true", help="show each invocation's logs in the tree")
    parser.add_argument("--json", action="store_true", help="print one JSON object: executions with status and "
                                                            "error, objects written per bucket, inputs set aside")
    parser.add_argument("--report", metavar="FILE.html",
                        help="also write an HTML report: executions coloured by outcome, where every object ended up")
    parser.add_argument("--real-time", action="store_true",
                        help="really wait through waits and back-off (demos); progress is shown on stderr")
    add_stack_options(parser)


def run(args: argparse.Namespace) -> int:
    from sluice.commands._io import RUN_FAILED, UsageError, fail  # noqa: PLC0415
    from sluice.local.cli_options import print_warnings, show_trace, stack_from_args  # noqa: PLC0415
    from sluice.local.errors import LocalStackError  # noqa: PLC0415
    from sluice.report import from_trace  # noqa: PLC0415

    try:
        bucket, keys = _destination(args.destination, [Path(name) for name in args.files])
        stack = stack_from_args(args, real_time=args.real_time)
        with stack:
            print_warnings(stack.warnings)
            mark, start = stack.trace.mark(), stack.clock.now()
            for path, key in keys:
                if (refused := _put(stack, bucket, key, path)) is not None:
                    return refused
            _run(stack, real_time=args.real_time)
            roots = stack.trace.since(mark)
            # Where each object ended up decides the exit code too: a quarantined input is no success.
            title = f"sluice drop {' '.join(args.files)} {args.destination}"
            report = from_trace(stack, roots, title)
            set_aside = _set_aside(report)
            if args.json:
                print(json.dumps(_summary(stack, report), ensure_ascii=False, default=str))
            show_trace(stack, roots, start=start, stream=sys.stderr if args.json else sys.stdout, logs=args.logs,
                       report=args.report, title=title,
                       set_aside={f"s3 PutObject {fate.bucket}/{fate.key}": fate.outcome for fate in set_aside})
            if not args.json:
                for fate in set_aside:
                    print(f"✗ {fate.outcome} {fate.bucket}/{fate.key}: {_why(fate)}")
    except (LocalStackError, UsageError) as error:
        return fail(str(error))
    return RUN_FAILED if set_aside or not all(root.ok for root in roots) else 0


def _put(stack: LocalStack, bucket: str, key: str, path: Path) -> int | None:
    """Upload one file; if S3 refuses it (a key too long, an injected fault), one line and the exit code:
    2 when the request was wrong (a 4xx), 1 when the service failed it."""
    from botocore.exceptions import ClientError  # noqa: PLC0415

    from sluice.commands._io import RUN_FAILED, USAGE_ERROR, fail  # noqa: PLC0415

    try:
        stack.put_object(bucket, key, path)
    except ClientError as error:
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 500))
        details = error.response.get("Error", {})
        return fail(f"S3 refused {path} -> s3://{bucket}/{key}: {details.get('Code')}: {details.get('Message')}",
                    USAGE_ERROR if 400 <= status < 500 else RUN_FAILED)
    return None


def _run(stack: LocalStack, *, real_time: bool) -> None:
    """Run until idle; in real time, with a live line on stderr saying what has run so far."""
    if not real_time:
        stack.run_until_idle()
        return
    import threading  # noqa: PLC0415

    from sluice.commands.progress import live_progress  # noqa: PLC0415

    done = threading.Event()
    with live_progress("running in real time") as tick:
        def watch() -> None:
            while not done.wait(1.0):
                tick(f"{len(stack.invocations())} invocation(s), {len(stack.executions())} execution(s)")

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        try:
            stack.run_until_idle()
        finally:
            done.set()
            watcher.join()


def _summary(stack: LocalStack, report: Report) -> dict[str, Any]:
    """`--json`: the executions (with the state transitions each took, which `sluice cost --from-run`
    prices), the objects written per bucket, and the inputs set aside."""
    from sluice.commands._executions import executions_json  # noqa: PLC0415
    from sluice.report.model import QUARANTINED  # noqa: PLC0415

    written: dict[str, list[str]] = {}
    for fate in report.objects:
        for write in fate.writes:
            if not write.operation.startswith("Delete") and write.exists is not False:
                written.setdefault(write.bucket, []).append(write.key)
    return {
        "ok": not _set_aside(report)
              and all(execution.status in ("SUCCEEDED", "RUNNING") for execution in report.all_executions()),
        "executions": executions_json(stack, report),
        "objects": [{"bucket": fate.bucket, "key": fate.key, "outcome": fate.outcome, "reason": fate.reason}
                    for fate in report.objects],
        "written": {bucket: sorted(set(keys)) for bucket, keys in written.items()},
        "quarantined": [{"bucket": fate.bucket, "key": fate.key, "reason": _why(fate)}
                        for fate in _set_aside(report) if fate.outcome == QUARANTINED],
    }


def _why(fate: ObjectFate) -> str:
    """The reason on one line, else where the input was set aside."""
    if fate.reason:
        return " ".join(fate.reason.split())
    kept = [f"{write.bucket}/{write.key}" for write in fate.writes if "quarantine" in write.bucket.lower()]
    return f"set aside as {kept[0]}" if kept else "no reason recorded"


def _set_aside(report: Report) -> list[ObjectFate]:
    """Inputs that did not go through: quarantined or failed. Either makes the drop exit 1."""
    from sluice.report.model import OBJECT_FAILED, QUARANTINED  # noqa: PLC0415

    return [fate for fate in report.objects if fate.outcome in (QUARANTINED, OBJECT_FAILED)]


def _destination(text: str, files: list[Path]) -> tuple[str, list[tuple[Path, str]]]:
    from sluice.local.errors import EventError  # noqa: PLC0415

    if not text.startswith("s3://") or len(text) <= len("s3://"):
        raise EventError(f"the destination must look like s3://BUCKET/KEY, not {text!r}")
    bucket, _, key = text[len("s3://"):].partition("/")
    for path in files:
        if not path.is_file():
            raise EventError(f"{path} is not a file")
    if len(files) > 1 and key and not key.endswith("/"):
        raise EventError("with several files the key must be a prefix ending in /")
    return bucket, [(path, key + path.name if not key or key.endswith("/") else key) for path in files]
