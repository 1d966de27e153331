"""A process that ran sluice exits without CPython's final garbage-collection passes, and nothing else
of a normal exit is lost (ADR 0011, `sluice.quick_exit`)."""

from __future__ import annotations

import atexit
import doctest
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from sluice import quick_exit
from sluice.cli import main
from sluice.local import LocalStack

# The probe's atexit hook is registered before sluice's, so it runs after it (atexit is LIFO) and
# sees what the interpreter's shutdown will see.
PROGRAM = """
import atexit, gc, sys, weakref
atexit.register(lambda: print("frozen at exit:", gc.get_freeze_count() > 0))
class Resource: pass
resource = Resource()
weakref.finalize(resource, print, "weakref.finalize ran")
atexit.register(print, "an earlier atexit hook ran")
from sluice import quick_exit
quick_exit.arrange()
sys.stdout.write("buffered text, never flushed by the program")
"""


def _exit_of(extra_env: dict[str, str]) -> list[str]:
    done = subprocess.run([sys.executable, "-c", PROGRAM], capture_output=True, text=True, check=True,
                          env={**os.environ, **extra_env})
    return done.stdout.splitlines()


def test_the_final_collections_are_skipped_and_the_rest_of_a_normal_exit_still_happens() -> None:
    lines = _exit_of({})
    assert lines[0].startswith("buffered text, never flushed by the program")
    assert "an earlier atexit hook ran" in lines[0] + "".join(lines[1:])
    assert "weakref.finalize ran" in "\n".join(lines)
    assert lines[-1] == "frozen at exit: True"


def test_sluice_final_gc_1_keeps_the_interpreters_own_shutdown() -> None:
    lines = _exit_of({quick_exit.KEEP_FINAL_GC: "1"})
    assert lines[-1] == "frozen at exit: False"
    assert "weakref.finalize ran" in "\n".join(lines)


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> list[Callable[..., object]]:
    """The exit hooks `arrange` registers, from a process that has not arranged anything yet (other
    libraries' hooks, moto's among them, are registered as usual)."""
    hooks: list[Callable[..., object]] = []
    register = atexit.register

    def recording(hook: Callable[..., object], *args: object, **kwargs: object) -> Callable[..., object]:
        if getattr(hook, "__module__", None) == quick_exit.__name__:
            hooks.append(hook)
            return hook
        return register(hook, *args, **kwargs)

    monkeypatch.setattr(quick_exit, "_arranged", False)
    monkeypatch.setattr(atexit, "register", recording)
    return hooks


def test_it_is_arranged_once_per_process(registered: list[Callable[..., object]]) -> None:
    quick_exit.arrange()
    quick_exit.arrange()
    assert quick_exit.arranged()
    assert len(registered) == 1


def test_a_process_that_started_a_local_stack_exits_quickly(registered: list[Callable[..., object]],
                                                            tmp_path: Path) -> None:
    template = tmp_path / "template.yaml"
    template.write_text("Resources:\n  Drop:\n    Type: AWS::S3::Bucket\n", encoding="utf-8")
    assert not quick_exit.arranged()
    with LocalStack.from_template(template, use_config=False):
        assert quick_exit.arranged()
    assert len(registered) == 1


def test_the_sluice_command_exits_quickly(registered: list[Callable[..., object]], tmp_path: Path) -> None:
    definition = tmp_path / "pass.asl.json"
    definition.write_text('{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}', encoding="utf-8")
    assert main(["validate", str(definition)]) == 0
    assert quick_exit.arranged() and len(registered) == 1


def test_the_docstring_example_holds(registered: list[Callable[..., object]]) -> None:
    result = doctest.testmod(quick_exit)
    assert result.attempted and not result.failed
