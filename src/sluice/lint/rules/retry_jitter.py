"""retry-no-jitter: a retrier that can retry more than once without `JitterStrategy: FULL`.

Why: executions that failed together retry together; full jitter randomises each wait in
[0, delay) and breaks the thundering herd. AWS: "Retrying after an error" — JitterStrategy, and
the Builders' Library article "Timeouts, retries, and backoff with jitter".
"""

from __future__ import annotations

from collections.abc import Iterator

from sluice.graph.source import Workflow
from sluice.lint.finding import WARNING, Finding, Rule
from sluice.lint.walk import iter_states

RULE = Rule("retry-no-jitter", WARNING, "retry without JitterStrategy FULL",
            "https://aws.amazon.com/builders-library/timeouts-retries-and-backoff-with-jitter/")


def check(workflow: Workflow) -> Iterator[Finding]:
    for path, state in iter_states(workflow.program):
        for index, retrier in enumerate(state.retriers):
            if retrier.max_attempts > 1 and not retrier.full_jitter:
                yield RULE.finding(workflow.origin, workflow.name, path,
                                   f"Retry[{index}] has no jitter: concurrent executions retry in lock-step",
                                   'add "JitterStrategy": "FULL"')
