"""`arn:aws:states:::states:startExecution[.sync|.sync:2|.waitForTaskToken]`: nested workflows.

The child runs on the same engine and clock as its parent. Request-response returns
`{ExecutionArn, StartDate, SdkHttpMetadata, SdkResponseMetadata}`; `.sync` waits for the child and
returns its description with `Input`/`Output` as JSON text, `.sync:2` with them as JSON values;
dates are epoch milliseconds there. A child that does not succeed fails the task with
`States.TaskFailed` and the child's description (with its `Error` and `Cause`) as the cause.

Example:
    Resource: arn:aws:states:::states:startExecution.sync:2
    Parameters: {"StateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:Child",
                 "Input": {"orderId.$": "$.id"}}
    -> {"ExecutionArn": "...", "Input": {"orderId": 7}, "Output": {...}, "Status": "SUCCEEDED", ...}
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sluice import json_text
from sluice.asl.engine import ExecutionAlreadyExists
from sluice.asl.errors import ErrorName, StatesError
from sluice.asl.execution import SUCCEEDED, Execution
from sluice.asl.integrations.errors import optimized_error
from sluice.asl.integrations.metadata import json_service_metadata, with_http_metadata
from sluice.asl.tasks.resources import REQUEST_RESPONSE, SYNC, SYNC_2, WAIT_FOR_TASK_TOKEN

if TYPE_CHECKING:
    from sluice.asl.engine import Engine
    from sluice.asl.tasks.dispatch import TaskRequest

PATTERNS = (REQUEST_RESPONSE, SYNC, SYNC_2, WAIT_FOR_TASK_TOKEN)


async def start_execution(engine: Engine, request: TaskRequest) -> Any:
    parameters = request.parameters if isinstance(request.parameters, dict) else {}
    child = _start(engine, parameters, request.request_id)
    started = {"ExecutionArn": child.arn, "StartDate": _millis(child.start_time)}
    body_length = len(json.dumps({"executionArn": child.arn, "startDate": child.start_time}))
    response = with_http_metadata(started, json_service_metadata(body_length, request.request_id,
                                                                 engine.clock.now()))
    pattern = request.resource.pattern
    if pattern not in (SYNC, SYNC_2):
        return response
    if request.on_submitted is not None:
        request.on_submitted(response)
    await engine.finished(child)
    description = _describe(child, parsed=pattern == SYNC_2)
    if child.status != SUCCEEDED:
        raise StatesError(ErrorName.TASK_FAILED, json.dumps(description, separators=(",", ":")))
    return description


def _start(engine: Engine, parameters: dict[str, Any], request_id: str) -> Execution:
    arn = parameters.get("StateMachineArn")
    try:
        machine = engine.state_machine(str(arn))
    except KeyError:
        raise optimized_error("states", "StateMachineDoesNotExist", f"State Machine Does Not Exist: '{arn}'",
                              400, request_id) from None
    data = parameters.get("Input")
    if isinstance(data, str):
        try:
            data = json_text.loads(data)
        except json.JSONDecodeError as error:
            raise optimized_error("states", "InvalidExecutionInput",
                                  f"Invalid State Machine Execution Input: '{error.msg}'", 400, request_id) from None
    try:
        return engine.start_execution(machine, {} if data is None else data, name=parameters.get("Name"))
    except ExecutionAlreadyExists as error:
        raise optimized_error("states", "ExecutionAlreadyExists", str(error), 400, request_id) from None


def _describe(child: Execution, *, parsed: bool) -> dict[str, Any]:
    """DescribeExecution in the Java SDK's casing, keys in the order Step Functions prints them."""
    def payload(value: Any) -> Any:
        return value if parsed else json.dumps(value, separators=(",", ":"))

    description: dict[str, Any] = {}
    if child.error is not None:
        description["Error"] = child.error
    if child.cause is not None:
        description["Cause"] = child.cause
    description |= {"ExecutionArn": child.arn, "Input": payload(child.input), "InputDetails": {"Included": True},
                    "Name": child.name}
    if child.status == SUCCEEDED:
        description |= {"Output": payload(child.output), "OutputDetails": {"Included": True}}
    description |= {"StartDate": _millis(child.start_time), "StateMachineArn": child.state_machine_arn,
                    "Status": child.status}
    if child.stop_time is not None:
        description["StopDate"] = _millis(child.stop_time)
    return description


def _millis(epoch_seconds: float) -> int:
    return round(epoch_seconds * 1000)
