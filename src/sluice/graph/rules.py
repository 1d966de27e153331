"""Choice rules as short edge labels: `$.verdict == "valid"`, `$.n > 3 and $.ok is present`.

Example:
    >>> describe_rule({"Variable": "$.n", "NumericGreaterThan": 3, "Next": "Big"})
    '$.n > 3'
"""

from __future__ import annotations

import json
from typing import Any

_COMPARISONS = {"Equals": "==", "LessThan": "<", "GreaterThan": ">", "LessThanEquals": "<=",
                "GreaterThanEquals": ">="}
_TYPE_TESTS = {"IsNull": "null", "IsNumeric": "numeric", "IsString": "a string", "IsBoolean": "a boolean",
               "IsTimestamp": "a timestamp", "IsPresent": "present"}


def describe_rule(rule: dict[str, Any]) -> str:
    """A Choice rule (JSONPath operators, `And`/`Or`/`Not`, or a JSONata `Condition`) in one line."""
    if "Condition" in rule:
        condition = str(rule["Condition"])
        return condition.removeprefix("{%").removesuffix("%}").strip()
    if "And" in rule or "Or" in rule:
        joiner = " and " if "And" in rule else " or "
        parts = [describe_rule(part) for part in rule.get("And", rule.get("Or", []))]
        return joiner.join(f"({part})" if " and " in part or " or " in part else part for part in parts)
    if "Not" in rule:
        return f"not ({describe_rule(rule['Not'])})"
    variable = str(rule.get("Variable", "?"))
    for operator, value in rule.items():
        if operator in ("Variable", "Next", "Assign", "Output", "Comment"):
            continue
        if operator in _TYPE_TESTS:
            verb = "is" if value else "is not"
            return f"{variable} {verb} {_TYPE_TESTS[operator]}"
        if operator.endswith("Matches"):
            return f"{variable} matches {json.dumps(value)}"
        is_path = operator.endswith("Path")
        base = operator.removesuffix("Path")
        for suffix, symbol in _COMPARISONS.items():
            if base.endswith(suffix):
                shown = str(value) if is_path else json.dumps(value)
                return f"{variable} {symbol} {shown}"
    return variable
