"""What the linter reports: rules (id, default severity, why) and findings (where, what, how to fix).

Example:
    >>> RULE = Rule("task-no-timeout", WARNING, "Task without TimeoutSeconds", "https://docs.aws.amazon.com/…")
    >>> RULE.finding("file.asl.json", "MyMachine", "Call", "no TimeoutSeconds", "add TimeoutSeconds").severity
    'warning'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel

Severity = Literal["error", "warning", "info"]
ERROR: Severity = "error"
WARNING: Severity = "warning"
INFO: Severity = "info"
SEVERITY_ORDER: dict[str, int] = {ERROR: 0, WARNING: 1, INFO: 2}


class Finding(BaseModel, frozen=True):
    """One problem: the rule, how bad, where (file, state machine or resource, state) and the fix."""

    rule: str
    severity: Severity
    file: str
    target: str  # the state machine (logical id or file name) or the template resource
    state: str | None  # "Map/Inner" path of the state; None for a resource or a whole workflow
    message: str
    fix: str

    @property
    def where(self) -> str:
        return f"{self.target}/{self.state}" if self.state else self.target


@dataclass(frozen=True)
class Rule:
    """A rule's identity; `why` cites the AWS documentation or best practice behind it."""

    id: str
    severity: Severity
    summary: str
    why: str

    def finding(self, file: str, target: str, state: str | None, message: str, fix: str, *,
                severity: Severity | None = None) -> Finding:
        return Finding(rule=self.id, severity=severity or self.severity, file=file, target=target, state=state,
                       message=message, fix=fix)
