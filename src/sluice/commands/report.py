"""`sluice report EXECUTION_ARN --endpoint-url URL` — the HTML execution report of an execution
of a running `sluice serve` (or any Step Functions endpoint), read through the API with boto3:
DescribeExecution, GetExecutionHistory and DescribeStateMachine, then the same for every nested
execution it started.

Exit code 0 when the report was written, 2 when the endpoint or the execution cannot be read.

Example:
    $ sluice serve --port 8083 &
    $ sluice report arn:aws:states:us-east-1:123456789012:execution:M:run-1 \\
        --endpoint-url http://127.0.0.1:8083 -o run-1.html
"""

from __future__ import annotations

import argparse
import os
import sys


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("execution_arn", metavar="EXECUTION_ARN", help="the execution to report on")
    parser.add_argument("--endpoint-url", required=True, help="Step Functions endpoint, e.g. http://127.0.0.1:8083")
    parser.add_argument("--output", "-o", metavar="FILE.html", help="where to write the page (default: stdout)")
    parser.add_argument("--region", default=None, help="region (default: the one in the execution ARN)")


def run(args: argparse.Namespace) -> int:
    import boto3  # noqa: PLC0415 - lazy: start-up time matters
    from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

    from sluice.commands._io import fail  # noqa: PLC0415
    from sluice.report import from_api, render_page  # noqa: PLC0415

    parts = args.execution_arn.split(":")
    if len(parts) < 8 or parts[:3] != ["arn", "aws", "states"] or parts[5] != "execution":
        return fail(f"{args.execution_arn!r} is not an execution ARN (arn:aws:states:REGION:ACCOUNT:execution:…)")
    # A local endpoint accepts any credentials; real ones from the environment are used when set.
    client = boto3.client(
        "stepfunctions", endpoint_url=args.endpoint_url, region_name=args.region or parts[3],
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "testing"),
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "testing"),
        aws_session_token=os.environ.get("AWS_SESSION_TOKEN"),
    )
    try:
        report = from_api(client, args.execution_arn)
    except (BotoCoreError, ClientError) as error:
        return fail(f"cannot read {args.execution_arn} from {args.endpoint_url}: {error}")
    if not report.executions:
        return fail(f"execution {args.execution_arn} does not exist at {args.endpoint_url}")
    page = render_page(report)
    if args.output is None:
        sys.stdout.write(page)
        return 0
    try:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(page)
    except OSError as error:
        return fail(f"cannot write the report {args.output}: {error.strerror}")
    print(f"report written to {args.output}", file=sys.stderr)
    return 0
