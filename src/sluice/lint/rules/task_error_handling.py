"""task-no-error-handling: a Task with neither `Retry` nor `Catch`.

Why: Lambda and service integrations fail transiently (`Lambda.ServiceException`,
`Lambda.TooManyRequestsException`, throttling); without a retrier one blip fails the whole
execution, and without a catcher nothing records or compensates the failure. AWS: "Handling errors
in Step Functions workflows" and "Best practices for Step Functions — Handle Lambda service
exceptions" (https://docs.aws.amazon.com/step-functions/latest/dg/sfn-best-practices.html).
"""

from __future__ import annotations

from collections.abc import Iterator

from sluice.graph.source import Workflow
from sluice.lint.finding import WARNING, Finding, Rule
from sluice.lint.walk import iter_tasks

RULE = Rule("task-no-error-handling", WARNING, "Task without Retry or Catch",
            "https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html")


def check(workflow: Workflow) -> Iterator[Finding]:
    for path, task in iter_tasks(workflow.program):
        if not task.retriers and not task.catchers:
            yield RULE.finding(workflow.origin, workflow.name, path,
                               "the Task has neither Retry nor Catch: one transient error fails the execution",
                               "retry the transient errors (e.g. Lambda.ServiceException, "
                               "Lambda.TooManyRequestsException) and Catch the rest into a handled failure path")
