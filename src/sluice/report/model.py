"""What an execution report holds: executions, their states' visits and attempts, child runs, and
(for `sluice drop`) where each dropped object ended up. Plain data; `history` and `objects` fill
it, `html` draws it.

Outcomes follow the Step Functions console's colours: a state **succeeded**, **failed** (the
error left the state and was not caught: the execution, Map iteration or branch failed with it),
was **caught** (it failed and a `Catch` moved on), was **retried** (an attempt failed, a later one
succeeded), was **not run**, or is still **running**.

Example:
    >>> state = StateRun("Validate", "Task")
    >>> state.outcome
    'not-run'
"""

from __future__ import annotations

from dataclasses import dataclass, field

SUCCEEDED, FAILED, CAUGHT, RETRIED, NOT_RUN, RUNNING = "succeeded", "failed", "caught", "retried", "not-run", "running"
# Stopped because a sibling Parallel branch or Map iteration failed (`…StateAborted`); the console's "Cancelled".
CANCELLED = "cancelled"
# Legend order; also the precedence when a state's visits differ (one failed visit makes it failed).
OUTCOMES = (FAILED, CAUGHT, RUNNING, CANCELLED, RETRIED, SUCCEEDED, NOT_RUN)
LABELS = {SUCCEEDED: "succeeded", FAILED: "failed", CAUGHT: "caught", RETRIED: "retried", NOT_RUN: "not run",
          RUNNING: "running", CANCELLED: "cancelled"}


@dataclass(frozen=True)
class Problem:
    """An error and its cause, as Step Functions reports them."""

    error: str
    cause: str | None = None


@dataclass
class Attempt:
    """One call of a Task's resource (`LambdaFunctionScheduled`, `TaskScheduled`, …)."""

    number: int  # 1 for the first call of the visit, 2 for its first retry …
    at: float
    resource: str
    input: str | None = None  # what the resource was called with (after Parameters / Arguments)
    finished: float | None = None
    problem: Problem | None = None  # why the attempt failed; None when it succeeded (or still runs)

    @property
    def ok(self) -> bool:
        return self.finished is not None and self.problem is None


@dataclass
class Visit:
    """One time the execution entered a state (a Map iteration enters its states once per item)."""

    entered: float
    input: str | None
    left: float | None = None  # None: never exited (the error left the state, or it still runs)
    output: str | None = None
    attempts: list[Attempt] = field(default_factory=list)
    problem: Problem | None = None  # the error that ended the visit, caught or not
    children: list[str] = field(default_factory=list)  # ARNs of the executions this visit started
    cancelled: bool = False  # stopped by a sibling's failure (`…StateAborted`), not by its own error
    outcome: str = RUNNING


@dataclass
class StateRun:
    """A state of the definition and every visit to it."""

    name: str
    type: str
    visits: list[Visit] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        if not self.visits:
            return NOT_RUN
        return min((visit.outcome for visit in self.visits), key=OUTCOMES.index)

    @property
    def attempts(self) -> int:
        return sum(len(visit.attempts) for visit in self.visits)

    @property
    def problems(self) -> list[Problem]:
        return [visit.problem for visit in self.visits if visit.problem is not None]


@dataclass(frozen=True)
class Iteration:
    """A Map iteration (inline Map) or a Map Run, seen from the parent's history."""

    state: str
    label: str  # "index 3" or the Map Run ARN
    status: str  # SUCCEEDED / FAILED / RUNNING
    started: float
    stopped: float | None


@dataclass
class ExecutionReport:
    """One execution: DescribeExecution's fields plus its states, read from its history."""

    anchor: str  # the HTML id of its section
    name: str
    arn: str
    state_machine_arn: str
    status: str
    start: float
    stop: float | None
    input: str | None
    output: str | None
    problem: Problem | None
    definition: dict[str, object] | None  # None when the definition could not be fetched
    type: str = "STANDARD"
    states: dict[str, StateRun] = field(default_factory=dict)  # definition order, nested states included
    iterations: list[Iteration] = field(default_factory=list)
    children: list[ExecutionReport] = field(default_factory=list)
    parent: str | None = None  # anchor of the parent execution
    parent_state: str | None = None  # the parent's state that started this one

    def walk(self) -> list[ExecutionReport]:
        """This execution and its descendants, parents first."""
        return [self, *(descendant for child in self.children for descendant in child.walk())]


# Where a dropped object ended up.
PUBLISHED, QUARANTINED, OBJECT_FAILED, IGNORED, PROCESSED = "published", "quarantined", "failed", "ignored", "processed"


@dataclass(frozen=True)
class Write:
    """An S3 write the object's processing made, and whether the object is still there."""

    operation: str  # PutObject, CopyObject, DeleteObjects …
    bucket: str
    key: str
    exists: bool | None  # None: not looked up (a delete, or no reader)


@dataclass
class ObjectFate:
    bucket: str
    key: str
    outcome: str
    writes: list[Write] = field(default_factory=list)
    reason: str | None = None  # why it was quarantined or failed
    executions: list[str] = field(default_factory=list)  # anchors


@dataclass
class Report:
    title: str
    executions: list[ExecutionReport]  # roots; children hang under them
    objects: list[ObjectFate] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the report could not show, said plainly

    def all_executions(self) -> list[ExecutionReport]:
        return [execution for root in self.executions for execution in root.walk()]
