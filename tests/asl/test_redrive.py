"""RedriveExecution re-runs only the Map iterations, Parallel branches and Map Run children that
did not succeed (AWS: "reschedules and redrives only the iterations and branches that failed")."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from sluice.asl import Engine
from tests.asl.helpers import lambda_arn


class Flaky:
    """A Lambda handler counting calls per item; items in `fail_once` fail on their first call."""

    def __init__(self, *fail_once: Any) -> None:
        self.calls: Counter[Any] = Counter()
        self.fail_once = set(fail_once)

    def __call__(self, event: Any, context: Any) -> Any:
        self.calls[event["n"]] += 1
        if event["n"] in self.fail_once and self.calls[event["n"]] == 1:
            raise RuntimeError(f"item {event['n']} broke")
        return {"done": event["n"]}


@pytest.fixture
def flaky() -> Flaky:
    return Flaky(3)


@pytest.fixture
def flaky_engine(flaky: Flaky) -> Iterator[Engine]:
    with Engine(seed=7, functions={"work": flaky}) as instance:
        yield instance


WORK = {"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": lambda_arn("work"), "End": True}}}


def _map(processor: dict[str, Any]) -> dict[str, Any]:
    return {"StartAt": "M", "States": {"M": {"Type": "Map", "ItemProcessor": processor, "End": True}}}


def _redrive(engine: Engine, execution: Any) -> None:
    engine.redrive_execution(execution)
    assert execution.task is not None
    engine.run_until_idle(until=execution.task)


def test_inline_map_redrives_only_the_failed_iteration(flaky_engine: Engine, flaky: Flaky) -> None:
    execution = flaky_engine.run(_map(WORK), [{"n": n} for n in range(1, 6)])
    assert execution.status == "FAILED"
    _redrive(flaky_engine, execution)
    assert execution.status == "SUCCEEDED"
    assert execution.output == [{"done": n} for n in range(1, 6)]
    assert flaky.calls == {1: 1, 2: 1, 3: 2, 4: 1, 5: 1}
    types = execution.history.types()
    assert types[types.index("ExecutionFailed") + 1] == "ExecutionRedriven"
    assert types.count("MapIterationSucceeded") == 5  # four before the redrive, one after


def test_parallel_redrives_only_the_failed_branch(flaky_engine: Engine, flaky: Flaky) -> None:
    def branch(n: int) -> dict[str, Any]:
        return {
            "StartAt": f"Work{n}",
            "States": {
                f"Work{n}": {"Type": "Task", "Resource": lambda_arn("work"), "Parameters": {"n": n}, "End": True}
            },
        }

    definition = {
        "StartAt": "P",
        "States": {"P": {"Type": "Parallel", "Branches": [branch(2), branch(3), branch(4)], "End": True}},
    }
    execution = flaky_engine.run(definition, {})
    assert execution.status == "FAILED"
    _redrive(flaky_engine, execution)
    assert execution.status == "SUCCEEDED"
    assert execution.output == [{"done": 2}, {"done": 3}, {"done": 4}]
    assert flaky.calls == {2: 1, 3: 2, 4: 1}
    assert "ExecutionRedriven" in execution.history.types()


def test_distributed_map_redrives_only_the_failed_child(flaky_engine: Engine, flaky: Flaky) -> None:
    processor = dict(WORK, ProcessorConfig={"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"})
    execution = flaky_engine.run(_map(processor), [{"n": n} for n in range(1, 6)])
    assert execution.status == "FAILED"
    assert execution.error == "States.ExceedToleratedFailureThreshold"
    assert flaky.calls == {1: 1, 2: 1, 3: 1, 4: 1, 5: 1}  # a Map Run lets every child finish
    _redrive(flaky_engine, execution)
    assert execution.status == "SUCCEEDED"
    assert execution.output == [{"done": n} for n in range(1, 6)]
    assert flaky.calls == {1: 1, 2: 1, 3: 2, 4: 1, 5: 1}
    assert "ExecutionRedriven" in execution.history.types()


def test_nested_maps_redrive_only_the_failed_inner_iteration(flaky_engine: Engine, flaky: Flaky) -> None:
    inner = {
        "StartAt": "Inner",
        "States": {"Inner": {"Type": "Map", "ItemsPath": "$.items", "ItemProcessor": WORK, "End": True}},
    }
    rows = [{"items": [{"n": 10 * row + n} for n in range(2)]} for row in range(3)]
    flaky.fail_once = {21}
    execution = flaky_engine.run(_map(inner), rows)
    assert execution.status == "FAILED"
    _redrive(flaky_engine, execution)
    assert execution.status == "SUCCEEDED"
    assert execution.output == [[{"done": 10 * row + n} for n in range(2)] for row in range(3)]
    assert flaky.calls == {0: 1, 1: 1, 10: 1, 11: 1, 20: 1, 21: 2}


AGAIN = {"StartAt": "Again", "States": {"Again": {"Type": "Task", "Resource": lambda_arn("work"), "End": True}}}


def test_a_map_after_the_redriven_state_runs_in_full(flaky_engine: Engine, flaky: Flaky) -> None:
    definition = {
        "StartAt": "First",
        "States": {
            "First": {"Type": "Map", "ItemProcessor": WORK, "ResultPath": None, "Next": "Second"},
            "Second": {"Type": "Map", "ItemProcessor": AGAIN, "End": True},
        },
    }
    flaky.fail_once = {2}
    first_items = [{"n": 1}, {"n": 2}]
    execution = flaky_engine.run(definition, first_items)
    assert execution.status == "FAILED"
    _redrive(flaky_engine, execution)
    assert execution.status == "SUCCEEDED"
    # First: item 1 once, item 2 twice; Second (first run only after the redrive): once more each.
    assert flaky.calls == {1: 2, 2: 3}
