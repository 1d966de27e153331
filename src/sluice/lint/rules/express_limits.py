"""express-limits: an Express workflow that can outlive 5 minutes or uses `.sync` / `.waitForTaskToken`.

Why: Express executions last at most five minutes and support only request-response integrations
("Express workflows do not support the Run a Job (.sync) or Wait for Callback (.waitForTaskToken)
patterns", nor activities). A Wait, a timeout or the worst-case retry back-off past 300 s means the
execution is cut off with States.Timeout. AWS: "Standard vs. Express workflows"
(https://docs.aws.amazon.com/step-functions/latest/dg/choosing-workflow-type.html).
"""

from __future__ import annotations

from collections.abc import Iterator

from sluice.asl import EXPRESS
from sluice.asl.states.task import TaskState
from sluice.graph.source import Workflow
from sluice.lint.finding import ERROR, WARNING, Finding, Rule
from sluice.lint.walk import iter_states, runs_a_job, waits_for_callback

RULE = Rule("express-limits", ERROR, "Express workflow beyond the 5-minute / request-response limits",
            "https://docs.aws.amazon.com/step-functions/latest/dg/choosing-workflow-type.html")
EXPRESS_LIMIT_SECONDS = 300


def check(workflow: Workflow) -> Iterator[Finding]:
    if workflow.type != EXPRESS:
        return
    top = workflow.program.timeout_seconds
    if top is not None and top > EXPRESS_LIMIT_SECONDS:
        yield _finding(workflow, None, f"TimeoutSeconds {top} exceeds the 300 s Express limit")
    for path, state in iter_states(workflow.program):
        spec = state.spec
        if isinstance(state, TaskState) and (waits_for_callback(state) or runs_a_job(state)):
            yield _finding(workflow, path, f"{state.resource.action_name or 'an activity'} is not supported "
                                           "by Express workflows (request-response only)")
        if spec.get("TimeoutSeconds", 0) > EXPRESS_LIMIT_SECONDS:
            yield _finding(workflow, path, f"TimeoutSeconds {spec['TimeoutSeconds']} exceeds the 300 s Express limit")
        if state.TYPE == "Wait":
            if spec.get("Seconds", 0) > EXPRESS_LIMIT_SECONDS:
                yield _finding(workflow, path, f"waits {spec['Seconds']} s, past the 300 s Express limit")
            elif "Seconds" not in spec:
                yield RULE.finding(workflow.origin, workflow.name, path,
                                   "waits for a time taken from the input: it may exceed the 300 s Express limit",
                                   "bound the wait, or use a Standard workflow", severity=WARNING)
        backoff = sum(min(r.interval_seconds * r.backoff_rate ** k, r.max_delay_seconds or float("inf"))
                      for r in state.retriers for k in range(r.max_attempts))
        if backoff > EXPRESS_LIMIT_SECONDS:
            yield _finding(workflow, path, f"its retries can back off for {backoff:,.0f} s, past the 300 s limit")


def _finding(workflow: Workflow, path: str | None, message: str) -> Finding:
    return RULE.finding(workflow.origin, workflow.name, path, message,
                        "keep Express runs under 5 minutes with request-response calls only, "
                        "or use a Standard workflow")
