"""Fault injection for the local stack: `stack.faults` (see `sluice.local.faults.api`), faults
files and random plans (`sluice.local.faults.config`).

Example:
    >>> from sluice.local.faults import load_plan
    >>> LocalStack.from_template("template.yaml", faults=load_plan("faults.yaml"))
"""

from __future__ import annotations

from sluice.local.faults.api import Faults
from sluice.local.faults.config import FaultPlan, load_plan, random_plan
from sluice.local.faults.errors import AwsError, FaultError, aws_error
from sluice.local.faults.records import InjectedFault

__all__ = ["AwsError", "FaultError", "FaultPlan", "Faults", "InjectedFault", "aws_error", "load_plan", "random_plan"]
