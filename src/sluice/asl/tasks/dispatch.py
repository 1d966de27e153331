"""Route a Task to whatever performs it: Lambda in-process, or a pluggable resolver.

The engine never talks to AWS itself. A `TaskDispatcher` is given
- a *Lambda invoker* (`FunctionTable` of Python callables in tests; the local stack's in-process
  Lambda runtime later), used for Lambda ARNs and `arn:aws:states:::lambda:invoke`;
- an optional *resolver* for every other resource (service integrations): any callable
  taking a `TaskRequest` and returning the result (or an awaitable of it).

`.waitForTaskToken` resources make their call and then wait for the token (`TaskTokens`, created
on first use); activity ARNs wait for a worker of the activity (`Activities`, on the same tokens);
`api_call` lets the engine itself call AWS (Distributed Map's ItemReader and
ResultWriter) through the same resolver.

Example:
    >>> dispatcher = TaskDispatcher(FunctionTable({"f": lambda e, c: {"ok": True}}))
"""

from __future__ import annotations

import asyncio
import inspect
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from sluice.asl.errors import ErrorName, StatesError
from sluice.asl.tasks.lambda_ import (
    FunctionTable,
    Invoked,
    LambdaFunctionError,
    elapsed_ms,
    function_error,
    invoke_payload,
    invoke_response,
    request_payload,
    response_value,
)
from sluice.asl.tasks.resources import (
    ACTIVITY,
    LAMBDA_FUNCTION,
    OPTIMIZED,
    REQUEST_RESPONSE,
    WAIT_FOR_TASK_TOKEN,
    Resource,
    parse_resource,
)

if TYPE_CHECKING:
    from sluice.asl.callbacks import TaskTokens
    from sluice.asl.tasks.activities import Activities

# ASL: a Task without TimeoutSeconds runs for up to the execution's own limit (99999999 s).
NO_TIMEOUT_SECONDS = 99_999_999


@dataclass
class TaskRequest:
    """One Task invocation as a resolver sees it."""

    resource: Resource
    parameters: Any
    state_name: str
    execution_arn: str
    request_id: str
    task_token: str | None = None
    timeout_seconds: float | None = None
    heartbeat_seconds: float | None = None
    # Clock time (`VirtualClock.monotonic()`) at which the execution itself times out.
    execution_deadline: float = math.inf
    # Epoch seconds on the execution's clock when the task was scheduled (the response's `Date`).
    requested_at: float = 0.0
    context: dict[str, Any] = field(default_factory=dict)
    # Called with the first response of a `.sync` / `.waitForTaskToken` task (AWS's TaskSubmitted).
    on_submitted: Callable[[Any], None] | None = None
    # Called with the worker's name (if it gave one) when a worker takes an activity task.
    on_started: Callable[[str | None], object] | None = None


class LambdaInvoker(Protocol):
    """Runs a Lambda function for a Task: `function` is a name or ARN (either may carry a version or
    alias), `qualifier` the `lambda:invoke` task's separate `Qualifier` (None when it has none).

    Returns the function's response, or an `Invoked` that also names the version that ran (what
    `ExecutedVersion` reports); a plain response is reported as `$LATEST`.
    """

    def invoke(self, function: str, payload: Any, *, request_id: str, qualifier: str | None = None) -> Any: ...


TaskResolver = Callable[[TaskRequest], Any | Awaitable[Any]]


