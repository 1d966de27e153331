"""Handlers read the stack's virtual clock (sluice.local.lambda_.handler_time)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sluice.local import LocalStack

START = 1718096400.0  # 2024-06-11T09:00:00Z
TEMPLATE = """
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  ClockFunction:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      CodeUri: clock/
"""
HANDLER = """
import time
from datetime import datetime, timezone

def handler(event, context):
    return {"time": time.time(), "now": datetime.now(tz=timezone.utc).isoformat()[:19]}
"""


def test_a_handler_sees_virtual_time_and_it_moves_with_the_clock(write_template: Callable[..., Path]) -> None:
    path = write_template(TEMPLATE, {"clock/app.py": HANDLER})
    with LocalStack.from_template(path, use_config=False, start_time=START) as stack:
        first = stack.invoke("ClockFunction").result
        stack.advance(3600)
        later = stack.invoke("ClockFunction").result

    assert first["now"] == "2024-06-11T09:00:00" and abs(first["time"] - START) < 5
    assert later["now"] == "2024-06-11T10:00:00" and abs(later["time"] - START - 3600) < 5
