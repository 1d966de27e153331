"""A handler that ends the runtime process (`sys.exit`, or any other `BaseException` the Python runtime
does not catch) gets Lambda's `Runtime.ExitError`, and the next invocation starts a new environment. Found
by the hostile-handler campaigns: `sys.exit(3)` in a handler ended `sluice invoke` (and would end `sluice
up`) with exit code 3; a bare `BaseException` (or an `asyncio.CancelledError`) ended it with a traceback."""

from __future__ import annotations

import doctest
from collections.abc import Callable
from pathlib import Path

import pytest

from sluice.asl.tasks import lambda_runtime
from sluice.local.stack import LocalStack

HANDLERS = '''\
import sys
calls = 0

def exits(event, context):
    global calls
    calls += 1
    if "exit" in event:
        sys.exit(*event["exit"])
    return calls

class Stop(BaseException):
    pass

def base_exception(event, context):
    import asyncio
    raise {"GeneratorExit": GeneratorExit, "CancelledError": asyncio.CancelledError, "Stop": Stop}[event["raise"]]()
'''
TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Globals:
  Function: {Runtime: python3.13, CodeUri: fn}
Resources:
  Exits: {Type: AWS::Serverless::Function, Properties: {Handler: app.exits}}
  BaseException: {Type: AWS::Serverless::Function, Properties: {Handler: app.base_exception}}
  ExitsOnImport: {Type: AWS::Serverless::Function, Properties: {Handler: on_import.handler}}
"""


@pytest.fixture
def stack(write_template: Callable[..., Path]) -> LocalStack:
    path = write_template(TEMPLATE, {"fn/app.py": HANDLERS,
                                     "fn/on_import.py": "import sys\nsys.exit(2)\ndef handler(e, c):\n    return 1\n"})
    return LocalStack.from_template(path, use_config=False)


@pytest.mark.parametrize(("args", "reason"), [
    ([3], "Runtime exited with error: exit status 3"),
    (["bye"], "Runtime exited with error: exit status 1"),  # sys.exit(text) exits with status 1
    ([], "Runtime exited without providing a reason"),
])
def test_sys_exit_in_a_handler_is_a_runtime_exit_error_and_resets_the_environment(
    stack: LocalStack, args: list[object], reason: str
) -> None:
    with stack:
        assert stack.invoke("Exits", {}).result == 1
        ended = stack.invoke("Exits", {"exit": args})
        assert ended.error is not None and ended.error.error_type == "Runtime.ExitError"
        assert ended.error.message == f"RequestId: {ended.request_id} Error: {reason}"
        again = stack.invoke("Exits", {})
        assert (again.result, again.init_duration_ms is not None) == (1, True)  # a new environment


@pytest.mark.parametrize("raised", ["GeneratorExit", "CancelledError", "Stop"])
def test_a_base_exception_the_runtime_does_not_catch_exits_with_status_1(stack: LocalStack, raised: str) -> None:
    # awslambdaric's bootstrap catches `Exception` only: anything else ends the Python process.
    with stack:
        ended = stack.invoke("BaseException", {"raise": raised})
    assert ended.error is not None
    assert (ended.error.error_type, ended.error.message) == (
        "Runtime.ExitError", f"RequestId: {ended.request_id} Error: Runtime exited with error: exit status 1")


def test_sys_exit_while_the_module_loads_is_a_runtime_exit_error(stack: LocalStack) -> None:
    with stack:
        ended = stack.invoke("ExitsOnImport", {})
    assert ended.error is not None and ended.error.error_type == "Runtime.ExitError"
    assert ended.error.message.endswith("Error: Runtime exited with error: exit status 2")


def test_the_module_examples_hold() -> None:
    assert doctest.testmod(lambda_runtime).failed == 0
