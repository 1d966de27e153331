"""An execution: one run of a state machine, with the fields `DescribeExecution` shows.

Example:
    >>> execution = engine.run("hello.asl.json", {"name": "sluice"})
    >>> execution.status, execution.output
    ('SUCCEEDED', {...})
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sluice.asl.frame import ExecutionRuntime
from sluice.asl.history import History

RUNNING = "RUNNING"
SUCCEEDED = "SUCCEEDED"
FAILED = "FAILED"
TIMED_OUT = "TIMED_OUT"
ABORTED = "ABORTED"


@dataclass
class Execution:
    """The state and outcome of one execution (its history is in `history`)."""

    arn: str
    name: str
    state_machine_arn: str
    type: str
    input: Any
    start_time: float
    runtime: ExecutionRuntime
    status: str = RUNNING
    output: Any = None
    error: str | None = None
    cause: str | None = None
    stop_time: float | None = None
    task: asyncio.Task[None] | None = field(default=None, repr=False)

    @property
    def history(self) -> History:
        return self.runtime.history

    @property
    def done(self) -> bool:
        return self.status != RUNNING

    @property
    def transitions(self) -> int:
        """State transitions so far — what Standard workflows are billed on."""
        return self.runtime.transitions

    @property
    def task_calls(self) -> int:
        return self.runtime.task_calls

    @property
    def duration_seconds(self) -> float | None:
        return None if self.stop_time is None else self.stop_time - self.start_time

    def describe(self) -> dict[str, Any]:
        """The `DescribeExecution` response for this execution."""
        from sluice.asl.history import to_json  # noqa: PLC0415

        described: dict[str, Any] = {
            "executionArn": self.arn,
            "stateMachineArn": self.state_machine_arn,
            "name": self.name,
            "status": self.status,
            "startDate": datetime.fromtimestamp(self.start_time, tz=UTC),
            "input": to_json(self.input),
            "inputDetails": {"included": True},
            "redriveCount": 0,
        }
        if self.stop_time is not None:
            described["stopDate"] = datetime.fromtimestamp(self.stop_time, tz=UTC)
        if self.status == SUCCEEDED:
            described["output"] = to_json(self.output)
            described["outputDetails"] = {"included": True}
        if self.error is not None:
            described["error"] = self.error
        if self.cause is not None:
            described["cause"] = self.cause
        return described
