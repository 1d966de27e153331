"""The Step Functions engine: state machines, executions, and the clock they share.

Example:
    >>> from sluice.asl import Engine
    >>> engine = Engine(functions={"greet": lambda event, context: f"hello {event['name']}"})
    >>> definition = {
    ...     "StartAt": "Greet",
    ...     "States": {"Greet": {"Type": "Task", "Resource":
    ...         "arn:aws:lambda:us-east-1:123456789012:function:greet", "End": True}},
    ... }
    >>> execution = engine.run(definition, {"name": "sluice"})
    >>> execution.status, execution.output
    ('SUCCEEDED', 'hello sluice')

Everything runs on one `VirtualClock`: `run()` drives it until the execution ends (or nothing
can move any more, e.g. it waits for a task token), `start_execution()` only schedules. The clock
jumps only over time no outside party can affect: a task waiting for its token keeps waiting until
answered, `clock.advance()` lets its timeout pass (ADR 0007).

Service integrations (`sluice.asl.integrations.ServiceIntegrations`) and Step Functions Local
mock files (`sluice.asl.mocks.MockConfig`) plug in through `integrations=` and `mocks=`; neither
is imported unless given.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import math
import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sluice import json_text
from sluice.asl.clock import VirtualClock
from sluice.asl.errors import ErrorName, StatesError
from sluice.asl.execution import ABORTED, FAILED, RUNNING, SUCCEEDED, TIMED_OUT, Execution
from sluice.asl.frame import ExecutionRuntime, Frame
from sluice.asl.history import MAX_HISTORY_EVENTS, History
from sluice.asl.jsonata_bounds import JsonataLimits
from sluice.asl.limits import json_problem
from sluice.asl.loader import load_definition
from sluice.asl.names import check_name
from sluice.asl.program import Program, compile_program, run_program
from sluice.asl.retry import error_output
from sluice.asl.states.base import MAX_PAYLOAD_BYTES, payload_bytes
from sluice.asl.tasks.dispatch import LambdaInvoker, TaskDispatcher, TaskResolver
from sluice.asl.tasks.lambda_ import FunctionTable, Handler
from sluice.asl.variables import Scope

if TYPE_CHECKING:
    from sluice.asl.callbacks import TaskTokens
    from sluice.asl.integrations import ServiceIntegrations
    from sluice.asl.mocks import MockConfig
    from sluice.asl.tasks.activities import Activities, Activity

_log = logging.getLogger(__name__)

STANDARD = "STANDARD"
EXPRESS = "EXPRESS"
# AWS: an Express workflow runs for at most five minutes.
EXPRESS_MAX_SECONDS = 300


class ExecutionAlreadyExists(Exception):
    """StartExecution with a name already used by this state machine (AWS's error code)."""


class InvalidExecutionInput(ValueError):
    """StartExecution with input AWS refuses (its error code): not JSON (NaN, Infinity, a value
    JSON has no type for), nested past `sluice.asl.limits.MAX_JSON_DEPTH`, or over 256 KiB."""


@dataclass
class StateMachine:
    name: str
    arn: str
    definition: dict[str, Any]
    program: Program
    type: str = STANDARD
    role_arn: str = ""
    executions: dict[str, Execution] = field(default_factory=dict)


class Engine:
    """Runs ASL definitions in-process, on virtual time unless `real_time=True`."""

    def __init__(
        self,
        *,
        functions: Mapping[str, Handler] | None = None,
        lambdas: LambdaInvoker | None = None,
        resolver: TaskResolver | None = None,
        clock: VirtualClock | None = None,
        real_time: bool = False,
        seed: int | str = 0,
        region: str = "us-east-1",
        account: str = "123456789012",
        validate: bool = True,
        integrations: ServiceIntegrations | None = None,
        mocks: MockConfig | None = None,
        jsonata_limits: JsonataLimits | None = None,
        dispatcher: TaskDispatcher | None = None,
        express_history: bool = True,
    ) -> None:
        self.clock = clock or VirtualClock(real_time=real_time)
        # AWS keeps no history for Express executions (only CloudWatch Logs, when logging is on);
        # sluice keeps their events for its trace and reports. A caller that shows neither (e.g.
        # `sluice execute --json`) passes False: ids are still counted, no events are built.
        self.express_history = express_history
        self.region = region
        self.account = account
        self.seed = seed
        self.validate = validate
        self.mocks = mocks
        self.jsonata_limits = jsonata_limits or JsonataLimits()
        self.integrations = integrations
        if integrations is not None:
            integrations.attach(self)
        # A `dispatcher` given (e.g. the local stack's, wrapped for tracing) performs Task states
        # instead of one made from `lambdas`/`functions` and `resolver`/`integrations`.
        self.dispatcher = dispatcher or TaskDispatcher(
            lambdas or FunctionTable(functions or {}, region, account), resolver or integrations,
            virtual_sleep=not self.clock.real_time,
        )
        self.state_machines: dict[str, StateMachine] = {}
        self._names = random.Random(f"{seed}:names")
        self._express_ids = random.Random(f"{seed}:express")

    # -- state machines ------------------------------------------------------------------

    def create_state_machine(
        self,
        name: str,
        definition: Mapping[str, Any] | str | Path,
        *,
        type: str = STANDARD,
        role_arn: str | None = None,
    ) -> StateMachine:
        """Register (or replace) a state machine; the definition is validated first."""
        loaded = load_definition(definition)
        from sluice.asl.validation import ensure_shallow, ensure_valid  # noqa: PLC0415 - keep start-up lean

        # Even unvalidated, a definition nested too deeply cannot be compiled (Python's stack).
        (ensure_valid if self.validate else ensure_shallow)(loaded)
        arn = f"arn:aws:states:{self.region}:{self.account}:stateMachine:{name}"
        machine = StateMachine(
            name=name,
            arn=arn,
            definition=loaded,
            program=compile_program(loaded),
            type=type,
            role_arn=role_arn or f"arn:aws:iam::{self.account}:role/sluice-local-execution-role",
        )
        previous = self.state_machines.get(arn)
        if previous is not None:
            machine.executions = previous.executions
        self.state_machines[arn] = machine
        return machine

    def state_machine(self, reference: str | StateMachine) -> StateMachine:
        """Look a state machine up by ARN or name."""
        if isinstance(reference, StateMachine):
            return reference
        if reference in self.state_machines:
            return self.state_machines[reference]
        for machine in self.state_machines.values():
            if machine.name == reference:
                return machine
        raise KeyError(f"State machine does not exist: {reference}")

    # -- activities ----------------------------------------------------------------------

    @property
    def activities(self) -> Activities:
        """Activities and the tasks queued on them for workers (`sluice.asl.tasks.activities`)."""
        return self.dispatcher.activities

    def create_activity(self, name: str) -> Activity:
        """CreateActivity: register `name` (idempotent) so Task states can schedule work on its ARN."""
        arn = f"arn:aws:states:{self.region}:{self.account}:activity:{check_name(name)}"
        return self.activities.create(name, arn, created=self.clock.now())

    # -- executions ----------------------------------------------------------------------

    @property
    def task_tokens(self) -> TaskTokens:
        """Tasks waiting for SendTaskSuccess/Failure/Heartbeat (`.waitForTaskToken`, activities)."""
        return self.dispatcher.tokens

    def start_execution(
        self,
        state_machine: str | StateMachine,
        input: Any = None,
        *,
        name: str | None = None,
        test_case: str | None = None,
        blocking: bool = False,
    ) -> Execution:
        """Schedule an execution on the clock and return it (still RUNNING).

        `blocking=True` instead runs it to the end before returning, even from code the clock is
        running (a synchronous Lambda handler calling StartSyncExecution): see
        `VirtualClock.run_nested`. `test_case` names a test case of the engine's mock configuration
        (Step Functions Local's `MockConfigFile`) whose mocked responses this execution's Task states
        return.
        """
        machine = self.state_machine(state_machine)
        data = {} if input is None else input
        _check_input(data)
        name = check_name(name) if name is not None else str(uuid.UUID(int=self._names.getrandbits(128), version=4))
        if machine.type == STANDARD and name in machine.executions:
            existing = machine.executions[name]
            # AWS: same name and same input while running returns the original execution.
            if existing.status == RUNNING and existing.input == data:
                return existing
            raise ExecutionAlreadyExists(f"Execution Already Exists: '{existing.arn}'")
        execution = self._new_execution(machine, data, name)
        if test_case is not None:
            if self.mocks is None:
                raise ValueError(f"Test case '{test_case}' asked for, but the engine has no mock configuration")
            execution.runtime.mocks = self.mocks.run(machine.name, test_case)
        machine.executions[name] = execution
        if blocking and self.clock.busy():
            self.clock.run_nested(self._drive(execution, machine.program))
        else:
            execution.task = self.clock.loop.create_task(self._drive(execution, machine.program))
            if blocking:
                self.run_until_idle(until=execution.task)
        return execution

    async def finished(self, execution: Execution) -> None:
        """For code on the clock (nested `.sync` tasks, a real-time server): wait until
        `execution` ends. Never raises, even when the execution is stopped (its task cancelled)."""
        task = execution.task
        if task is None or task.done():
            return
        done: asyncio.Future[None] = self.clock.loop.create_future()

        def mark(_: object) -> None:
            if not done.done():
                done.set_result(None)

        task.add_done_callback(mark)
        await done

    def stop_execution(self, execution: Execution, *, error: str | None = None, cause: str | None = None) -> None:
        """StopExecution: abort a running execution (`ExecutionAborted`); no-op once it has ended."""
        if execution.status != RUNNING:
            return
        self._close(execution, ABORTED, error=error, cause=cause)
        details = {key: value for key, value in (("error", error), ("cause", cause)) if value is not None}
        execution.history.add("ExecutionAborted", executionAbortedEventDetails=details)
        if execution.task is not None:
            execution.task.cancel()

    def redrive_execution(self, execution: Execution) -> None:
        """RedriveExecution: run a failed, timed-out or aborted execution again from the top-level
        state that did not succeed, with the input that state received.

        States that succeeded before are not run again; in a Map or Parallel (nested too) only the
        iterations, branches or Map Run children that did not succeed re-run (`sluice.asl.redrive`).
        """
        runtime = execution.runtime
        frame = runtime.root_frame
        if execution.status not in (FAILED, TIMED_OUT, ABORTED) or frame is None or not frame.state_name:
            raise ValueError(f"Execution '{execution.arn}' cannot be redriven (status {execution.status})")
        entered = next(event for event in execution.history if event["id"] == frame.entered_event_id)
        data = json_text.loads(entered["stateEnteredEventDetails"]["input"])
        program = dataclasses.replace(runtime.program, start_at=frame.state_name)
        runtime.redrive_count += 1
        runtime.redrive.redrive()
        execution.status, execution.output, execution.error, execution.cause = RUNNING, None, None, None
        execution.stop_time = None
        execution.task = self.clock.loop.create_task(self._drive(execution, program, data, redrive=True))

    def run(
        self,
        definition: Mapping[str, Any] | str | Path | StateMachine,
        input: Any = None,
        *,
        name: str | None = None,
        type: str = STANDARD,
        fire_callback_timeouts: bool = False,
    ) -> Execution:
        """Start an execution and drive the clock until it ends or nothing can move — a task waiting
        for its token leaves it RUNNING, see `run_until_idle`."""
        if isinstance(definition, StateMachine):
            machine = definition
        elif isinstance(definition, str) and not _looks_like_path(definition):
            machine = self.state_machine(definition)
        else:
            machine = self.create_state_machine(_machine_name(definition), definition, type=type)
        execution = self.start_execution(machine, input, name=name)
        assert execution.task is not None
        self.run_until_idle(until=execution.task, fire_callback_timeouts=fire_callback_timeouts)
        return execution

    def run_until_idle(self, until: asyncio.Future[Any] | None = None, *,
                       fire_callback_timeouts: bool = False) -> None:
        """Drive the clock until `until` is done, or until no work is left.

        Virtual time jumps over what only the engine controls (Wait states, retry back-off), but
        not onto the deadline of a task waiting for its token: that returns with the task waiting,
        for the caller to answer (`task_tokens`). `fire_callback_timeouts=True` lets such deadlines
        pass as if nobody answered; so does `clock.advance(seconds)`.
        """
        if until is None:
            self.clock.run_until_idle(fire_callback_timeouts=fire_callback_timeouts)
            return
        if until.done():
            return

        def stop(_: object) -> None:
            self.clock.loop.stop()

        until.add_done_callback(stop)
        try:
            self.clock.run_until_idle(fire_callback_timeouts=fire_callback_timeouts)
        finally:
            # `until` may still be pending (a task waits for its token): a later drive of the
            # clock must not stop when it ends.
            until.remove_done_callback(stop)

    def close(self) -> None:
        """Cancel what still runs (e.g. executions waiting for a task token), then release the
        clock's event loop (its self-pipe file descriptors)."""
        loop = self.clock.loop
        pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
        for task in pending:
            task.cancel()
        if pending and not loop.is_running():
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self.clock.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- internals -----------------------------------------------------------------------

    def _new_execution(self, machine: StateMachine, data: Any, name: str) -> Execution:
        arn = f"arn:aws:states:{self.region}:{self.account}:execution:{machine.name}:{name}"
        if machine.type == EXPRESS:
            # AWS: `…:express:<machine>:<name>:<uuid>` (recorded test_express_sync): names repeat.
            run_id = uuid.UUID(int=self._express_ids.getrandbits(128), version=4)
            arn = f"arn:aws:states:{self.region}:{self.account}:express:{machine.name}:{name}:{run_id}"
        start = self.clock.now()
        history = History(
            clock=self.clock.now,
            keep=machine.type == STANDARD or self.express_history,
            limit=MAX_HISTORY_EVENTS if machine.type == STANDARD else None,
        )
        runtime = ExecutionRuntime(
            clock=self.clock,
            history=history,
            rng=random.Random(f"{self.seed}:{arn}"),
            dispatcher=self.dispatcher,
            execution_arn=arn,
            execution_name=name,
            state_machine_arn=machine.arn,
            state_machine_name=machine.name,
            role_arn=machine.role_arn,
            execution_input=data,
            start_time=start,
            execution_type=machine.type,
            jsonata_limits=self.jsonata_limits,
        )
        runtime.spawn_child = self._child_runner(runtime)
        return Execution(arn, name, machine.arn, machine.type, data, start, runtime)

    async def _drive(self, execution: Execution, program: Program, data: Any = None, *, redrive: bool = False) -> None:
        runtime = execution.runtime
        history = runtime.history
        if redrive:
            history.add("ExecutionRedriven", executionRedrivenEventDetails={"redriveCount": runtime.redrive_count})
            frame = runtime.root_frame or Frame(runtime=runtime, scope=Scope())
            frame.replaying = True
        else:
            history.add(
                "ExecutionStarted",
                executionStartedEventDetails={"input": execution.input, "roleArn": runtime.role_arn},
            )
            data = execution.input
            frame = Frame(runtime=runtime, scope=Scope())
            runtime.program, runtime.root_frame = program, frame
        limit = program.timeout_seconds
        if execution.type == EXPRESS:
            limit = min(limit or EXPRESS_MAX_SECONDS, EXPRESS_MAX_SECONDS)
        runtime.deadline = self.clock.monotonic() + limit if limit else math.inf
        try:
            output = await asyncio.wait_for(run_program(program, data, frame), limit)
        except TimeoutError:
            self._close(execution, TIMED_OUT, error=ErrorName.TIMEOUT)
            history.add("ExecutionTimedOut", executionTimedOutEventDetails={"error": ErrorName.TIMEOUT})
        except StatesError as failure:
            self._close(execution, FAILED, error=failure.error, cause=failure.cause)
            # AWS leaves out what a Fail state did not set (no `error` field, not a null one), and a
            # task timeout's empty cause.
            details = {key: value for key, value in (("error", failure.error), ("cause", failure.cause))
                       if value not in (None, "")}
            frame.record("ExecutionFailed", executionFailedEventDetails=details)
        except Exception as crash:  # a bug in sluice or a resolver: fail loudly, never hang RUNNING
            _log.exception("internal error while running %s", execution.arn)
            cause = f"sluice internal error: {type(crash).__name__}: {crash}"
            self._close(execution, FAILED, error=ErrorName.RUNTIME, cause=cause)
            history.add("ExecutionFailed", executionFailedEventDetails={"error": ErrorName.RUNTIME, "cause": cause})
        else:
            self._close(execution, SUCCEEDED, output=output)
            runtime.redrive.clear()
            frame.record("ExecutionSucceeded", executionSucceededEventDetails={"output": output})

    def _close(
        self,
        execution: Execution,
        status: str,
        *,
        output: Any = None,
        error: str | None = None,
        cause: str | None = None,
    ) -> None:
        execution.status = status
        execution.output = output
        execution.error = error
        execution.cause = cause
        execution.stop_time = self.clock.now()

    def _child_runner(self, parent: ExecutionRuntime) -> Any:
        """Distributed Map children: separate executions with an empty variable scope."""

        async def run_child(program: Program, item: Any, child_type: str, label: str) -> tuple[bool, Any]:
            arn = f"{parent.execution_arn}/{label}"
            runtime = ExecutionRuntime(
                clock=self.clock,
                history=History(clock=self.clock.now, keep=child_type == STANDARD),
                rng=random.Random(f"{self.seed}:{arn}"),
                dispatcher=self.dispatcher,
                execution_arn=arn,
                execution_name=label,
                state_machine_arn=parent.state_machine_arn,
                state_machine_name=parent.state_machine_name,
                role_arn=parent.role_arn,
                execution_input=item,
                start_time=self.clock.now(),
                execution_type=child_type,
                jsonata_limits=parent.jsonata_limits,
                deadline=parent.deadline,
            )
            runtime.spawn_child = self._child_runner(runtime)
            runtime.mocks = parent.mocks
            try:
                output = await run_program(program, item, Frame(runtime=runtime, scope=Scope()))
            except StatesError as failure:
                return False, error_output(failure.error, failure.cause)
            finally:
                parent.transitions += runtime.transitions
                parent.task_calls += runtime.task_calls
            return True, output

        return run_child


def _check_input(data: Any) -> None:
    """AWS validates execution input at StartExecution, before an execution exists."""
    problem = json_problem(data)
    if problem is None and payload_bytes(data) > MAX_PAYLOAD_BYTES:
        problem = f"input exceeds the {MAX_PAYLOAD_BYTES} bytes limit"
    if problem is not None:
        raise InvalidExecutionInput(f"Invalid State Machine Execution Input: '{problem}'")


def _looks_like_path(reference: str | StateMachine) -> bool:
    return isinstance(reference, str) and reference.endswith((".json", ".yaml", ".yml", ".json5"))


def _machine_name(definition: Mapping[str, Any] | str | Path | StateMachine) -> str:
    if isinstance(definition, str | Path):
        return Path(definition).name.split(".")[0]
    return "LocalStateMachine"
