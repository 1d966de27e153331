"""retry-all-errors: a retrier matching `States.ALL` (or `States.TaskFailed`).

Why: a catch-all retrier retries data errors — a bad record fails the same way every time — and
so multiplies cost and delays the failure path; retry only errors that are transient. AWS: "Best
practices — Handle transient Lambda service exceptions" and "Error names" (States.ALL,
States.TaskFailed).
"""

from __future__ import annotations

from collections.abc import Iterator

from sluice.asl.errors import ErrorName
from sluice.graph.source import Workflow
from sluice.lint.finding import INFO, WARNING, Finding, Rule
from sluice.lint.walk import iter_states

RULE = Rule("retry-all-errors", WARNING, "States.ALL retried (data errors retried too)",
            "https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html#error-handling-error-representation")


def check(workflow: Workflow) -> Iterator[Finding]:
    for path, state in iter_states(workflow.program):
        for index, retrier in enumerate(state.retriers):
            if ErrorName.ALL in retrier.error_equals:
                yield RULE.finding(workflow.origin, workflow.name, path,
                                   f"Retry[{index}] retries States.ALL: data errors are retried too",
                                   "list the transient errors instead and Catch the rest")
            elif ErrorName.TASK_FAILED in retrier.error_equals:
                yield RULE.finding(workflow.origin, workflow.name, path,
                                   f"Retry[{index}] retries States.TaskFailed, which matches every task error",
                                   "name the transient errors when the integration has permanent ones", severity=INFO)
