"""The Step Functions API on an `Engine`: the actions, AWS's shapes, AWS's errors.

Requests and responses are the JSON objects of the AWS JSON 1.0 protocol (what boto3 sends and
`aws stepfunctions` prints): camelCase keys, payloads as JSON text, timestamps as epoch seconds.
Errors are `ServiceError(code, message)` with AWS's codes.

Calls never wait for executions: `StartExecution` schedules and returns, like AWS. Whoever owns
the clock lets time run with `drive()` — the boto3 adapter and the HTTP server do it after every
call, so a caller polling `DescribeExecution` sees progress. A task waiting for its token stays
waiting (a `.waitForTaskToken` task with a one-day timeout can be answered with SendTaskSuccess
whenever the client is ready); `drive(seconds)` lets time pass for real timeouts.
`StartSyncExecution` runs its (Express) execution to completion before it answers.

Example:
    >>> service = StepFunctionsService(Engine())
    >>> arn = service.call("CreateStateMachine", {
    ...     "name": "hello", "roleArn": "arn:aws:iam::123456789012:role/sfn",
    ...     "definition": '{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}',
    ... })["stateMachineArn"]
    >>> run = service.call("StartExecution", {"stateMachineArn": arn, "input": '{"x": 1}'})
    >>> service.drive()
    >>> service.call("DescribeExecution", {"executionArn": run["executionArn"]})["output"]
    '{"x":1}'
"""

from __future__ import annotations

import base64
import json
import math
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sluice import json_text
from sluice.api.errors import ServiceError, check_name, check_role_arn, split_arn
from sluice.asl.engine import (
    EXPRESS,
    STANDARD,
    Engine,
    ExecutionAlreadyExists,
    InvalidExecutionInput,
    StateMachine,
)
from sluice.asl.execution import RUNNING, SUCCEEDED, Execution
from sluice.asl.history import to_json
from sluice.asl.states.base import MAX_PAYLOAD_BYTES
from sluice.asl.tasks.activities import Activity, ActivityDoesNotExist, ActivityTask

Request = Mapping[str, Any]
Response = dict[str, Any]

# AWS: list actions return 100 items unless maxResults (at most 1000) says otherwise.
DEFAULT_PAGE_SIZE = 100
# AWS bills Express executions in 100 ms steps and at least 64 MB.
BILLING_STEP_MS = 100
BILLED_MEMORY_MB = 64
_PAYLOAD_DETAIL_KEYS = ("input", "inputDetails", "output", "outputDetails")


@dataclass
class _MachineInfo:
    """What DescribeStateMachine shows beyond the engine's `StateMachine`."""

    creation_date: float
    definition: str
    logging: dict[str, Any]
    tracing: dict[str, Any]
    revision: int = 0
    update_date: float | None = None


