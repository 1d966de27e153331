"""Execution paths through a workflow and what each one consumes.

Derived from the graph of compiled states: `Next`, Choice rules and `Default`, and (for the
failure path) `Catch`. Paths:
* happy (shortest): the cheapest way to a Succeed / `End` state;
* happy (longest): the most expensive way there without loops — the typical "everything ran" run;
* retry: the longest happy path with every retrier on it used to its MaxAttempts;
* failure: the cheapest way to a Fail state, through Catch edges too.
Counting follows Step Functions billing: every state entered is one transition, and each retry
is one more (https://aws.amazon.com/step-functions/pricing/ — "including retries").

Example:
    >>> path = find_path(workflow.program, HAPPY_SHORTEST, StateCosts(workflow, Assumptions()))
    >>> path.states
    ['Start', 'Done']
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sluice.asl.program import Program
from sluice.asl.states.base import State
from sluice.asl.states.choice import ChoiceState
from sluice.asl.states.map import MapState
from sluice.asl.states.parallel import ParallelState
from sluice.asl.states.task import TaskState
from sluice.asl.tasks.resources import SDK
from sluice.cost.assumptions import Assumptions
from sluice.cost.usage import Usage
from sluice.graph.functions import FUNCTION_TYPES, function_logical_id, lambda_target
from sluice.graph.source import Workflow

HAPPY_SHORTEST, HAPPY_LONGEST, RETRY, FAILURE = "happy (shortest)", "happy (longest)", "retry", "failure"
MODES = (HAPPY_SHORTEST, HAPPY_LONGEST, RETRY, FAILURE)
_DYNAMODB_WRITES = {"putItem", "updateItem", "deleteItem", "batchWriteItem", "transactWriteItems"}
_S3_GETS = ("get", "head", "select")
_MAX_PATHS = 100_000  # bound on the longest-path search (definitions are small; loops are skipped)


@dataclass(frozen=True)
class Path:
    mode: str
    states: list[str]
    usage: Usage


class StateCosts:
    """Usage of one state in a mode, from the template (memory, architecture) and the assumptions."""

    def __init__(self, workflow: Workflow, assumptions: Assumptions) -> None:
        self.workflow = workflow
        self.assumptions = assumptions

    def of(self, state: State, mode: str) -> Usage:
        usage = self._once(state, mode)
        if mode == RETRY and state.retriers:
            attempts = sum(r.max_attempts for r in state.retriers)
            backoff = sum(_delay(r.interval_seconds, r.backoff_rate, k, r.max_delay_seconds)
                          for r in state.retriers for k in range(r.max_attempts))
            return usage.scaled(attempts + 1).waited(backoff)
        return usage

    def _once(self, state: State, mode: str) -> Usage:
        inner = HAPPY_SHORTEST if mode in (HAPPY_SHORTEST, FAILURE) else mode
        if isinstance(state, MapState):
            return self._map(state, inner)
        if isinstance(state, ParallelState):
            branches = [find_path(branch, inner, self).usage for branch in state.branches]
            total = sum(branches, Usage(transitions=1))
            return total.scaled(1, seconds=max((b.seconds for b in branches), default=0.0))
        if isinstance(state, TaskState):
            return self._task(state)
        if state.TYPE == "Wait" and isinstance(state.spec.get("Seconds"), int | float):
            return Usage(transitions=1, seconds=float(state.spec["Seconds"]))
        return Usage(transitions=1)

    def _map(self, state: MapState, mode: str) -> Usage:
        items = self.assumptions.map_items
        one = find_path(state.program, mode, self).usage
        limit = state.spec.get("MaxConcurrency") or items or 1
        rounds = math.ceil(items / limit) if items else 0
        usage = Usage(transitions=1) + one.scaled(items, seconds=one.seconds * rounds)
        reader = state.spec.get("ItemReader", {}).get("Resource", "")
        if reader.endswith("listObjectsV2"):
            usage += Usage(s3_put_requests=max(1, math.ceil(items / 1000)))  # LIST pages of 1,000 keys
        elif reader.endswith("getObject"):
            usage += Usage(s3_get_requests=1)
        if "ResultWriter" in state.spec:
            usage += Usage(s3_put_requests=2)  # the results file and the manifest
        return usage

    def _task(self, state: TaskState) -> Usage:
        timeout = state.spec.get("TimeoutSeconds")
        seconds = min(self.assumptions.task_seconds, timeout) if isinstance(timeout, int | float) \
            else self.assumptions.task_seconds
        usage = Usage(transitions=1, seconds=seconds)
        target = lambda_target(state)
        if target is not None:
            memory, arch = self._function(target)
            usage += Usage(lambda_requests=Counter({arch: 1}),
                           lambda_gb_seconds=Counter({arch: memory / 1024 * seconds}))
        resource = state.resource
        if resource.service == "dynamodb" and resource.action in _DYNAMODB_WRITES:
            usage += Usage(dynamodb_write_units=1)
        if resource.service == "s3" and resource.kind == SDK:
            get = resource.action.startswith(_S3_GETS)
            usage += Usage(s3_get_requests=int(get), s3_put_requests=int(not get))
        return usage

    def _function(self, target: str) -> tuple[int, str]:
        template = self.workflow.template
        logical_id = function_logical_id(template, target)
        if template is None or logical_id is None:
            return self.assumptions.default_memory_mb, self.assumptions.default_architecture
        decl = template.resource(logical_id)
        memory = int(template.prop(decl, "MemorySize", self.assumptions.default_memory_mb))
        architectures = template.prop(decl, "Architectures", [self.assumptions.default_architecture]) \
            if decl.type == FUNCTION_TYPES[0] else template.prop(decl, "Architectures", [])
        return memory, str((architectures or [self.assumptions.default_architecture])[0])


def find_path(program: Program, mode: str, costs: StateCosts) -> Path:
    """The path of `mode` through `program`; an empty path when there is none (no Fail state)."""
    weights = {name: costs.of(state, mode) for name, state in program.states.items()}
    failure = mode == FAILURE

    def done(name: str) -> bool:
        state = program.states[name]
        if failure:
            return state.TYPE == "Fail"
        return state.TYPE == "Succeed" or (state.TYPE not in ("Choice", "Fail") and bool(state.spec.get("End")))

    search = _longest if mode in (HAPPY_LONGEST, RETRY) else _shortest
    names = search(program, weights, done, failure)
    return Path(mode, names, sum((weights[name] for name in names), Usage()))


def _shortest(program: Program, weights: dict[str, Usage], done: Callable[[str], bool], failure: bool) -> list[str]:
    start = program.start_at
    queue: list[tuple[int, int, str, list[str]]] = [(weights[start].transitions, 0, start, [start])]
    settled: set[str] = set()
    order = 0
    while queue:
        cost, _, name, path = heapq.heappop(queue)
        if name in settled:
            continue
        settled.add(name)
        if done(name):
            return path
        for target in successors(program.states[name], failure):
            order += 1
            heapq.heappush(queue, (cost + weights[target].transitions, order, target, [*path, target]))
    return []


def _longest(program: Program, weights: dict[str, Usage], done: Callable[[str], bool], failure: bool) -> list[str]:
    best: tuple[int, list[str]] = (-1, [])
    explored = 0
    stack: list[tuple[str, list[str], int]] = [(program.start_at, [program.start_at],
                                                weights[program.start_at].transitions)]
    while stack and explored < _MAX_PATHS:
        name, path, cost = stack.pop()
        explored += 1
        if done(name) and cost > best[0]:
            best = (cost, path)
        for target in successors(program.states[name], failure):
            if target not in path:
                stack.append((target, [*path, target], cost + weights[target].transitions))
    return best[1]


def successors(state: State, with_catch: bool) -> Iterator[str]:
    if isinstance(state, ChoiceState):
        yield from (rule["Next"] for rule, _ in state.rules)
        if state.default is not None:
            yield state.default
    elif state.next is not None:
        yield state.next
    if with_catch:
        yield from (catcher.next for catcher in state.catchers)


def _delay(interval: float, rate: float, attempt: int, cap: float | None) -> float:
    delay = interval * rate**attempt
    return min(delay, cap) if cap is not None else delay