class TaskDispatcher:
    """Performs Task states for an engine."""

    def __init__(self, lambdas: LambdaInvoker | None = None, resolver: TaskResolver | None = None, *,
                 virtual_sleep: bool = True) -> None:
        self.lambdas: LambdaInvoker = lambdas or FunctionTable({})
        self.resolver = resolver
        # Whether a handler's time.sleep under a Task's TimeoutSeconds costs no real time (the engine
        # on a virtual clock) or waits (in real time); `sluice.local.lambda_.timeouts`.
        self.virtual_sleep = virtual_sleep
        self._tokens: TaskTokens | None = None
        self._activities: Activities | None = None

    @property
    def tokens(self) -> TaskTokens:
        """The task tokens `.waitForTaskToken` tasks wait on (created on first use)."""
        if self._tokens is None:
            from sluice.asl.callbacks import TaskTokens  # noqa: PLC0415 - only callback users pay

            self._tokens = TaskTokens()
        return self._tokens

    @property
    def activities(self) -> Activities:
        """The activities Task states can be scheduled on, and their queued tasks (created on first use)."""
        if self._activities is None:
            from sluice.asl.tasks.activities import Activities  # noqa: PLC0415 - only activity users pay

            self._activities = Activities(self.tokens)
        return self._activities

    def is_lambda(self, resource: Resource) -> bool:
        return resource.kind == LAMBDA_FUNCTION or (
            resource.kind == OPTIMIZED and resource.service == "lambda" and resource.action == "invoke"
            and resource.pattern in (REQUEST_RESPONSE, WAIT_FOR_TASK_TOKEN)
        )

    async def perform(self, request: TaskRequest) -> Any:
        if request.resource.kind == ACTIVITY:
            return await self.activities.perform(request)
        if request.resource.pattern == WAIT_FOR_TASK_TOKEN and request.task_token is not None:
            return await self.tokens.run(request, self._call)
        return await self._call(request)

    async def api_call(self, service: str, action: str, parameters: dict[str, Any], *,
                       execution_arn: str, state_name: str, request_id: str) -> Any:
        """An AWS SDK call the engine makes for a state (`aws-sdk:<service>:<action>` semantics)."""
        request = TaskRequest(
            resource=parse_resource(f"arn:aws:states:::aws-sdk:{service}:{action}"),
            parameters=parameters,
            state_name=state_name,
            execution_arn=execution_arn,
            request_id=request_id,
        )
        return await self._call(request)

    async def _call(self, request: TaskRequest) -> Any:
        resource = request.resource
        if self.is_lambda(resource):
            return await self._lambda_call(request)
        if self.resolver is None:
            raise StatesError(
                ErrorName.RUNTIME,
                f"No integration is configured for resource '{resource.arn}'.",
            )
        outcome = self.resolver(request)
        return await outcome if inspect.isawaitable(outcome) else outcome

    async def _lambda_call(self, request: TaskRequest) -> Any:
        """Invoke the function, then let the seconds its handler slept pass on the execution's clock.

        An in-process handler runs on this thread and holds the clock while it runs; its `time.sleep`
        costs no real time (`sluice.local.lambda_.timeouts`). Waiting out what it slept afterwards ends
        the Task when its Lambda would have, and lets other branches and Map iterations start their own
        calls meanwhile, as they run side by side on AWS: five iterations of a 10 s function end
        together after 10 s, not one after another, and a `TimeoutSeconds` fires at its own second.
        """
        from sluice.local.lambda_.timeouts import on_virtual_sleep  # noqa: PLC0415 - the one virtual-sleep clock

        slept = 0.0

        def count(seconds: float) -> None:
            nonlocal slept
            slept += seconds

        failure: Exception | None = None
        with on_virtual_sleep(count):
            try:
                result = self._invoke_lambda(request)
            except Exception as error:  # the function's error, a States error or the Task's timeout
                failure = error
        if isinstance(failure, TimeoutError):  # the Task's TimeoutSeconds: it fires on its own second
            slept = float(request.timeout_seconds or slept)
        elif isinstance(failure, StatesError) and failure.error == ErrorName.HEARTBEAT_TIMEOUT:
            slept = float(request.heartbeat_seconds or slept)
        if slept:
            await asyncio.sleep(slept)
        if failure is not None:
            raise failure
        return result

    def _invoke_lambda(self, request: TaskRequest) -> Any:
        resource = request.resource
        legacy = resource.kind == LAMBDA_FUNCTION
        qualifier = None
        if legacy:
            function, payload = resource.arn, request_payload(request.parameters)
        else:
            parameters = request.parameters if isinstance(request.parameters, dict) else {}
            if "FunctionName" not in parameters:
                raise StatesError(
                    ErrorName.RUNTIME, "The field 'FunctionName' is required for lambda:invoke."
                )
            function, payload = parameters["FunctionName"], invoke_payload(parameters.get("Payload"))
            # The optimized integration passes Invoke's own `Qualifier` on (AWS docs, "Invoke an AWS
            # Lambda function with Step Functions": FunctionName, Payload, Qualifier, ...).
            qualifier = parameters.get("Qualifier")
        started = time.perf_counter()
        try:
            outcome = self._within_limits(
                request,
                lambda: self.lambdas.invoke(function, payload, request_id=request.request_id, qualifier=qualifier),
            )
        except LambdaFunctionError as error:
            raise function_error(error, request.request_id, legacy=legacy) from error
        invoked = outcome if isinstance(outcome, Invoked) else Invoked(outcome)
        if legacy:
            return response_value(invoked.payload)
        return invoke_response(invoked.payload, request.request_id, requested_at=request.requested_at,
                               duration_ms=elapsed_ms(started), log_tail=parameters.get("LogType") == "Tail",
                               executed_version=invoked.executed_version)

    def _within_limits(self, request: TaskRequest, invoke: Callable[[], Any]) -> Any:
        """Run a synchronous invocation under the Task's `TimeoutSeconds` / `HeartbeatSeconds`.

        A handler runs on the caller's thread and blocks the virtual clock, so its limits are
        enforced the way the local Lambda runtime enforces a function's `Timeout`: the work it does
        in real time (a timer), the seconds it sleeps virtually (`timeouts`): `States.Timeout`, or
        `States.HeartbeatTimeout` when HeartbeatSeconds runs out first — a synchronous
        invocation never sends a heartbeat.
        """
        timeout = request.timeout_seconds if (request.timeout_seconds or math.inf) < NO_TIMEOUT_SECONDS else None
        heartbeat = request.heartbeat_seconds
        limits = [seconds for seconds in (timeout, heartbeat) if seconds]
        if not limits or request.resource.pattern != REQUEST_RESPONSE:
            return invoke()
        # The one in-process deadline mechanism sluice has (imported here: only timed tasks need it).
        from sluice.local.lambda_.timeouts import FunctionTimeout, limit  # noqa: PLC0415

        deadline = None
        try:
            with limit(min(limits), virtual_sleep=self.virtual_sleep) as deadline:
                return invoke()
        except FunctionTimeout as expired:
            if expired.deadline is not deadline:
                raise  # an enclosing invocation's time is up, not this task's
            if heartbeat is not None and (timeout is None or heartbeat < timeout):
                raise StatesError(ErrorName.HEARTBEAT_TIMEOUT, None) from None
            raise TimeoutError from None
