"""task-no-timeout: a Task without `TimeoutSeconds` / `TimeoutSecondsPath`.

Why: "By default, the Amazon States Language doesn't specify timeouts … if something goes wrong
and an activity worker or callback never responds, the execution is stuck" until the one-year
execution limit. AWS: "Best practices — Use timeouts to avoid stuck executions"
(https://docs.aws.amazon.com/step-functions/latest/dg/sfn-best-practices.html#sfn-stuck-execution).
A warning for callbacks, activities and `.sync` jobs; a note for request-response calls, which the
called service bounds (a Lambda function's own timeout).
"""

from __future__ import annotations

from collections.abc import Iterator

from sluice.graph.source import Workflow
from sluice.lint.finding import INFO, WARNING, Finding, Rule
from sluice.lint.walk import iter_tasks, runs_a_job, waits_for_callback

RULE = Rule("task-no-timeout", WARNING, "Task without TimeoutSeconds",
            "https://docs.aws.amazon.com/step-functions/latest/dg/sfn-best-practices.html#sfn-stuck-execution")


def check(workflow: Workflow) -> Iterator[Finding]:
    for path, task in iter_tasks(workflow.program):
        if "TimeoutSeconds" in task.spec or "TimeoutSecondsPath" in task.spec:
            continue
        open_ended = waits_for_callback(task) or runs_a_job(task)
        yield RULE.finding(workflow.origin, workflow.name, path,
                           "no TimeoutSeconds: " + ("the task can wait until the execution's own limit"
                                                    if open_ended else "only the called service bounds it"),
                           "set TimeoutSeconds to the longest the task may legitimately take",
                           severity=None if open_ended else INFO)
