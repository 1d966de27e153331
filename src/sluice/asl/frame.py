"""What a running state can see: the execution it belongs to and its branch of it.

`ExecutionRuntime` is shared by every branch of one execution (clock, history, RNG, task
dispatch). `Frame` is one thread of control inside it — the top level, a Parallel branch or a
Map iteration — with its own variable scope and `$$.Map.Item`.

The context object (`$$`) is built on demand: most states never read it, and building a dict per
transition would cost more than the transition itself.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sluice.asl.clock import VirtualClock, iso_timestamp
from sluice.asl.history import History
from sluice.asl.jsonata_bounds import JsonataLimits
from sluice.asl.redrive import RedriveMemory
from sluice.asl.variables import Scope

if TYPE_CHECKING:
    from sluice.asl.tasks.dispatch import TaskDispatcher


@dataclass
class ExecutionRuntime:
    """Everything one execution shares across its branches."""

    clock: VirtualClock
    history: History
    rng: random.Random
    dispatcher: TaskDispatcher
    execution_arn: str
    execution_name: str
    state_machine_arn: str
    state_machine_name: str
    role_arn: str
    execution_input: Any
    start_time: float
    execution_type: str = "STANDARD"
    # Clock time at which the execution times out (its TimeoutSeconds, Express's five minutes).
    deadline: float = math.inf
    redrive_count: int = 0
    transitions: int = 0
    task_calls: int = 0
    # Start a child workflow run (Distributed Map iterations); set by the engine.
    spawn_child: Callable[..., Any] | None = None
    # Mocked responses of a Step Functions Local test case (`sluice.asl.mocks.MockRun`), if any.
    mocks: Any = None
    # What RedriveExecution needs: the program that ran and the top-level frame it ran in.
    program: Any = None
    root_frame: Frame | None = None
    # Outputs of the Map iterations / Parallel branches / Map Run children that succeeded.
    redrive: RedriveMemory = field(default_factory=RedriveMemory)
    # Depth and wall-time bounds of each JSONata evaluation (`sluice.asl.jsonata_bounds`).
    jsonata_limits: JsonataLimits = field(default_factory=JsonataLimits)

    def context_base(self) -> dict[str, Any]:
        execution = {
            "Id": self.execution_arn,
            "Input": self.execution_input,
            "StartTime": iso_timestamp(self.start_time),
            "Name": self.execution_name,
            "RoleArn": self.role_arn,
        }
        # Express runs cannot be redriven: AWS leaves RedriveCount out of their context object
        # (recorded test_express_sync::test_query_runtime_memory).
        if self.execution_type != "EXPRESS":
            execution["RedriveCount"] = self.redrive_count
        return {
            "Execution": execution,
            "StateMachine": {"Id": self.state_machine_arn, "Name": self.state_machine_name},
        }


@dataclass
class Frame:
    """One thread of control: the top-level run, a Parallel branch or a Map iteration."""

    runtime: ExecutionRuntime
    scope: Scope
    map_item: dict[str, Any] | None = None
    state_name: str = ""
    state_type: str = ""  # the current state's `Type`: what a stopped branch or iteration aborts
    entered_time: float = 0.0
    entered_event_id: int = 0
    retry_count: int = 0
    # A Task state is running: AWS shows `$$.State.RetryCount` from its first attempt (0).
    in_task: bool = False
    task_token: str | None = None
    # Where this frame sits (enclosing state names and iteration/branch indexes) and whether it
    # re-runs a unit that failed before a RedriveExecution: see `sluice.asl.redrive`.
    path: tuple[Any, ...] = ()
    replaying: bool = False
    # The last history event of this thread: what its next event follows from (previousEventId).
    # 0 for the top level: AWS links the first state's entry to no event at all.
    last_event_id: int = 0
    entered_from_id: int = 0  # the event the current state's entry followed from
    # What the current state assigned (`Assign`), shown on its StateExited event.
    assigned: dict[str, Any] | None = None
    _extra_context: dict[str, Any] = field(default_factory=dict)

    def branch(
        self,
        map_item: dict[str, Any] | None = None,
        path: tuple[Any, ...] = (),
        replaying: bool = False,
        *,
        last_event_id: int = 0,
    ) -> Frame:
        """A frame for a Parallel branch or Map iteration: inner scope, own Map item, its events
        following from `last_event_id` (the ParallelStateStarted / MapIterationStarted)."""
        return Frame(
            runtime=self.runtime,
            scope=self.scope.child(),
            map_item=map_item,
            path=path,
            replaying=replaying,
            last_event_id=last_event_id,
        )

    def assign(self, values: dict[str, Any]) -> None:
        """Set variables in this frame's scope (a state's or a catcher's `Assign`)."""
        self.scope.assign(values)
        self.assigned = values if self.assigned is None else {**self.assigned, **values}

    def record(
        self, event_type: str, details_key: str | None = None, details: dict[str, Any] | None = None,
        *, advance: bool = True, **named_details: dict[str, Any],
    ) -> int:
        """Add an event that follows from this thread's last one; `advance=False` leaves the
        thread's last event as it was (AWS links a Map's or Parallel's exit past its
        `…Succeeded` event, see docs/engine-map.md "History links")."""
        event_id = self.runtime.history.add(
            event_type, details_key, details, previous=self.last_event_id, **named_details
        )
        if advance:
            self.last_event_id = event_id
        return event_id

    def follow(self, event_id: int) -> int:
        """Make `event_id` (numbered by `History.count`) this thread's last event; return it."""
        self.last_event_id = event_id
        return event_id

    def context_object(self) -> dict[str, Any]:
        """`$$` as AWS shows it to this state."""
        context = self.runtime.context_base()
        state: dict[str, Any] = {"EnteredTime": iso_timestamp(self.entered_time), "Name": self.state_name}
        if self.in_task or self.retry_count or self.task_token is not None:
            state["RetryCount"] = self.retry_count
        context["State"] = state
        if self.task_token is not None:
            context["Task"] = {"Token": self.task_token}
        if self.map_item is not None:
            context["Map"] = {"Item": self.map_item}
        context.update(self._extra_context)
        return context
