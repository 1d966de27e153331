"""Task: one unit of work performed elsewhere — a Lambda function or a service integration.

The state records the history events AWS records (`LambdaFunctionScheduled/Started/Succeeded`
for Lambda ARNs, `TaskScheduled/Started/[Submitted/]Succeeded/Failed` for integrations), enforces
`TimeoutSeconds(Path)` on the virtual clock (`States.Timeout`; a heartbeat that runs out is
`States.HeartbeatTimeout`, also recorded as `TaskTimedOut`), and hands the request to the
execution's mocked responses (a Step Functions Local test case) or its `TaskDispatcher`.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from sluice.asl.errors import ErrorName, StatesError
from sluice.asl.frame import Frame
from sluice.asl.limits import json_problem
from sluice.asl.payload import contextual, evaluate_jsonata, jsonata_states, require_path
from sluice.asl.states.base import State, check_size
from sluice.asl.tasks.dispatch import NO_TIMEOUT_SECONDS, TaskRequest
from sluice.asl.tasks.resources import ACTIVITY, LAMBDA_FUNCTION, WAIT_FOR_TASK_TOKEN, parse_resource

DEFAULT_TIMEOUT_SECONDS = NO_TIMEOUT_SECONDS


class TaskState(State):
    TYPE = "Task"
    HAS_RESULT = True

    def __init__(self, name: str, spec: dict[str, Any], query_language: str) -> None:
        super().__init__(name, spec, query_language)
        self.resource = parse_resource(spec["Resource"])

    async def run(self, raw: Any, frame: Frame) -> tuple[Any, str | None]:
        frame.in_task = True
        try:
            return await super().run(raw, frame)
        finally:
            frame.in_task = False

    async def _attempt(self, raw: Any, frame: Frame) -> tuple[Any, str | None]:
        if self.resource.pattern == WAIT_FOR_TASK_TOKEN:
            frame.task_token = str(uuid.UUID(int=frame.runtime.rng.getrandbits(128), version=4))
        return await super()._attempt(raw, frame)

    async def produce(self, effective: Any, raw: Any, frame: Frame) -> tuple[Any, str | None]:
        runtime = frame.runtime
        timeout = self._seconds("TimeoutSeconds", raw, frame) or DEFAULT_TIMEOUT_SECONDS
        heartbeat = self._seconds("HeartbeatSeconds", raw, frame)
        request = TaskRequest(
            resource=self.resource,
            parameters=effective,
            state_name=self.name,
            execution_arn=runtime.execution_arn,
            request_id=str(uuid.UUID(int=runtime.rng.getrandbits(128), version=4)),
            task_token=frame.task_token,
            timeout_seconds=timeout,
            heartbeat_seconds=heartbeat,
            execution_deadline=runtime.deadline,
            requested_at=runtime.clock.now(),
            context=frame.context_object(),
        )
        activity = self.resource.kind == ACTIVITY
        # Lambda ARNs and activities show the resource ARN and the input (sluice.asl.tasks.activities).
        legacy_lambda = activity or self.resource.kind == LAMBDA_FUNCTION
        prefix = "Activity" if activity else "LambdaFunction" if legacy_lambda else "Task"
        base = {} if legacy_lambda else {"resourceType": self.resource.resource_type,
                                          "resource": self.resource.action_name}
        scheduled = dict(base, **({"resource": self.resource.arn, "input": effective} if legacy_lambda
                                  else {"region": "us-east-1", "parameters": effective}))
        if timeout != DEFAULT_TIMEOUT_SECONDS:
            scheduled["timeoutInSeconds"] = int(timeout)
        if heartbeat is not None:
            scheduled["heartbeatInSeconds"] = int(heartbeat)
        if activity:
            runtime.dispatcher.activities.check(self.resource.arn)
            request.on_started = lambda worker: frame.record(
                "ActivityStarted", "activityStartedEventDetails", {} if worker is None else {"workerName": worker})
        frame.record(f"{prefix}Scheduled", f"{_lower(prefix)}ScheduledEventDetails", scheduled)
        if not activity:  # an activity starts when a worker takes it
            # The service takes the call after the Scheduled event: side-by-side branches and iterations
            # schedule theirs in between (AWS: test_service_lambda_map_timeout, every TaskScheduled first).
            await asyncio.sleep(0)
            frame.record(f"{prefix}Started", f"{_lower(prefix)}StartedEventDetails" if base else None, base or None)

        def submitted(output: Any) -> None:
            frame.record("TaskSubmitted", "taskSubmittedEventDetails", dict(base, output=output))

        def failed(failure: StatesError) -> StatesError:
            frame.record(f"{prefix}Failed", f"{_lower(prefix)}FailedEventDetails",
                         dict(base, error=failure.error, cause=failure.cause))
            return failure

        request.on_submitted = submitted
        runtime.task_calls += 1
        call = runtime.dispatcher.perform(request) if runtime.mocks is None else runtime.mocks.perform(
            request, runtime.dispatcher)
        try:
            # No timer without TimeoutSeconds: a task waiting for a token must leave the clock idle.
            result = await (call if timeout == DEFAULT_TIMEOUT_SECONDS else asyncio.wait_for(call, timeout))
        except TimeoutError:
            frame.record(f"{prefix}TimedOut", f"{_lower(prefix)}TimedOutEventDetails",
                        dict(base, error=ErrorName.TIMEOUT))
            # An empty cause: a Catch hands on `{"Error": "States.Timeout", "Cause": ""}`, while the
            # events leave it out (recorded: LocalStack's test_task_service_lambda test_invoke_timeout
            # and test_timeouts test_fixed_timeout_service_lambda_with_path).
            raise StatesError(ErrorName.TIMEOUT, "") from None
        except StatesError as failure:
            if failure.error == ErrorName.HEARTBEAT_TIMEOUT:
                frame.record(f"{prefix}TimedOut", f"{_lower(prefix)}TimedOutEventDetails",
                            dict(base, error=ErrorName.HEARTBEAT_TIMEOUT))
                raise
            failed(failure)
            raise
        if (problem := json_problem(result)) is not None:
            # A handler or resolver returned what no AWS service can return: a value JSON has no
            # type for, NaN/Infinity, or nesting past what the engine can walk (sluice.asl.limits).
            raise failed(contextual(ErrorName.RUNTIME, f"The task returned a result that is not valid JSON: {problem}"))
        try:
            # AWS names the task by its resource: a Lambda function's or an activity's ARN, else the
            # integration's service (`'lambda'` for lambda:invoke; recorded
            # test_*_data_limit_exceeded_on_large_utf8_response).
            check_size(result, self.resource.arn if legacy_lambda else self.resource.resource_type)
        except StatesError as oversized:
            oversized.task_failure = True
            failed(oversized)
            raise
        frame.record(f"{prefix}Succeeded", f"{_lower(prefix)}SucceededEventDetails", dict(base, output=result))
        return result, self.next

    def _seconds(self, field_name: str, raw: Any, frame: Frame) -> float | None:
        value = self.spec.get(field_name)
        if self.jsonata and isinstance(value, str):
            value = evaluate_jsonata(value, jsonata_states(frame, raw), frame, field_name)
        elif (path := self.spec.get(f"{field_name}Path")) is not None:
            value = require_path(path, raw, frame)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise contextual(ErrorName.RUNTIME, f"The {field_name} value must be a positive integer: {value}")
        return float(value)


def _lower(prefix: str) -> str:
    return prefix[0].lower() + prefix[1:]
