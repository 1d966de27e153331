"""Start a Step Functions execution by deterministic name, per execution type.

* `standard` - `StartExecution`. Standard names are unique per state machine for 90 days, so a
  redelivery that reaches this point again cannot start a second run: AWS returns the original response
  while the execution is RUNNING with the same input, and `ExecutionAlreadyExists` once it has closed
  (or if the input differs). On `ExecutionAlreadyExists` we `DescribeExecution` and compare inputs:
  same input = already started; different input = `IdempotencyConflict`.
* `express_async` - `StartExecution` on an Express machine. AWS does not dedupe Express names
  ("at-least-once"); exactly-once rests on the DynamoDB claim alone (see docs/runtime.md).
* `express_sync` - `StartSyncExecution`; returns the output, raises `ExecutionFailed` on
  FAILED / TIMED_OUT so the input is redelivered rather than acknowledged.

`ended_unsuccessfully` asks whether a Standard execution closed FAILED, TIMED_OUT or ABORTED
(`DescribeExecution`); Express executions cannot be described, so for them the answer is "not known".

Example:
    >>> starter = Starter(clients.stepfunctions(), clients.stepfunctions_sync)  # doctest: +SKIP
    >>> starter.start(arn, ExecutionType.STANDARD, "raw-objects-3f2a...", {"records": []})  # doctest: +SKIP
    StartResult(execution_name='raw-objects-3f2a...', execution_arn='arn:...', status='started', output=None)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal

from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict

from sluice_runtime import strict_json
from sluice_runtime.aws_errors import transient_errors
from sluice_runtime.errors import ExecutionFailed, IdempotencyConflict

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient


# DescribeExecution statuses of a run that closed without succeeding (RUNNING and PENDING_REDRIVE
# may still succeed: a redrive turns FAILED into RUNNING again).
UNSUCCESSFUL = frozenset({"FAILED", "TIMED_OUT", "ABORTED"})


class ExecutionType(StrEnum):
    """How a pipeline's state machine is started (and when an ordered message is acknowledged)."""

    STANDARD = "standard"
    EXPRESS_ASYNC = "express_async"
    EXPRESS_SYNC = "express_sync"


class StartResult(BaseModel):
    """What happened when we asked Step Functions to start `execution_name`."""

    model_config = ConfigDict(defer_build=True)

    execution_name: str
    execution_arn: str
    status: Literal["started", "already_started", "succeeded"]
    output: Any = None


def canonical_json(document: Mapping[str, Any]) -> str:
    """The exact input string we send: stable across redeliveries, so AWS sees "the same input"."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def execution_arn(state_machine_arn: str, name: str) -> str:
    """ARN of execution `name` of a (unqualified) state machine ARN."""
    return state_machine_arn.replace(":stateMachine:", ":execution:", 1) + ":" + name


class Starter:
    """Starts executions; `sync_client` needs a read timeout above Express' 5-minute limit.

    `sync_client` is a factory, called on the first `express_sync` start: most functions never start a
    synchronous execution, and a client costs its service model and endpoint rules (cold start).
    """

    def __init__(self, client: SFNClient, sync_client: Callable[[], SFNClient] | None = None) -> None:
        self._client = client
        self._sync_client = sync_client or (lambda: client)

    def start(
        self, state_machine_arn: str, execution_type: ExecutionType, name: str, document: Mapping[str, Any]
    ) -> StartResult:
        body = canonical_json(document)
        # Throttling and 5xx from Step Functions are `TransientError`: classified, logged, redelivered.
        with transient_errors(f"StartExecution {name}"):
            if execution_type is ExecutionType.EXPRESS_SYNC:
                return self._start_sync(state_machine_arn, name, body)
            try:
                response = self._client.start_execution(stateMachineArn=state_machine_arn, name=name, input=body)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "ExecutionAlreadyExists":
                    raise
                return self._existing(state_machine_arn, execution_type, name, body)
        return StartResult(execution_name=name, execution_arn=response["executionArn"], status="started")

    def ended_unsuccessfully(self, execution_type: ExecutionType, execution_arn: str) -> bool:
        """True if the Standard execution `execution_arn` closed FAILED, TIMED_OUT or ABORTED."""
        if execution_type is not ExecutionType.STANDARD:
            return False  # Express runs are not describable; sync ones complete a claim only on success
        with transient_errors(f"DescribeExecution {execution_arn}"):
            return self._client.describe_execution(executionArn=execution_arn)["status"] in UNSUCCESSFUL

    def _existing(self, state_machine_arn: str, execution_type: ExecutionType, name: str, body: str) -> StartResult:
        arn = execution_arn(state_machine_arn, name)
        if execution_type is ExecutionType.STANDARD:
            described = self._client.describe_execution(executionArn=arn)
            if strict_json.loads(described.get("input") or "null") != strict_json.loads(body):
                raise IdempotencyConflict(f"execution {name} already exists with a different input", execution_arn=arn)
        return StartResult(execution_name=name, execution_arn=arn, status="already_started")

    def _start_sync(self, state_machine_arn: str, name: str, body: str) -> StartResult:
        response = self._sync_client().start_sync_execution(stateMachineArn=state_machine_arn, name=name, input=body)
        status = response["status"]
        if status != "SUCCEEDED":
            raise ExecutionFailed(
                f"synchronous execution {name} ended {status}: {response.get('error')}: {response.get('cause')}",
                execution_arn=response["executionArn"],
                status=status,
            )
        output = strict_json.loads(response.get("output") or "null")
        return StartResult(
            execution_name=name, execution_arn=response["executionArn"], status="succeeded", output=output
        )
