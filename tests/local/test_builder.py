"""How the local world is put together: late bindings for its cycles, and a held clock instead of a
patched event loop (ADR 0008)."""

from __future__ import annotations

import pytest

from sluice.asl.clock import VirtualClock
from sluice.local import LocalStack, StackError
from sluice.local.faults.states import StateFaults
from sluice.local.late import Late

from .conftest import PIPELINE


def test_a_late_binding_refuses_use_before_it_is_bound_and_a_second_binding() -> None:
    router: Late[str] = Late("the event router")
    with pytest.raises(StackError, match="the event router is used before the stack has built it"):
        router()
    assert router.bind("bound") == "bound"
    assert router() == "bound"
    with pytest.raises(StackError, match="the event router is bound already"):
        router.bind("again")


def test_a_held_clock_is_busy_without_touching_its_event_loop() -> None:
    clock = VirtualClock(start=0.0)
    try:
        assert not clock.busy()
        with clock.hold():
            assert clock.busy()
            assert not clock.loop.is_running()  # the loop's own answer is left alone
            assert "is_running" not in vars(clock.loop)
            with pytest.raises(RuntimeError, match="cannot be called from code the clock is running"):
                clock.advance(1)
        assert not clock.busy()
    finally:
        clock.close()


def test_the_world_is_built_once_started(pipeline: LocalStack) -> None:
    world = pipeline.world
    # The cycles are closed: the deliverer reaches the invoker and router built after it.
    assert world.deliverer.invoker() is world.invoker
    assert world.deliverer.router() is world.router
    assert isinstance(world.engine.dispatcher, StateFaults)
    assert world.engine.dispatcher.engine() is world.engine


def test_the_world_of_a_stack_never_started_is_an_error() -> None:
    with pytest.raises(StackError, match="the stack is not started"):
        _ = LocalStack.from_template(PIPELINE).world
