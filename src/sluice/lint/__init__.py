"""`sluice lint`: best-practice checks of a SAM template and its Step Functions definitions.

Each rule lives in `sluice.lint.rules.<name>` with a docstring citing why; suppress an intentional
choice with `sluice-lint: disable=RULE` in the state's `Comment` (see `sluice.lint.suppress`).

Example:
    >>> from sluice.lint import lint_paths
    >>> lint_paths(["template.yaml"]).errors
    0
"""

from sluice.lint.finding import ERROR, INFO, WARNING, Finding, Rule, Severity
from sluice.lint.runner import ALL_RULES, LintInputError, Report, lint_paths, lint_workflow

__all__ = [
    "ALL_RULES",
    "ERROR",
    "INFO",
    "WARNING",
    "Finding",
    "LintInputError",
    "Report",
    "Rule",
    "Severity",
    "lint_paths",
    "lint_workflow",
]
