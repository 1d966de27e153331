"""A function's `Timeout` in this process: real time for the work a handler does, virtual time for its
sleeps (`sluice.local.lambda_.timeouts`).

On AWS a handler that sleeps past its `Timeout` ends with "Task timed out after N seconds", and so
does one that computes past it. Locally the computing still takes real time, but a sleep waits for
nothing: its seconds count against the deadline at once, and the handler's wall clock moves on by them.
"""

from __future__ import annotations

import doctest
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any

import pytest

from sluice.local.lambda_ import context, handler_time, timeouts
from sluice.local.lambda_.handler_time import handler_clock
from sluice.local.lambda_.timeouts import FunctionTimeout, limit


def busy(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def test_a_sleep_past_the_deadline_times_out_without_waiting() -> None:
    started = time.monotonic()
    with pytest.raises(FunctionTimeout), limit(5):
        time.sleep(60)
    assert time.monotonic() - started < 1


def test_a_shorter_sleep_returns_at_once_and_spends_the_budget() -> None:
    with limit(10) as deadline:
        started = time.monotonic()
        time.sleep(4)
        assert time.monotonic() - started < 1
        assert deadline.remaining() == pytest.approx(6, abs=0.5)
        with pytest.raises(FunctionTimeout):
            time.sleep(7)  # 4 + 7 > 10


def test_work_still_times_out_in_real_time() -> None:
    started = time.monotonic()
    with pytest.raises(FunctionTimeout), limit(0.2):
        busy(5)
    assert 0.2 <= time.monotonic() - started < 2


def sleep_then_work(sleep: float, work: float) -> None:
    time.sleep(sleep)
    busy(work)


def test_work_after_a_sleep_has_only_what_the_sleep_left() -> None:
    started = time.monotonic()
    with pytest.raises(FunctionTimeout), limit(3):
        sleep_then_work(2.8, 5)  # the timer re-arms for the 0.2 s left
    assert time.monotonic() - started < 2


def test_off_the_main_thread_a_watchdog_enforces_both() -> None:
    outcomes: list[Any] = []

    def run() -> None:
        # time.sleep is looked up when called, as handlers do: a partial would hold the real one.
        works: list[Callable[[], None]] = [partial(sleep_then_work, 60, 0), partial(sleep_then_work, 2.8, 5)]
        for work in works:
            started = time.monotonic()
            try:
                with limit(3):
                    work()
                outcomes.append("finished")
            except FunctionTimeout:
                outcomes.append(time.monotonic() - started)

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(30)
    assert len(outcomes) == 2 and all(isinstance(elapsed, float) and elapsed < 2 for elapsed in outcomes), outcomes


def test_the_outer_invocation_ends_when_a_sleep_reaches_both_deadlines() -> None:
    with pytest.raises(FunctionTimeout) as raised, limit(2) as outer, limit(2):
        time.sleep(10)
    assert raised.value.deadline is outer


def test_sleeps_on_other_threads_are_real() -> None:
    slept: list[float] = []

    def nap() -> None:
        started = time.monotonic()
        time.sleep(0.1)
        slept.append(time.monotonic() - started)

    with limit(10):
        other = threading.Thread(target=nap)
        other.start()
        other.join()
    assert slept[0] >= 0.1


def test_time_sleep_is_the_real_one_again_after_the_deadline() -> None:
    real = time.sleep
    with limit(1):
        assert time.sleep is not real
    assert time.sleep is real


def test_a_stack_in_real_time_really_sleeps_and_the_timer_interrupts_the_sleep() -> None:
    started = time.monotonic()
    with pytest.raises(FunctionTimeout), limit(0.2, virtual_sleep=False):
        time.sleep(5)
    assert 0.2 <= time.monotonic() - started < 2


def test_a_negative_sleep_is_refused_as_time_sleep_refuses_it() -> None:
    with limit(1), pytest.raises(ValueError, match="non-negative"):
        time.sleep(-1)


def test_the_handler_clock_moves_on_by_what_the_handler_slept() -> None:
    with limit(900), handler_clock(1718096400.0):
        time.sleep(120)
        assert datetime.now(tz=UTC).isoformat()[:19] == "2024-06-11T09:02:00"


def test_the_examples_hold() -> None:
    names = {"time": time, "limit": limit, "datetime": datetime, "UTC": UTC, "LambdaContext": context.LambdaContext}
    for module in (timeouts, handler_time, context):
        result = doctest.testmod(module, extraglobs=names)
        assert result.attempted and not result.failed, module.__name__
