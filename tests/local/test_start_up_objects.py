"""While a stack runs, its start-up objects are out of the collector's full passes; once it is
closed, everything it made is collectable again (`sluice.local.start_up_objects`, ADR 0011)."""

from __future__ import annotations

import doctest
import gc
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sluice.local import LocalStack, start_up_objects
from tests.local.templates import function, sam_template

TEMPLATE = sam_template(Runtime="python3.13", CodeUri="src/") + function("Fn", handler="app.handler")
HANDLER = "def handler(event, context):\n    return {'seen': event}\n"


@pytest.fixture
def template(write_template: Callable[..., Path]) -> Path:
    return write_template(TEMPLATE, {"src/app.py": HANDLER})


@pytest.fixture
def nothing_frozen() -> Iterator[None]:
    assert gc.get_freeze_count() == 0, "an earlier test left objects in the permanent generation"
    yield
    gc.unfreeze()


def test_a_running_stacks_start_up_objects_are_frozen_and_released_at_close(template: Path,
                                                                            nothing_frozen: None) -> None:
    stack = LocalStack.from_template(template, use_config=False).start()
    try:
        assert gc.get_freeze_count() > 0
        assert stack.invoke("Fn", {"n": 1}).result == {"seen": {"n": 1}}
    finally:
        stack.close()
    assert gc.get_freeze_count() == 0


def test_a_closed_stacks_world_is_collected(template: Path, nothing_frozen: None) -> None:
    with LocalStack.from_template(template, use_config=False) as stack:
        stack.invoke("Fn", {"n": 1})
        engine = weakref.ref(stack.world.engine)
        runtime = weakref.ref(stack.world.runtime)
    del stack
    gc.collect()
    assert engine() is None and runtime() is None


def test_a_process_that_froze_objects_itself_keeps_its_permanent_generation(template: Path,
                                                                             nothing_frozen: None) -> None:
    gc.freeze()
    frozen = gc.get_freeze_count()
    # (Frozen objects still die by reference counting, so the count can only fall.)
    with LocalStack.from_template(template, use_config=False):
        assert gc.get_freeze_count() <= frozen  # the stack froze nothing of its own
    assert 0 < gc.get_freeze_count() <= frozen  # nor emptied the permanent generation


def test_the_usage_example_holds(nothing_frozen: None) -> None:
    result = doctest.testmod(start_up_objects)
    assert result.attempted and not result.failed
