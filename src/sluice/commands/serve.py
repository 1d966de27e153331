"""`sluice serve` — a Step Functions-compatible endpoint, a drop-in for Step Functions Local.

    $ sluice serve --port 8083 --mock-config MockConfigFile.json
    $ aws stepfunctions --endpoint-url http://127.0.0.1:8083 list-state-machines

Executions run on the virtual clock (waits and retry back-offs take no real time) unless
`--real-time`; a task waiting for its task token keeps waiting for SendTaskSuccess/Failure however
long its TimeoutSeconds (`--fire-callback-timeouts`: let such timeouts pass when nothing else runs).
Task states reach AWS services through boto3, honouring Step Functions Local's
endpoint variables (`LAMBDA_ENDPOINT`, `DYNAMODB_ENDPOINT`, `SQS_ENDPOINT`, …), `AWS_ENDPOINT_URL`
and the usual credentials; `SFN_MOCK_CONFIG` names a mock file as for Step Functions Local.
`--port 0` picks a free port; the first line printed names the address.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from sluice import json_text
from sluice.commands._io import fail, port_number
from sluice.commands._serving import serve_until_stopped


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=port_number, default=8083,
                        help="port (default: 8083, Step Functions Local's; 0: any)")
    parser.add_argument("--real-time", action="store_true", help="really wait (default: virtual clock)")
    parser.add_argument("--fire-callback-timeouts", action="store_true",
                        help="on the virtual clock, let the TimeoutSeconds/HeartbeatSeconds of tasks waiting for a "
                             "task token pass when nothing else is left to run (default: they wait for "
                             "SendTaskSuccess/Failure, which a client could still send)")
    parser.add_argument("--mock-config", type=Path,
                        help="Step Functions Local mock file (default: $SFN_MOCK_CONFIG); pick a test case with "
                             "the state machine ARN suffix '#<TestCase>' in StartExecution")
    parser.add_argument("--job-fakes", type=Path,
                        help='JSON file of job outcomes, e.g. {"glue:startJobRun": {"seconds": 60}}')
    parser.add_argument("--region", default=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"), help="region in ARNs")
    parser.add_argument("--account", default=os.environ.get("AWS_ACCOUNT_ID", "123456789012"),
                        help="account id in ARNs")
    parser.add_argument("--seed", default="0", help="seed for jitter, UUIDs and random intrinsics")


def run(args: argparse.Namespace) -> int:
    from sluice.api import StepFunctionsService  # noqa: PLC0415 - lazy: start-up time matters
    from sluice.api.server import StepFunctionsServer  # noqa: PLC0415
    from sluice.asl import Engine  # noqa: PLC0415
    from sluice.asl.integrations import BotoClients, BotoLambdaInvoker, JobFakes, ServiceIntegrations  # noqa: PLC0415
    from sluice.asl.mocks import MockConfig, MockConfigError  # noqa: PLC0415

    try:
        mocks = MockConfig.from_file(args.mock_config) if args.mock_config else MockConfig.from_environment()
        jobs = JobFakes.from_config(json_text.loads(args.job_fakes.read_text(encoding="utf-8"))) if args.job_fakes \
            else None
    except (MockConfigError, OSError, ValueError) as error:
        return fail(str(error))
    clients = BotoClients.from_environment()
    engine = Engine(lambdas=BotoLambdaInvoker(clients), integrations=ServiceIntegrations(clients, jobs=jobs),
                    mocks=mocks, real_time=args.real_time, seed=args.seed, region=args.region, account=args.account)
    try:
        service = StepFunctionsService(engine, fire_callback_timeouts=args.fire_callback_timeouts)
        server = StepFunctionsServer(service, args.host, args.port)
    except OSError as error:
        engine.close()
        return fail(f"cannot listen on {args.host}:{args.port}: {error.strerror}")
    clock = "real time" if args.real_time else "virtual clock"
    mocked = f", mocks from {args.mock_config or os.environ.get('SFN_MOCK_CONFIG')}" if mocks else ""
    print(f"sluice serve: Step Functions API on {server.url} ({clock}{mocked})", flush=True)
    return serve_until_stopped(server, command="serve", close=engine.close)
