"""nondeterministic-key: wall-clock time or random ids in S3 keys, prefixes or names.

Why: a rerun or redrive of the same input must write the same object, or it duplicates output
instead of overwriting it (idempotent, deterministic outputs). `$$.State.EnteredTime`,
`$$.Execution.StartTime`, `$now()`, `$millis()` and `States.UUID()` differ on every run. AWS:
"Best practices — idempotency" and "Redriving executions" (a redriven state re-enters with a new
`EnteredTime`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from sluice.graph.source import Workflow
from sluice.lint.finding import WARNING, Finding, Rule
from sluice.lint.walk import iter_states

RULE = Rule("nondeterministic-key", WARNING, "wall-clock time or random ids in output keys",
            "https://docs.aws.amazon.com/step-functions/latest/dg/redrive-executions.html")
CLOCKS = re.compile(r"\$\$\.State\.EnteredTime|\$\$\.Execution\.StartTime|\$now\(|\$millis\(|States\.UUID\(|"
                    r"\$states\.context\.(State\.EnteredTime|Execution\.StartTime)")
KEY_FIELD = re.compile(r"(^|_)(key|prefix|path|object|objectkey|filename|name)$", re.IGNORECASE)
_FIELDS = ("Parameters", "Arguments", "ItemSelector", "ResultSelector", "ItemReader", "ResultWriter")


def check(workflow: Workflow) -> Iterator[Finding]:
    for path, state in iter_states(workflow.program):
        for field in _FIELDS:
            for key, value in _strings(state.spec.get(field)):
                name = key.removesuffix(".$")
                if KEY_FIELD.search(_snake(name)) and CLOCKS.search(value):
                    yield RULE.finding(workflow.origin, workflow.name, path,
                                       f"{field}.{key} is built from the clock or a random id ({value}): "
                                       "a rerun writes a different object",
                                       "derive keys from the input (e.g. the execution name or a content "
                                       "digest) so reruns overwrite instead of duplicating")


def _strings(value: Any, key: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for name, item in value.items():
            yield from _strings(item, name)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, key)
    elif isinstance(value, str):
        yield key, value


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name)
