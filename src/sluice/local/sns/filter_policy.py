"""SNS subscription filter policies ("Amazon SNS message filtering").

A filter policy uses the operators of EventBridge's content filter — exact values, `prefix`,
`suffix`, `equals-ignore-case`, `anything-but`, `numeric`, `exists`, `cidr`, `$or` — with the
same meaning, so it is compiled by `sluice.local.eventbridge.patterns`. What differs is the
document it is matched against, built here:

- `FilterPolicyScope: MessageAttributes` (the default): the message attributes, each by name —
  a `String` attribute as a string, a `Number` as a number (numeric conditions match only
  those), a `String.Array` as its JSON array (any element may match); `Binary` attributes are
  never matched;
- `FilterPolicyScope: MessageBody`: the message parsed as JSON (a message that is not a JSON
  object matches nothing).

Example:
    >>> policy = FilterPolicy({"store": ["example_corp"], "price_usd": [{"numeric": [">=", 100]}]})
    >>> policy.matches("{}", {"store": {"DataType": "String", "StringValue": "example_corp"},
    ...                       "price_usd": {"DataType": "Number", "StringValue": "210.75"}})
    True
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sluice import json_text
from sluice.local.eventbridge.patterns import Pattern, compile_pattern

SCOPES = ("MessageAttributes", "MessageBody")


class FilterPolicy:
    """A compiled filter policy; raises `PatternError` (or ValueError for a scope) when invalid."""

    def __init__(self, policy: Mapping[str, Any] | str, scope: str = "MessageAttributes") -> None:
        if scope not in SCOPES:
            raise ValueError(f"FilterPolicyScope must be one of {', '.join(SCOPES)}, not {scope!r}")
        self.scope = scope
        self.source = policy  # the policy as given (a new scope compiles it again)
        self.pattern: Pattern = compile_pattern(policy)

    def matches(self, message: str, attributes: Mapping[str, Mapping[str, Any]]) -> bool:
        if self.scope == "MessageBody":
            try:
                body = json_text.loads(message)
            except json.JSONDecodeError:
                return False
            return isinstance(body, dict) and self.pattern.matches(body)
        return self.pattern.matches(_document(attributes))


def _document(attributes: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for name, attribute in attributes.items():
        data_type = str(attribute.get("DataType", ""))
        value = attribute.get("StringValue")
        if value is None or data_type.startswith("Binary"):
            continue
        if data_type.startswith("Number"):
            try:
                document[name] = float(value) if any(mark in value for mark in ".eE") else int(value)
            except ValueError:
                continue  # SNS rejects such a Publish; nothing to match
        elif data_type == "String.Array":
            try:
                document[name] = json_text.loads(value)
            except json.JSONDecodeError:
                continue
        else:
            document[name] = value
    return document
