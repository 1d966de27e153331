"""Each function sees its own process: its environment changes stay its own and last while its
execution environment is warm, and it runs in its code directory, as `/var/task` on Lambda
(`sluice.local.lambda_.process_state`). Found by the hostile-handler campaign: a handler's
`os.environ[...] = ...` reached every other function and sluice itself, and its `os.chdir` moved sluice."""

from __future__ import annotations

import doctest
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from sluice.local.lambda_ import process_state
from sluice.local.stack import LocalStack

HANDLERS = '''\
import os, sys

def sets(event, context):
    os.environ["SEEN"] = os.environ.get("SEEN", "") + "x"
    os.environ.pop("DROPPED", None)
    if event.get("exit"):
        sys.exit(1)
    return {"seen": os.environ["SEEN"], "dropped": os.environ.get("DROPPED")}

def reads(event, context):
    return {"seen": os.environ.get("SEEN"), "dropped": os.environ.get("DROPPED")}

def opens(event, context):
    os.chdir("/")  # moves its own process only
    return open(os.path.join(os.environ["LAMBDA_TASK_ROOT"], "shipped.txt")).read()

def relative(event, context):
    return [os.getcwd(), open("shipped.txt").read()]
'''
TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Globals:
  Function: {Runtime: python3.13, CodeUri: fn, Environment: {Variables: {DROPPED: configured}}}
Resources:
  Sets: {Type: AWS::Serverless::Function, Properties: {Handler: app.sets}}
  Reads: {Type: AWS::Serverless::Function, Properties: {Handler: app.reads}}
  Relative: {Type: AWS::Serverless::Function, Properties: {Handler: app.relative}}
  Opens: {Type: AWS::Serverless::Function, Properties: {Handler: app.opens}}
"""


@pytest.fixture
def stack(write_template: Callable[..., Path]) -> LocalStack:
    path = write_template(TEMPLATE, {"fn/app.py": HANDLERS, "fn/shipped.txt": "shipped"})
    return LocalStack.from_template(path, use_config=False)


def test_the_module_example_holds(tmp_path: Path) -> None:
    assert doctest.testmod(process_state, extraglobs={"Path": lambda _: tmp_path}).failed == 0


def test_a_handlers_environment_changes_stay_in_its_own_warm_environment(stack: LocalStack) -> None:
    with stack:
        before = dict(os.environ)  # as the open stack set it (moto's credentials)
        assert stack.invoke("Sets", {}).result == {"seen": "x", "dropped": None}
        assert stack.invoke("Sets", {}).result == {"seen": "xx", "dropped": None}  # warm: its process kept it
        assert stack.invoke("Reads", {}).result == {"seen": None, "dropped": "configured"}  # another process
        assert dict(os.environ) == before  # and sluice's own environment is untouched
        assert stack.invoke("Sets", {"exit": True}).error is not None  # the process ends...
        assert stack.invoke("Sets", {}).result == {"seen": "x", "dropped": None}  # ...and a new one starts


def test_a_handler_runs_in_its_code_directory_and_sluices_stays_put(stack: LocalStack) -> None:
    here = os.getcwd()
    with stack:
        code = stack.world.runtime.function("Relative").spec.code_dir
        assert stack.invoke("Relative", {}).result == [str(code), "shipped"]
        assert stack.invoke("Opens", {}).result == "shipped"
    assert os.getcwd() == here
