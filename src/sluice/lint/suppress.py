"""Documented suppressions: `sluice-lint: disable=RULE[,RULE]` in a `Comment`, or template Metadata.

* in a state's `Comment`: silences those rules for that state (and the states nested in it);
* in the definition's top-level `Comment`: for the whole state machine;
* on a template resource, `Metadata: {sluice-lint: {disable: [RULE, …]}}`: for that resource and,
  for a state machine, every finding in its definition.

Write the reason next to it: the suppression is the record that the choice is intentional.

Example:
    >>> disabled_rules("Metrics only. sluice-lint: disable=task-no-timeout, retry-no-jitter")
    {'task-no-timeout', 'retry-no-jitter'}
"""

from __future__ import annotations

import re
from typing import Any

_DIRECTIVE = re.compile(r"sluice-lint:\s*disable=([\w,\s-]+)")


def disabled_rules(comment: Any) -> set[str]:
    if not isinstance(comment, str):
        return set()
    return {rule.strip() for match in _DIRECTIVE.finditer(comment) for rule in match.group(1).split(",")
            if rule.strip()}


def metadata_disabled(metadata: Any) -> set[str]:
    settings = metadata.get("sluice-lint") if isinstance(metadata, dict) else None
    rules = settings.get("disable") if isinstance(settings, dict) else None
    return {str(rule) for rule in rules} if isinstance(rules, list) else set()
