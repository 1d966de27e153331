"""A function's modules stay its own and stay warm between activations (sluice.local.lambda_.sandbox)."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from sluice.local.lambda_.sandbox import CodeSandbox
from sluice.local.stack import LocalStack

HANDLER = """
import importlib, sys
def handler(event, context=None):
    import helper  # imported lazily, on the first call, as many handlers import their dependencies
    if event.get("reimport"):  # a module the process shares, deleted and imported again meanwhile
        name = event["reimport"]
        del sys.modules[name]
        importlib.import_module(name)
    return helper.count()
"""

HELPER = """
calls = 0
def count():
    global calls
    calls += 1
    return calls
"""


def sandbox(root: Path) -> CodeSandbox:
    root.mkdir()
    (root / "app.py").write_text(HANDLER, encoding="utf-8")
    (root / "helper.py").write_text(HELPER, encoding="utf-8")
    return CodeSandbox([root])


def call(box: CodeSandbox, event: dict[str, str]) -> int:
    with box.active():
        result: int = box.load("app", "handler")(event)
    return result


def test_a_function_keeps_its_modules_though_the_last_module_imported_before_it_was_imported_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "shared_last.py").write_text("VALUE = 1\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(shared))
    monkeypatch.delitem(sys.modules, "shared_last", raising=False)
    box = sandbox(tmp_path / "fn")
    for expected in (1, 2, 3):
        importlib.import_module("shared_last")  # the last module in sys.modules as the call starts
        assert call(box, {"reimport": "shared_last"}) == expected  # the same `helper`: its state survived
        assert "helper" not in sys.modules and "app" not in sys.modules
        del sys.modules["shared_last"]
    assert {"app", "helper"} <= set(box.modules)
    assert not [name for name in sys.modules if name.startswith("_sluice_sandbox_mark")]


def test_two_functions_shipping_the_same_module_names_keep_their_own(tmp_path: Path) -> None:
    first, second = sandbox(tmp_path / "first"), sandbox(tmp_path / "second")
    assert [call(first, {}), call(second, {}), call(first, {}), call(second, {})] == [1, 1, 2, 2]
    assert first.modules["helper"] is not second.modules["helper"]


def test_a_call_inside_a_call_keeps_both_functions_warm(tmp_path: Path) -> None:
    outer, inner = sandbox(tmp_path / "outer"), sandbox(tmp_path / "inner")
    with outer.active():
        handler = outer.load("app", "handler")
        assert handler({}) == 1
        assert call(inner, {"reimport": "json"}) == 1  # as a synchronous invoke from a handler would
        assert importlib.import_module("helper").count() == 2  # the outer function's helper again
    assert call(outer, {}) == 3
    assert call(inner, {}) == 2


def test_a_function_shipping_its_own_aws_sdk_runs_with_this_interpreters(
        start_stack: Callable[..., LocalStack]) -> None:
    """Found by the sweep of serverless-patterns (`eventbridge-lambda-fsx-openzfs-periodic-replication` ships
    boto3 and botocore in a layer): the function imported its own copies, which moto's mock and sluice's
    hooks are not installed in, and its calls went to AWS itself. They are taken from this interpreter."""
    template = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Files:
    Type: AWS::S3::Bucket
  Lister:
    Type: AWS::Serverless::Function
    Properties: {Runtime: python3.13, CodeUri: src/, Handler: app.handler, Layers: [!Ref Sdk]}
  Sdk:
    Type: AWS::Serverless::LayerVersion
    Properties: {ContentUri: sdk/}
"""
    refuse = "raise ImportError('the bundled copy was imported')\n"
    handler = ("import boto3\n\ndef handler(event, context):\n"
               "    return [b['Name'] for b in boto3.client('s3').list_buckets()['Buckets']]\n")
    stack = start_stack(template, {"src/app.py": handler, "sdk/python/boto3/__init__.py": refuse,
                                   "sdk/python/botocore/__init__.py": refuse, "src/botocore/__init__.py": refuse})
    invocation = stack.invoke("Lister")
    assert invocation.error is None, invocation.error
    assert invocation.result == [stack.name("Files")]
    assert any("resource Lister" in warning and "ships its own boto3, botocore" in warning
               for warning in stack.warnings), stack.warnings
