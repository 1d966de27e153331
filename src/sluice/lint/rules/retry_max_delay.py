"""retry-no-max-delay: an exponential retrier whose last wait grows past a minute with no `MaxDelaySeconds`.

Why: `IntervalSeconds * BackoffRate ** attempt` grows fast (6 attempts at rate 3 wait 8 minutes
last); `MaxDelaySeconds` caps each wait. AWS: "Retrying after an error" — MaxDelaySeconds.
"""

from __future__ import annotations

from collections.abc import Iterator

from sluice.asl.retry import Retrier
from sluice.graph.source import Workflow
from sluice.lint.finding import WARNING, Finding, Rule
from sluice.lint.walk import iter_states

RULE = Rule("retry-no-max-delay", WARNING, "exponential retry without MaxDelaySeconds",
            "https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html#error-handling-retrying-after-an-error")
LONGEST_UNCAPPED_SECONDS = 60.0


def check(workflow: Workflow) -> Iterator[Finding]:
    for path, state in iter_states(workflow.program):
        for index, retrier in enumerate(state.retriers):
            if retrier.max_delay_seconds is not None or retrier.max_attempts < 1:
                continue
            last = longest_wait(retrier)
            if last > LONGEST_UNCAPPED_SECONDS:
                yield RULE.finding(workflow.origin, workflow.name, path,
                                   f"Retry[{index}] waits up to {last:,.0f} s before its last attempt "
                                   "(no MaxDelaySeconds)",
                                   "set MaxDelaySeconds (e.g. 60) so back-off stops growing")


def longest_wait(retrier: Retrier) -> float:
    """The wait before the last attempt, without jitter or cap."""
    return float(retrier.interval_seconds * retrier.backoff_rate ** (retrier.max_attempts - 1))
