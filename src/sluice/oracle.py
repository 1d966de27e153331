"""moto's Step Functions interpreter as a differential oracle for the conformance corpus.

moto ships an ASL interpreter (ported from LocalStack) behind
`mock_aws(config={"stepfunctions": {"execute_state_machine": True}})`. It is not our engine — it
sleeps through Waits and Retries in real time and has gaps — but running the same AWS-recorded
cases on it shows where the two disagree, which is how `docs/moto-differential.md` is produced:

    sluice conformance tests/asl/data/asl-aws-recorded.jsonl --engine moto --json

Cases that would make moto sleep for long (`long_wait`, waits over `MAX_REAL_WAIT` seconds) are
reported as skipped rather than run.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from sluice import json_text
from sluice.conformance import ACCOUNT, REGION, Outcome, machine_type

MAX_REAL_WAIT = 3.0
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/sluice-oracle"


class Skipped(Exception):
    """The case cannot be run on this oracle (it would sleep too long)."""


def run_on_moto(case: dict[str, Any]) -> Outcome:
    import boto3  # noqa: PLC0415 - the oracle is a dev tool; keep `sluice` start-up lean
    from moto import mock_aws  # noqa: PLC0415

    if case.get("long_wait") or (case.get("wait_seconds_max") or 0) > MAX_REAL_WAIT:
        raise Skipped("waits too long for a real-time interpreter")
    logging.getLogger("moto").setLevel(logging.CRITICAL)
    name = case.get("execution_name") or "conformance-execution"
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        client = boto3.client("stepfunctions", region_name=REGION)
        arn = client.create_state_machine(
            name="ConformanceMachine",
            definition=json.dumps(case["definition"]),
            roleArn=ROLE_ARN,
            type="EXPRESS" if machine_type(case) == "EXPRESS" else "STANDARD",
        )["stateMachineArn"]
        execution = client.start_execution(stateMachineArn=arn, name=name, input=json.dumps(case.get("input")))
        deadline = time.monotonic() + 30
        while (described := client.describe_execution(executionArn=execution["executionArn"]))["status"] == "RUNNING":
            if time.monotonic() > deadline:
                raise TimeoutError("moto did not finish within 30 s")
            time.sleep(0.005)
    output = json_text.loads(described["output"]) if "output" in described else None
    return Outcome(
        described["status"],
        output,
        described.get("error"),
        described.get("cause"),
        ROLE_ARN,
        name,
        "ConformanceMachine",
    )
