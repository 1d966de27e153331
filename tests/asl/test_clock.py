"""Virtual time: waits and back-offs cost nothing, concurrency overlaps, runs are reproducible."""

from __future__ import annotations

import threading
import time
from datetime import datetime

from sluice.asl import Engine
from sluice.asl.clock import VirtualClock
from tests.asl.helpers import parallel

HOUR = 3600


def _wait(seconds: int, next_state: str | None = None) -> dict[str, object]:
    state: dict[str, object] = {"Type": "Wait", "Seconds": seconds}
    state.update({"Next": next_state} if next_state else {"End": True})
    return state


def test_an_hour_long_wait_finishes_instantly_but_advances_the_clock(engine: Engine) -> None:
    started = time.perf_counter()
    execution = engine.run({"StartAt": "W", "States": {"W": _wait(HOUR)}}, {})
    assert execution.status == "SUCCEEDED"
    assert execution.duration_seconds == HOUR
    assert time.perf_counter() - started < 1.0


def test_parallel_branches_overlap_in_virtual_time(engine: Engine) -> None:
    definition = parallel(
        {"StartAt": "Ten", "States": {"Ten": _wait(10)}},
        {"StartAt": "Twenty", "States": {"Twenty": _wait(20)}},
    )
    execution = engine.run(definition, {"x": 1})
    assert execution.output == [{"x": 1}, {"x": 1}]
    assert execution.duration_seconds == 20  # not 30: the branches run side by side


def test_max_concurrency_limits_how_many_iterations_overlap(engine: Engine) -> None:
    definition = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "MaxConcurrency": 2,
                "ItemProcessor": {"StartAt": "W", "States": {"W": _wait(10)}},
                "End": True,
            }
        },
    }
    execution = engine.run(definition, [1, 2, 3, 4, 5])
    assert execution.output == [1, 2, 3, 4, 5]
    assert execution.duration_seconds == 30  # ceil(5 / 2) rounds of 10 s


def test_context_times_come_from_the_virtual_clock() -> None:
    with Engine(clock=None, seed=1) as engine:
        engine.clock.advance(0)
        definition = {
            "StartAt": "W",
            "States": {
                "W": _wait(90, "Look"),
                "Look": {
                    "Type": "Pass",
                    "Parameters": {
                        "entered.$": "$$.State.EnteredTime",
                        "started.$": "$$.Execution.StartTime",
                    },
                    "End": True,
                },
            },
        }
        execution = engine.run(definition, {})
        entered = datetime.fromisoformat(execution.output["entered"].replace("Z", "+00:00"))
        started = datetime.fromisoformat(execution.output["started"].replace("Z", "+00:00"))
        assert round((entered - started).total_seconds()) == 90


def test_same_seed_gives_the_same_jittered_run() -> None:
    definition = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": "arn:aws:lambda:us-east-1:123456789012:function:flaky",
                "Retry": [
                    {
                        "ErrorEquals": ["States.ALL"],
                        "MaxAttempts": 5,
                        "IntervalSeconds": 10,
                        "JitterStrategy": "FULL",
                    }
                ],
                "End": True,
            }
        },
    }

    def flaky(event: object, context: object) -> None:
        raise RuntimeError("always")

    durations = []
    for _ in range(2):
        with Engine(functions={"flaky": flaky}, seed="fixed") as engine:
            durations.append(engine.run(definition, {}, name="same").duration_seconds)
    assert durations[0] == durations[1]
    assert durations[0] is not None and 0 < durations[0] < 10 * (1 + 2 + 4 + 8 + 16)


def test_an_execution_waiting_on_nothing_leaves_the_world_idle(engine: Engine) -> None:
    engine.clock.run_until_idle()  # nothing scheduled: returns at once
    execution = engine.run({"StartAt": "W", "States": {"W": _wait(5)}}, {})
    assert execution.done


def test_real_time_mode_really_waits() -> None:
    with Engine(real_time=True) as engine:
        started = time.perf_counter()
        execution = engine.run({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "End": True}}}, {})
        elapsed = time.perf_counter() - started
    assert execution.status == "SUCCEEDED"
    assert 1.0 <= elapsed < 3.0


def test_real_time_run_until_idle_returns_once_nothing_is_left_to_do() -> None:
    # The loop's own wake-up pipe is always registered: a drain that blocked on it once no timer
    # was left would never return (`sluice drop --real-time` hung there).
    clock = VirtualClock(real_time=True)
    fired: list[str] = []
    clock.loop.call_later(0.05, fired.append, "timer")
    runner = threading.Thread(target=clock.run_until_idle, daemon=True)
    runner.start()
    runner.join(timeout=10)
    assert not runner.is_alive() and fired == ["timer"]
    clock.close()