class StepFunctionsService:
    """The API actions on one engine. `call(action, request)` is the single entry point."""

    def __init__(self, engine: Engine, *, fire_callback_timeouts: bool = False) -> None:
        self.engine = engine
        self.fire_callback_timeouts = fire_callback_timeouts
        self._machines: dict[str, _MachineInfo] = {}
        self._redrive_dates: dict[str, float] = {}
        self._actions: dict[str, Callable[[Request], Response]] = {
            "CreateStateMachine": self.create_state_machine,
            "UpdateStateMachine": self.update_state_machine,
            "DescribeStateMachine": self.describe_state_machine,
            "ListStateMachines": self.list_state_machines,
            "DeleteStateMachine": self.delete_state_machine,
            "StartExecution": self.start_execution,
            "StartSyncExecution": self.start_sync_execution,
            "DescribeExecution": self.describe_execution,
            "ListExecutions": self.list_executions,
            "GetExecutionHistory": self.get_execution_history,
            "StopExecution": self.stop_execution,
            "RedriveExecution": self.redrive_execution,
            "SendTaskSuccess": self.send_task_success,
            "SendTaskFailure": self.send_task_failure,
            "SendTaskHeartbeat": self.send_task_heartbeat,
            "CreateActivity": self.create_activity,
            "DescribeActivity": self.describe_activity,
            "ListActivities": self.list_activities,
            "DeleteActivity": self.delete_activity,
            "GetActivityTask": self.get_activity_task,
            "ValidateStateMachineDefinition": self.validate_state_machine_definition,
            "TestState": self.test_state,
        }

    def call(self, action: str, request: Request) -> Response:
        """Perform one API action; raise ServiceError as AWS would."""
        handler = self._actions.get(action)
        if handler is None:
            raise ServiceError("UnknownOperationException", f"sluice does not implement AWSStepFunctions.{action}")
        return handler(request)

    async def call_async(self, action: str, request: Request) -> Response:
        """`call` for code running on the engine's clock (a real-time server): StartSyncExecution
        awaits its execution instead of driving the clock."""
        if action == "StartSyncExecution":
            # Started as a task of the running clock, not run nested (which would suspend the loop,
            # and every other request with it, until the execution ends).
            execution = self._start_sync(request, blocking=False)
            await self.engine.finished(execution)
            return _sync_view(execution)
        if action == "GetActivityTask":
            # A real-time clock runs by itself: the worker's poll waits for a task, as on AWS.
            activity = self._activity(request.get("activityArn"))
            try:
                return _activity_task(await self.engine.activities.poll(activity.arn, request.get("workerName")))
            except ActivityDoesNotExist as error:  # deleted while the worker was polling
                raise ServiceError("ActivityDoesNotExist", str(error)) from None
        return self.call(action, request)

    def drive(self, seconds: float | None = None) -> None:
        """Let the clock run until the world is idle, or let `seconds` of clock time pass.

        Until idle, a task waiting for its token keeps waiting — its timeout is time a client could
        still use to answer (ADR 0007) — unless the service was made with
        `fire_callback_timeouts=True`. `seconds` lets every deadline in that time pass
        (`VirtualClock.advance`). Does nothing when called from code the clock is already running
        (a Lambda handler or integration calling the API in-process): that clock carries on by itself.
        """
        if self.engine.clock.busy():
            return
        if seconds is None:
            self.engine.run_until_idle(fire_callback_timeouts=self.fire_callback_timeouts)
        else:
            self.engine.clock.advance(seconds)

    # -- state machines ------------------------------------------------------------------

    def create_state_machine(self, request: Request) -> Response:
        name = check_name(request.get("name"))
        role_arn = check_role_arn(request.get("roleArn"))
        machine_type = _machine_type(request.get("type", STANDARD))
        text, definition = _definition(request.get("definition"))
        arn = self._machine_arn(name)
        existing = self.engine.state_machines.get(arn)
        if existing is not None:
            # AWS: creating the same machine again is idempotent; anything different is a clash.
            if existing.definition == definition and existing.role_arn == role_arn and existing.type == machine_type:
                return {"stateMachineArn": arn, "creationDate": self._info(existing).creation_date}
            raise ServiceError("StateMachineAlreadyExists", f"State Machine Already Exists: '{arn}'")
        machine = self.engine.create_state_machine(name, definition, type=machine_type, role_arn=role_arn)
        now = self.engine.clock.now()
        self._machines[arn] = _MachineInfo(
            now, text, _logging(request.get("loggingConfiguration")), _tracing(request.get("tracingConfiguration"))
        )
        return {"stateMachineArn": machine.arn, "creationDate": now}

    def update_state_machine(self, request: Request) -> Response:
        machine = self._machine(request.get("stateMachineArn"))
        changes = ("definition", "roleArn", "loggingConfiguration", "tracingConfiguration")
        if not any(key in request for key in changes):
            raise ServiceError(
                "MissingRequiredParameter",
                "Either the definition, the role ARN, the LoggingConfiguration, or the TracingConfiguration "
                "must be specified",
            )
        info = self._info(machine)
        role_arn = check_role_arn(request["roleArn"]) if "roleArn" in request else machine.role_arn
        text, definition = (
            _definition(request["definition"]) if "definition" in request else (info.definition, machine.definition)
        )
        # Running executions keep the program they started with, as on AWS.
        self.engine.create_state_machine(machine.name, definition, type=machine.type, role_arn=role_arn)
        info.definition = text
        if "loggingConfiguration" in request:
            info.logging = _logging(request["loggingConfiguration"])
        if "tracingConfiguration" in request:
            info.tracing = _tracing(request["tracingConfiguration"])
        info.revision += 1
        info.update_date = self.engine.clock.now()
        return {"updateDate": info.update_date, "revisionId": _revision_id(machine.arn, info.revision)}

    def describe_state_machine(self, request: Request) -> Response:
        machine = self._machine(request.get("stateMachineArn"))
        info = self._info(machine)
        return {
            "stateMachineArn": machine.arn,
            "name": machine.name,
            "status": "ACTIVE",
            "definition": info.definition,
            "roleArn": machine.role_arn,
            "type": machine.type,
            "creationDate": info.creation_date,
            "loggingConfiguration": info.logging,
            "tracingConfiguration": info.tracing,
            "revisionId": _revision_id(machine.arn, info.revision),
        }

    def list_state_machines(self, request: Request) -> Response:
        machines = [
            {"stateMachineArn": machine.arn, "name": machine.name, "type": machine.type,
             "creationDate": self._info(machine).creation_date}
            for machine in self.engine.state_machines.values()
        ]
        page, token = _page(machines, request)
        return {"stateMachines": page} | ({"nextToken": token} if token else {})

    def delete_state_machine(self, request: Request) -> Response:
        arn = request.get("stateMachineArn")
        split_arn(arn, ("stateMachine",))
        # AWS: deleting is idempotent; running executions run on.
        self.engine.state_machines.pop(str(arn), None)
        self._machines.pop(str(arn), None)
        return {}

    # -- executions ----------------------------------------------------------------------

    def start_execution(self, request: Request) -> Response:
        execution = self._start(request)
        return {"executionArn": execution.arn, "startDate": execution.start_time}

    def start_sync_execution(self, request: Request) -> Response:
        # Runs to the end before answering, also when the caller is a handler the clock is running.
        return _sync_view(self._start_sync(request))

    def describe_execution(self, request: Request) -> Response:
        execution = self._execution(request.get("executionArn"))
        response = _execution_view(execution)
        runtime = execution.runtime
        response["redriveCount"] = runtime.redrive_count
        if execution.arn in self._redrive_dates:
            response["redriveDate"] = self._redrive_dates[execution.arn]
        if execution.status in (RUNNING, SUCCEEDED):
            response["redriveStatus"] = "NOT_REDRIVABLE"
            response["redriveStatusReason"] = f"Execution is {execution.status} and cannot be redriven"
        else:
            response["redriveStatus"] = "REDRIVABLE"
        return response

    def list_executions(self, request: Request) -> Response:
        machine = self._machine(request.get("stateMachineArn"))
        if machine.type == EXPRESS:
            raise ServiceError("StateMachineTypeNotSupported",
                               "This operation is not supported by this type of state machine")
        wanted = request.get("statusFilter")
        # AWS lists the most recent executions first.
        executions = sorted(machine.executions.values(), key=lambda e: e.start_time, reverse=True)
        items = [_list_item(e, e.runtime.redrive_count) for e in executions if wanted in (None, e.status)]
        page, token = _page(items, request)
        return {"executions": page} | ({"nextToken": token} if token else {})

    def get_execution_history(self, request: Request) -> Response:
        execution = self._execution(request.get("executionArn"))
        events = [_wire(event) for event in execution.history]
        if request.get("reverseOrder"):
            events.reverse()
        if request.get("includeExecutionData") is False:
            for event in events:
                for key, details in event.items():
                    if key.endswith("EventDetails") and isinstance(details, dict):
                        for payload_key in _PAYLOAD_DETAIL_KEYS:
                            details.pop(payload_key, None)
        page, token = _page(events, request)
        return {"events": page} | ({"nextToken": token} if token else {})

    def stop_execution(self, request: Request) -> Response:
        execution = self._execution(request.get("executionArn"))
        self.engine.stop_execution(execution, error=request.get("error"), cause=request.get("cause"))
        return {"stopDate": execution.stop_time}

    def redrive_execution(self, request: Request) -> Response:
        execution = self._execution(request.get("executionArn"))
        try:
            self.engine.redrive_execution(execution)
        except ValueError:
            raise ServiceError(
                "ExecutionNotRedrivable", f"Execution is {execution.status} and cannot be redriven"
            ) from None
        now = self.engine.clock.now()
        self._redrive_dates[execution.arn] = now
        return {"redriveDate": now}

    # -- task tokens ---------------------------------------------------------------------

    def send_task_success(self, request: Request) -> Response:
        output = request.get("output")
        if not isinstance(output, str):
            raise ServiceError("InvalidOutput", "Invalid Output: 'output must be JSON text'")
        if _utf8_size(output) > MAX_PAYLOAD_BYTES:
            raise ServiceError("InvalidOutput", "Invalid Output: 'output exceeds the 262144 bytes limit'")
        try:
            value = json_text.loads(output)
        except json.JSONDecodeError as error:
            raise ServiceError("InvalidOutput", f"Invalid Output: '{error.msg}'") from None
        self._answer(lambda tokens: tokens.succeed(str(request.get("taskToken")), value))
        return {}

    def send_task_failure(self, request: Request) -> Response:
        token = str(request.get("taskToken"))
        self._answer(lambda tokens: tokens.fail(token, request.get("error"), request.get("cause")))
        return {}

    def send_task_heartbeat(self, request: Request) -> Response:
        self._answer(lambda tokens: tokens.heartbeat(str(request.get("taskToken"))))
        return {}

    # -- activities ----------------------------------------------------------------------

    def create_activity(self, request: Request) -> Response:
        activity = self.engine.create_activity(check_name(request.get("name")))
        return {"activityArn": activity.arn, "creationDate": activity.creation_date}

    def describe_activity(self, request: Request) -> Response:
        activity = self._activity(request.get("activityArn"))
        return {"activityArn": activity.arn, "name": activity.name, "creationDate": activity.creation_date}

    def list_activities(self, request: Request) -> Response:
        activities = [{"activityArn": a.arn, "name": a.name, "creationDate": a.creation_date}
                      for a in self.engine.activities.all()]
        page, token = _page(activities, request)
        return {"activities": page} | ({"nextToken": token} if token else {})

    def delete_activity(self, request: Request) -> Response:
        arn = request.get("activityArn")
        split_arn(arn, ("activity",))
        self.engine.activities.delete(str(arn))  # AWS: idempotent
        return {}

    def get_activity_task(self, request: Request) -> Response:
        """No task queued: an empty answer at once, where AWS would hold the poll for 60 s first
        (on the virtual clock nothing can be queued while the poll blocks: `sluice.asl.tasks.activities`)."""
        activity = self._activity(request.get("activityArn"))
        return _activity_task(self.engine.activities.take(activity.arn, request.get("workerName")))

    # -- definitions ---------------------------------------------------------------------

    def validate_state_machine_definition(self, request: Request) -> Response:
        from sluice.asl.validation import validate_definition  # noqa: PLC0415 - only validators pay

        text = request.get("definition")
        limit = int(request.get("maxResults") or DEFAULT_PAGE_SIZE)
        try:
            loaded = json_text.loads(text) if isinstance(text, str) else None
            problem = None if isinstance(loaded, dict) else "The definition must be a JSON object"
        except json.JSONDecodeError as error:
            loaded, problem = None, f"{error.msg} at line {error.lineno} column {error.colno}"
        if problem is not None or not isinstance(loaded, dict):
            diagnostics = [{"severity": "ERROR", "code": "INVALID_JSON_DESCRIPTION", "message": str(problem)}]
        else:
            diagnostics = [
                {"severity": "ERROR", "code": found.code, "message": found.message}
                | ({"location": found.path} if found.path else {})
                for found in validate_definition(loaded)
            ]
        return {
            "result": "FAIL" if diagnostics else "OK",
            "diagnostics": diagnostics[:limit],
            "truncated": len(diagnostics) > limit,
        }

    def test_state(self, request: Request) -> Response:
        from sluice.api.state_tester import run_test_state  # noqa: PLC0415

        return run_test_state(self.engine, request)

    # -- lookups -------------------------------------------------------------------------

    def _machine_arn(self, name: str) -> str:
        return f"arn:aws:states:{self.engine.region}:{self.engine.account}:stateMachine:{name}"

    def _machine(self, arn: object) -> StateMachine:
        parts = split_arn(arn, ("stateMachine",))
        machine = self.engine.state_machines.get(":".join(parts[:7])) if len(parts) == 7 else None
        if machine is None:
            raise ServiceError("StateMachineDoesNotExist", f"State Machine Does Not Exist: '{arn}'")
        return machine

    def _execution(self, arn: object) -> Execution:
        # Express executions are not recorded by AWS: their ARNs are not valid here either.
        parts = split_arn(arn, ("execution",))
        machine = self.engine.state_machines.get(self._machine_arn(parts[6])) if len(parts) == 8 else None
        execution = machine.executions.get(parts[7]) if machine is not None else None
        if execution is None or execution.arn != arn:
            raise ServiceError("ExecutionDoesNotExist", f"Execution Does Not Exist: '{arn}'")
        return execution

    def _activity(self, arn: object) -> Activity:
        split_arn(arn, ("activity",))
        try:
            return self.engine.activities.get(str(arn))
        except ActivityDoesNotExist as error:
            raise ServiceError("ActivityDoesNotExist", str(error)) from None

    def _info(self, machine: StateMachine) -> _MachineInfo:
        """Metadata, created on first sight for machines made directly on the engine."""
        info = self._machines.get(machine.arn)
        if info is None:
            info = _MachineInfo(self.engine.clock.now(), json.dumps(machine.definition), _logging(None),
                                _tracing(None))
            self._machines[machine.arn] = info
        return info

    def _start(self, request: Request, *, blocking: bool = False) -> Execution:
        arn, _, test_case = str(request.get("stateMachineArn")).partition("#")
        machine = self._machine(arn)
        name = check_name(request["name"]) if "name" in request else None
        data = execution_input(request.get("input"))
        try:
            return self.engine.start_execution(
                machine, data, name=name, test_case=test_case or None, blocking=blocking
            )
        except ExecutionAlreadyExists as error:
            raise ServiceError("ExecutionAlreadyExists", str(error)) from None
        except InvalidExecutionInput as error:  # NaN/Infinity, too deep (json.loads accepts both)
            raise ServiceError("InvalidExecutionInput", str(error)) from None
        except ValueError as error:  # unknown mock test case
            raise ServiceError("ValidationException", str(error)) from None

    def _start_sync(self, request: Request, *, blocking: bool = True) -> Execution:
        machine = self._machine(str(request.get("stateMachineArn")).partition("#")[0])
        if machine.type != EXPRESS:
            raise ServiceError("StateMachineTypeNotSupported",
                               "This operation is not supported by this type of state machine")
        return self._start(request, blocking=blocking)

    def _answer(self, send: Callable[[Any], None]) -> None:
        from sluice.asl.callbacks import TaskTokenError  # noqa: PLC0415

        try:
            send(self.engine.task_tokens)
        except TaskTokenError as error:
            raise ServiceError(error.code, error.message) from None


