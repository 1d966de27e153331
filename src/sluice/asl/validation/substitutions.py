"""Placeholders a SAM template was meant to fill: `${Name}` left in a definition file.

SAM and CloudFormation replace `${Name}` from the state machine's `DefinitionSubstitutions` at
deploy time (AWS SAM, "AWS::Serverless::StateMachine — DefinitionSubstitutions"). A definition
read on its own still has them, so it is not what AWS would run: a `Resource` of
`${FnArn}` is no Task ARN and a `"Bucket": "${Bucket}"` names no bucket. Not one of
`validate_definition`'s rules, because a definition given as a mapping may carry such text on
purpose; `sluice validate` and `sluice execute` ask for it on the files they read.

Example:
    >>> [str(d) for d in unresolved_substitutions({"StartAt": "A", "States": {"A": {
    ...     "Type": "Task", "Resource": "${FnArn}", "End": True}}})]  # doctest: +ELLIPSIS
    ['UNRESOLVED_SUBSTITUTION: ${FnArn} is a DefinitionSubstitutions placeholder ... at /States/A/Resource']
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from sluice.asl.validation.diagnostics import Code, Diagnostic, Report
from sluice.asl.validation.walk import pointer

PLACEHOLDER = re.compile(r"\$\{([^}]+)\}")


def placeholders(definition: Mapping[str, Any]) -> list[str]:
    """The distinct placeholder names, sorted: `["BucketName", "FnArn"]`."""
    return sorted(set(PLACEHOLDER.findall(json.dumps(definition))))


def unresolved_substitutions(definition: Mapping[str, Any]) -> list[Diagnostic]:
    """One error per `${Name}` found in a key or a string value, with its pointer and state."""
    report = Report()
    _walk(definition, "", None, report, parent_key=None)
    return report.diagnostics


def _walk(value: Any, where: str, state: str | None, report: Report, parent_key: str | None) -> None:
    if isinstance(value, str):
        for name in PLACEHOLDER.findall(value):
            report.add(Code.UNRESOLVED_SUBSTITUTION,
                       f"${{{name}}} is a DefinitionSubstitutions placeholder that nothing replaced "
                       "(run the state machine through its template: sluice run <StateMachineLogicalId>)",
                       where, state)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _walk(key, where, state, report, None)
            # Under `States`, each key is a state's name: what follows belongs to that state.
            _walk(item, pointer(where, key), key if parent_key == "States" else state, report, key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _walk(item, pointer(where, index), state, report, None)
