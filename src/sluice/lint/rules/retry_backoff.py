"""retry-constant-backoff: a retrier with `BackoffRate` 1 (the same interval every time).

Why: constant-interval retries from many executions arrive in lock-step at a recovering service;
exponential backoff spreads them out. AWS: "Retrying after an error" (BackoffRate) and the
Builders' Library article on backoff.
"""

from __future__ import annotations

from collections.abc import Iterator

from sluice.graph.source import Workflow
from sluice.lint.finding import WARNING, Finding, Rule
from sluice.lint.walk import iter_states

RULE = Rule("retry-constant-backoff", WARNING, "retry with BackoffRate 1",
            "https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html#error-handling-retrying-after-an-error")


def check(workflow: Workflow) -> Iterator[Finding]:
    for path, state in iter_states(workflow.program):
        for index, rule in enumerate(state.spec.get("Retry", [])):
            if rule.get("BackoffRate", 2.0) == 1 and rule.get("MaxAttempts", 3) > 1:
                yield RULE.finding(workflow.origin, workflow.name, path,
                                   f"Retry[{index}] waits the same {rule.get('IntervalSeconds', 1)} s before "
                                   "every attempt (BackoffRate 1)",
                                   "use BackoffRate 2 with MaxDelaySeconds and JitterStrategy FULL")
