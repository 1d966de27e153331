"""What a user's first end-to-end test process pays for (issue #14, `benchmarks/first_end_to_end.py`):
no pytest imported by the handler clock outside a test run, no YAML parser for a cached template,
and service models read once per process however many botocore sessions the stack makes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import boto3
import pytest
from moto.core import utils as moto_utils

from sluice.local import LocalStack
from sluice.local.clients import shared_model_loader

TEMPLATE = """
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Drop:
    Type: AWS::S3::Bucket
  Jobs:
    Type: AWS::SQS::Queue
"""


def _modules_after(code: str, cwd: Path) -> set[str]:
    """Modules a fresh interpreter holds after running `code` (the test process has pytest already),
    with its own template cache (`cwd/cache`)."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], cwd=cwd, capture_output=True, text=True, check=True,
                          env={**os.environ, "SLUICE_CACHE_DIR": str(cwd / "cache")})
    return set(json.loads(done.stdout.splitlines()[-1]))


def _moto_loader() -> object:
    return vars(moto_utils)["create_loader"]()


def test_the_handler_clock_does_not_import_pytest_outside_a_test_run(tmp_path: Path) -> None:
    modules = _modules_after("from sluice.local.lambda_.handler_time import handler_clock", tmp_path)
    assert "time_machine" in modules
    assert "pytest" not in modules and "_pytest" not in modules


def test_a_cached_template_is_loaded_without_a_yaml_parser(write_template: Callable[..., Path],
                                                           tmp_path: Path) -> None:
    path = write_template(TEMPLATE)
    load = (f"from sluice.local.template.model import SamTemplate\n"
            f"print(sorted(SamTemplate.load({str(path)!r}, use_config=False).resources))")
    assert "yaml" in _modules_after(load, tmp_path)  # the first load parses (and fills the cache)
    assert "yaml" not in _modules_after(load, tmp_path)


def test_botocore_sessions_made_while_a_stack_runs_share_one_model_loader(
        write_template: Callable[..., Path]) -> None:
    with LocalStack.from_template(write_template(TEMPLATE), use_config=False) as stack:
        stack.put_object("Drop", "a.txt", b"a")
        # as boto3.client() in a handler makes its default session, and moto its own
        handlers, moto = boto3.session.Session(), boto3.session.Session()
        handlers.client("s3").list_buckets()
        assert handlers._loader is moto._loader
        assert _moto_loader() is _moto_loader()  # moto's, for its per-service models
    assert boto3.session.Session()._loader is not handlers._loader  # the stack closed: as usual again
    assert _moto_loader() is not _moto_loader()


def test_sessions_share_the_loader_of_their_data_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with shared_model_loader():
        first, second = boto3.session.Session(), boto3.session.Session()
        monkeypatch.setenv("AWS_DATA_PATH", str(tmp_path))  # botocore reads models from there first
        elsewhere = boto3.session.Session()
        assert first._loader is second._loader
        assert elsewhere._loader is not first._loader and str(tmp_path) in elsewhere._loader.search_paths
        assert first.client("sqs", region_name="us-east-1").meta.service_model.service_name == "sqs"
