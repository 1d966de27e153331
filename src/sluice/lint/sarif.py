"""Findings as SARIF 2.1.0, the format code-scanning tools (GitHub, GitLab, IDEs) read.

Shape (OASIS SARIF 2.1.0): one run whose `tool.driver.rules` describes every rule reported, and one
result per finding with `ruleId`, `level` (error / warning / note), `message`, a physical location
(the file, and the line of the state or resource when it can be found) and a logical location
(`StateMachine/State`).

Example:
    >>> log = to_sarif(report)
    >>> log["version"], log["runs"][0]["tool"]["driver"]["name"]
    ('2.1.0', 'sluice-lint')
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from sluice.lint.finding import Finding
from sluice.lint.runner import Report, rules_used

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}


def to_sarif(report: Report, version: str = "0.1.0") -> dict[str, Any]:
    rules = rules_used(report.findings)
    index = {rule.id: position for position, rule in enumerate(rules)}
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "sluice-lint",
                "version": version,
                "rules": [{
                    "id": rule.id,
                    "name": rule.id,
                    "shortDescription": {"text": rule.summary},
                    "helpUri": rule.why,
                    "defaultConfiguration": {"level": LEVELS[rule.severity]},
                } for rule in rules],
            }},
            "results": [_result(finding, index[finding.rule]) for finding in report.findings],
        }],
    }


def _result(finding: Finding, rule_index: int) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": Path(finding.file).as_posix()}}
    line = _line_of(finding.file, finding.state.rsplit("/", 1)[-1] if finding.state else finding.target)
    if line is not None:
        physical["region"] = {"startLine": line}
    return {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity],
        "message": {"text": f"{finding.message}. Fix: {finding.fix}"},
        "locations": [{
            "physicalLocation": physical,
            "logicalLocations": [{
                "name": finding.state.rsplit("/", 1)[-1] if finding.state else finding.target,
                "fullyQualifiedName": finding.where,
                "kind": "member" if finding.state else "resource",
            }],
        }],
    }


def _line_of(file: str, name: str) -> int | None:
    """The line declaring `name`: `"Name": {` in a definition, `  Name:` in a template."""
    pattern = re.compile(rf'^\s*("{re.escape(name)}"\s*:|{re.escape(name)}:\s*$)')
    for number, text in enumerate(_lines(file), start=1):
        if pattern.match(text):
            return number
    return None


@cache
def _lines(file: str) -> tuple[str, ...]:
    try:
        return tuple(Path(file).read_text(encoding="utf-8").splitlines())
    except OSError:
        return ()