# -- shapes ------------------------------------------------------------------------------


def _execution_view(execution: Execution) -> Response:
    """DescribeExecution / StartSyncExecution fields, in wire form."""
    view: Response = {
        "executionArn": execution.arn,
        "stateMachineArn": execution.state_machine_arn,
        "name": execution.name,
        "status": execution.status,
        "startDate": execution.start_time,
        "input": to_json(execution.input),
        "inputDetails": {"included": True},
    }
    if execution.stop_time is not None:
        view["stopDate"] = execution.stop_time
    if execution.status == SUCCEEDED:
        view["output"] = to_json(execution.output)
        view["outputDetails"] = {"included": True}
    if execution.error is not None:
        view["error"] = execution.error
    if execution.cause is not None:
        view["cause"] = execution.cause
    return view


def _activity_task(task: ActivityTask | None) -> Response:
    """GetActivityTask's answer: the token and input (JSON text), or nothing when no task came."""
    return {} if task is None else {"taskToken": task.token, "input": to_json(task.input)}


def _sync_view(execution: Execution) -> Response:
    """StartSyncExecution's answer: the execution and what AWS would bill for it."""
    response = _execution_view(execution)
    duration_ms = 1000 * (execution.duration_seconds or 0.0)
    response["billingDetails"] = {
        "billedMemoryUsedInMB": BILLED_MEMORY_MB,
        "billedDurationInMilliseconds": max(1, math.ceil(duration_ms / BILLING_STEP_MS)) * BILLING_STEP_MS,
    }
    return response


