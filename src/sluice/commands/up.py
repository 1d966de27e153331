"""`sluice up` — the template's whole world on one endpoint, the way LocalStack's edge port serves it.

    $ sluice up --template template.yaml --port 4566
    $ aws s3 cp orders.csv s3://<raw bucket>/incoming/2024/06/11/orders.csv --endpoint-url http://127.0.0.1:4566
    $ aws stepfunctions list-executions --state-machine-arn <arn> --endpoint-url http://127.0.0.1:4566

S3, DynamoDB, SQS, SNS, Kinesis, EventBridge, Scheduler, Lambda, Step Functions and CloudWatch
Logs answer on one port, with sluice's event wiring and pollers running in real time: an object
put through the endpoint starts the pipeline as on AWS. stdout gets the endpoint and the physical
names of the template's resources; stderr a tree of each piece of work once it has run. Ctrl-C
(or SIGTERM) stops it cleanly, exit code 0. `sluice state` shows what it holds.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sluice.local.stack import LocalStack

# Resource types whose `Ref` is what a client names them by (a name, a queue URL, an ARN).
NAMED_TYPES = ("AWS::S3::Bucket", "AWS::DynamoDB::Table", "AWS::Serverless::SimpleTable", "AWS::SQS::Queue",
               "AWS::SNS::Topic", "AWS::Kinesis::Stream", "AWS::Serverless::Function", "AWS::Lambda::Function",
               "AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine", "AWS::Events::EventBus",
               "AWS::Scheduler::Schedule", "AWS::Logs::LogGroup")


def configure(parser: argparse.ArgumentParser) -> None:
    from sluice.commands._io import port_number  # noqa: PLC0415
    from sluice.local.cli_options import add_stack_options  # noqa: PLC0415
    from sluice.local.edge.server import DEFAULT_HOST, DEFAULT_PORT  # noqa: PLC0415

    parser.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on (default: {DEFAULT_HOST})")
    parser.add_argument("--port", type=port_number, default=DEFAULT_PORT,
                        help=f"port (default: {DEFAULT_PORT}, LocalStack's edge port; 0: any free port)")
    parser.add_argument("--logs", action="store_true", help="show each invocation's logs in the trees printed")
    add_stack_options(parser)


def run(args: argparse.Namespace) -> int:
    from sluice.commands._io import fail  # noqa: PLC0415
    from sluice.commands._serving import serve_until_stopped  # noqa: PLC0415
    from sluice.local.cli_options import print_warnings, stack_from_args  # noqa: PLC0415
    from sluice.local.edge.server import EdgeServer  # noqa: PLC0415
    from sluice.local.errors import LocalStackError  # noqa: PLC0415

    try:
        stack = stack_from_args(args, real_time=True).start()
    except LocalStackError as error:
        return fail(str(error))
    try:
        server = EdgeServer(stack, host=args.host, port=args.port, log=sys.stderr, logs=args.logs)
    except OSError as error:
        stack.close()
        return fail(f"cannot listen on {args.host}:{args.port}: {error.strerror}")
    print_warnings(stack.warnings)
    print(f"sluice up: {server.url} ({stack.template.origin}, region {stack.region}, real time)")
    for line in _resources(stack, server.url):
        print(line)
    print(flush=True)  # the table ends with an empty line (scripts read up to it)
    return serve_until_stopped(server, command="up", close=stack.close)


def _resources(stack: LocalStack, endpoint: str) -> list[str]:
    """One line per resource a client can name: logical id, type and what to call it by (an API: its URL)."""
    from sluice.local.apigateway.edge import api_url  # noqa: PLC0415
    from sluice.local.errors import LocalStackError  # noqa: PLC0415

    rows = [(api.logical_id, stack.template.resources[api.logical_id].type, api_url(api, endpoint))
            for api in (stack.world.apis.apis if stack.world.apis else ())]
    if stack.world.websockets is not None:
        from sluice.local.edge.websocket import websocket_url  # noqa: PLC0415

        rows += [(api.logical_id, stack.template.resources[api.logical_id].type, websocket_url(api, endpoint))
                 for api in stack.world.websockets.apis]
    if stack.world.function_urls is not None:
        from sluice.local.lambda_.urls import local_address  # noqa: PLC0415

        rows += [(url.logical_id, "AWS::Lambda::Url", local_address(url, endpoint))
                 for url in stack.world.function_urls.urls]
    for decl in stack.template.of_type(*NAMED_TYPES):
        try:
            rows.append((decl.logical_id, decl.type, str(stack.template.ref(decl.logical_id))))
        except LocalStackError:
            continue  # a resource the local stack does not name (reported as a warning already)
    width = max((len(logical) for logical, _, _ in rows), default=0)
    kind = max((len(type_) for _, type_, _ in rows), default=0)
    return [f"  {logical:<{width}}  {type_:<{kind}}  {name}" for logical, type_, name in rows]
