"""What a stack's start-up asks of the AWS APIs (issue #14, `benchmarks/first_end_to_end.py`): the
template's log groups are written straight to moto's store and no Scheduler client lists schedules a
template does not declare, while the world seen through the API stays the same."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sluice.local import LocalStack
from sluice.local.errors import TemplateError
from sluice.local.hooks import ApiCall, listening
from tests.local.test_startup_costs import _modules_after

TEMPLATE = """
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Drop:
    Type: AWS::S3::Bucket
  AuditLogs:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: /sluice/audit
      RetentionInDays: 14
  DebugLogs:
    Type: AWS::Logs::LogGroup
"""


class _Calls:
    """Records every AWS call made while listening (the stack's own listener is innermost once it runs)."""

    def __init__(self) -> None:
        self.made: list[str] = []

    def intercept(self, call: ApiCall) -> None:
        return None

    def observe(self, call: ApiCall) -> None:
        self.made.append(f"{call.service}:{call.operation}")


def _calls_starting(start_stack: Callable[..., LocalStack]) -> list[str]:
    """The AWS calls made while the stack of `TEMPLATE` starts."""
    calls = _Calls()
    with listening(calls):
        start_stack(TEMPLATE)
    return calls.made


def test_log_groups_are_created_without_logs_api_calls(start_stack: Callable[..., LocalStack]) -> None:
    assert [call for call in _calls_starting(start_stack) if call.startswith("logs:")] == []


def test_the_log_groups_are_listed_by_the_logs_api_with_their_retention(
        start_stack: Callable[..., LocalStack]) -> None:
    groups: list[dict[str, Any]] = start_stack(TEMPLATE).client("logs").describe_log_groups()["logGroups"]
    by_name = {group["logGroupName"]: group for group in groups}
    assert by_name["/sluice/audit"]["retentionInDays"] == 14
    assert by_name["/sluice/audit"]["arn"].endswith(":log-group:/sluice/audit:*")
    debug = [group for name, group in by_name.items() if "DebugLogs" in name]
    assert len(debug) == 1 and "retentionInDays" not in debug[0]  # "Never expire", as the API answers it


def test_two_log_groups_of_one_name_are_refused_as_cloudformation_would(
        start_stack: Callable[..., LocalStack]) -> None:
    twice = TEMPLATE + """
  AuditAgain:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: /sluice/audit
"""
    with pytest.raises(TemplateError, match=r"AuditAgain.*already exists"):
        start_stack(twice)


def test_a_template_without_schedules_makes_no_scheduler_calls(start_stack: Callable[..., LocalStack]) -> None:
    # (schedules created at run time are still armed: tests/local/test_scheduler.py)
    assert [call for call in _calls_starting(start_stack) if call.startswith("scheduler:")] == []


def test_the_faults_module_does_not_import_a_yaml_parser(tmp_path: Path) -> None:
    assert "yaml" not in _modules_after("import sluice.local.faults", tmp_path)


def test_an_empty_log_group_name_is_refused_as_the_logs_api_would(start_stack: Callable[..., LocalStack]) -> None:
    empty = TEMPLATE.replace("LogGroupName: /sluice/audit", "LogGroupName: ''")
    with pytest.raises(TemplateError, match=r"AuditLogs.*LogGroupName must not be empty"):
        start_stack(empty)