def _list_item(execution: Execution, redrive_count: int) -> Response:
    item: Response = {
        "executionArn": execution.arn,
        "stateMachineArn": execution.state_machine_arn,
        "name": execution.name,
        "status": execution.status,
        "startDate": execution.start_time,
    }
    if execution.stop_time is not None:
        item["stopDate"] = execution.stop_time
    if redrive_count:
        item["redriveCount"] = redrive_count
    return item


def _wire(value: Any) -> Any:
    """History events as the wire carries them: datetimes become epoch seconds."""
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, dict):
        return {key: _wire(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_wire(item) for item in value]
    return value


def _machine_type(value: Any) -> str:
    if value not in (STANDARD, EXPRESS):
        raise ServiceError(
            "ValidationException",
            f"1 validation error detected: Value '{value}' at 'type' failed to satisfy constraint: "
            "Member must satisfy enum value set: [STANDARD, EXPRESS]",
        )
    return str(value)


def _definition(text: Any) -> tuple[str, dict[str, Any]]:
    """The definition text and its parsed, validated form — or InvalidDefinition."""
    from sluice.asl.validation import validate_definition  # noqa: PLC0415

    if not isinstance(text, str):
        raise ServiceError("InvalidDefinition", "Invalid State Machine Definition: 'definition is required'")
    try:
        loaded = json_text.loads(text)
    except json.JSONDecodeError as error:
        raise ServiceError(
            "InvalidDefinition",
            f"Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION: {error.msg} at line {error.lineno} "
            f"column {error.colno}'",
        ) from None
    if not isinstance(loaded, dict):
        raise ServiceError("InvalidDefinition",
                           "Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION: not a JSON object'")
    diagnostics = validate_definition(loaded)
    if diagnostics:
        listed = ", ".join(str(diagnostic) for diagnostic in diagnostics)
        raise ServiceError("InvalidDefinition", f"Invalid State Machine Definition: '{listed}'")
    return text, loaded


def _utf8_size(text: str) -> int:
    """Bytes of `text` in UTF-8 (AWS's 256 KiB limits); a lone surrogate, which a JSON request can escape
    ("\\ud800"), counts as the 3 bytes the JVM writes for it rather than failing the count."""
    return len(text.encode("utf-8", "surrogatepass"))


def execution_input(text: Any) -> Any:
    if text is None:
        return {}
    if not isinstance(text, str):
        raise ServiceError("InvalidExecutionInput", "Invalid State Machine Execution Input: 'input must be text'")
    if _utf8_size(text) > MAX_PAYLOAD_BYTES:
        raise ServiceError("InvalidExecutionInput",
                           "Invalid State Machine Execution Input: 'input exceeds the 262144 bytes limit'")
    try:
        return json_text.loads(text)
    except json.JSONDecodeError as error:
        raise ServiceError(
            "InvalidExecutionInput",
            f"Invalid State Machine Execution Input: '{error.msg} (line {error.lineno}, column {error.colno})'",
        ) from None


def _logging(value: Any) -> dict[str, Any]:
    configuration = {"level": "OFF", "includeExecutionData": False}
    if isinstance(value, dict):
        configuration.update(value)
    return configuration


def _tracing(value: Any) -> dict[str, Any]:
    return {"enabled": bool(value.get("enabled"))} if isinstance(value, dict) else {"enabled": False}


def _revision_id(arn: str, revision: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{arn}#{revision}"))


def _page(items: list[Any], request: Request) -> tuple[list[Any], str | None]:
    """One page of a list action and the token for the next (opaque to clients)."""
    size = int(request.get("maxResults") or DEFAULT_PAGE_SIZE)
    token = request.get("nextToken")
    start = 0
    if token is not None:
        try:
            start = int(base64.urlsafe_b64decode(str(token).encode()).decode().removeprefix("sluice:"))
        except (ValueError, UnicodeDecodeError):
            raise ServiceError("InvalidToken", f"Invalid Token: '{token}'") from None
    end = start + size
    following = base64.urlsafe_b64encode(f"sluice:{end}".encode()).decode() if end < len(items) else None
    return items[start:end], following
