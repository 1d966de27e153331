"""retry-unbounded: a retrier without an explicit `MaxAttempts`, or with a huge one.

Why: every retry is a billed state transition and another call on a service that may already be
failing; a huge cap turns an outage into a retry storm (AWS Builders' Library, "Timeouts, retries,
and backoff with jitter": retries amplify load). An absent `MaxAttempts` means 3, which is fine but
should be written down; AWS allows up to 99999999.
"""

from __future__ import annotations

from collections.abc import Iterator

from sluice.graph.source import Workflow
from sluice.lint.finding import ERROR, INFO, WARNING, Finding, Rule
from sluice.lint.walk import iter_states

RULE = Rule("retry-unbounded", WARNING, "retry without a sensible MaxAttempts cap",
            "https://aws.amazon.com/builders-library/timeouts-retries-and-backoff-with-jitter/")
HIGH = 10  # more attempts than this is a storm in the making
HUGE = 100  # an error: effectively unbounded


def check(workflow: Workflow) -> Iterator[Finding]:
    for path, state in iter_states(workflow.program):
        for index, rule in enumerate(state.spec.get("Retry", [])):
            attempts = rule.get("MaxAttempts")
            where = f"Retry[{index}] ({', '.join(rule.get('ErrorEquals', []))})"
            if attempts is None:
                yield RULE.finding(workflow.origin, workflow.name, path,
                                   f"{where} has no MaxAttempts: the default 3 applies",
                                   "write MaxAttempts explicitly", severity=INFO)
            elif attempts >= HUGE:
                yield RULE.finding(workflow.origin, workflow.name, path,
                                   f"{where} retries up to {attempts} times: effectively unbounded",
                                   f"cap MaxAttempts (≤ {HIGH}) and let a Catch handle what is left", severity=ERROR)
            elif attempts > HIGH:
                yield RULE.finding(workflow.origin, workflow.name, path,
                                   f"{where} retries up to {attempts} times",
                                   f"cap MaxAttempts at {HIGH} or fewer; use MaxDelaySeconds for a long outage")
