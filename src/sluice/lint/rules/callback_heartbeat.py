"""callback-no-heartbeat: a `.waitForTaskToken` task or activity without `HeartbeatSeconds`.

Why: a worker that dies after taking the token never calls back; a heartbeat timeout notices in
seconds instead of at TimeoutSeconds. AWS: "Wait for a Callback with Task Token" — "configure a
heartbeat timeout" (https://docs.aws.amazon.com/step-functions/latest/dg/connect-to-resource.html#connect-wait-token).
"""

from __future__ import annotations

from collections.abc import Iterator

from sluice.graph.source import Workflow
from sluice.lint.finding import WARNING, Finding, Rule
from sluice.lint.walk import iter_tasks, waits_for_callback

RULE = Rule("callback-no-heartbeat", WARNING, "callback task without HeartbeatSeconds",
            "https://docs.aws.amazon.com/step-functions/latest/dg/connect-to-resource.html#connect-wait-token")


def check(workflow: Workflow) -> Iterator[Finding]:
    for path, task in iter_tasks(workflow.program):
        if waits_for_callback(task) and "HeartbeatSeconds" not in task.spec and "HeartbeatSecondsPath" not in task.spec:
            yield RULE.finding(workflow.origin, workflow.name, path,
                               "the task waits for a callback with no HeartbeatSeconds: a lost worker "
                               "is only noticed at the task timeout",
                               "set HeartbeatSeconds and have the worker call SendTaskHeartbeat")
