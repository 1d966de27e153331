"""`sluice drop FILE... s3://BUCKET/KEY` — put files into a bucket of the local stack and watch
everything that follows, to the end: event → rule → function → idempotency decision →
execution → states → outputs written.

BUCKET is the template's logical id (`RawBucket`) or the bucket's name. A KEY ending in `/` (or
none) gets each file's name appended. Exit code 0 when everything that ran succeeded, 1 when
something failed, 2 for a problem with the template or the arguments.

Example:
    $ sluice drop orders.csv s3://RawBucket/incoming/
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def configure(parser: argparse.ArgumentParser) -> None:
    from sluice.local.cli_options import add_stack_options  # noqa: PLC0415

    parser.add_argument("files", nargs="+", metavar="FILE", help="local file(s) to upload")
    parser.add_argument("destination", metavar="s3://BUCKET/KEY", help="bucket (logical id or name) and key")
    parser.add_argument("--logs", action="store_true", help="show each invocation's logs in the tree")
    parser.add_argument("--report", metavar="FILE.html",
                        help="also write an HTML report: executions coloured by outcome, where every object ended up")
    add_stack_options(parser)


def run(args: argparse.Namespace) -> int:
    from rich.console import Console  # noqa: PLC0415

    from sluice.commands._io import fail  # noqa: PLC0415
    from sluice.local.cli_options import print_warnings, stack_from_args  # noqa: PLC0415
    from sluice.local.errors import LocalStackError  # noqa: PLC0415
    from sluice.local.tree import render  # noqa: PLC0415

    try:
        bucket, keys = _destination(args.destination, [Path(name) for name in args.files])
        stack = stack_from_args(args)
        with stack:
            print_warnings(stack.warnings)
            mark, start = stack.trace.mark(), stack.clock.now()
            for path, key in keys:
                stack.put_object(bucket, key, path)
            stack.run_until_idle()
            roots = stack.trace.since(mark)
            Console(file=sys.stdout).print(render(roots, start=start, logs=args.logs))
            if args.report:
                from sluice.report import from_trace, write_report  # noqa: PLC0415

                title = f"sluice drop {' '.join(args.files)} {args.destination}"
                write_report(from_trace(stack, roots, title), args.report, stack.template)
    except LocalStackError as error:
        return fail(str(error))
    except OSError as error:  # only the report is written to a local path here
        return fail(f"cannot write the report {args.report}: {error.strerror}")
    return 0 if all(root.ok for root in roots) else 1


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
