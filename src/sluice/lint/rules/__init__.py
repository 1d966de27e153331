"""The lint rules: one module each, with `RULE` and `check(workflow)` or `check_template(template, workflows)`.

Add a rule by writing its module (docstring: what and why, with the AWS source) and listing it here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sluice.graph.source import Workflow
from sluice.lint.finding import Finding, Rule
from sluice.lint.rules import (
    backfill_concurrency,
    callback_heartbeat,
    event_source_dlq,
    express_limits,
    large_payload,
    map_concurrency,
    nondeterministic_paths,
    retry_all_errors,
    retry_backoff,
    retry_jitter,
    retry_max_attempts,
    retry_max_delay,
    standard_high_frequency,
    task_error_handling,
    task_timeout,
    unresolved_substitution,
)
from sluice.local.template.model import SamTemplate

WorkflowCheck = Callable[[Workflow], Iterable[Finding]]
TemplateCheck = Callable[[SamTemplate, list[Workflow]], Iterable[Finding]]

WORKFLOW_RULES: tuple[tuple[Rule, WorkflowCheck], ...] = tuple(
    (module.RULE, module.check) for module in (
        unresolved_substitution, task_error_handling, retry_max_attempts, retry_backoff, retry_max_delay,
        retry_jitter, retry_all_errors, map_concurrency, backfill_concurrency, task_timeout, callback_heartbeat,
        express_limits, large_payload, nondeterministic_paths,
    )
)
TEMPLATE_RULES: tuple[tuple[Rule, TemplateCheck], ...] = tuple(
    (module.RULE, module.check_template) for module in (standard_high_frequency, event_source_dlq)
)
