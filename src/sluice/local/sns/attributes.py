"""A subscription's filter attributes as SNS checks them when they are set (`Subscribe`,
`SetSubscriptionAttributes`), which moto does not: an invalid `FilterPolicy` or `FilterPolicyScope` is
refused with `InvalidParameter` (400) before the subscription changes, instead of crashing moto or
being taken as it is. `filter_of` gives the compiled policy the fan-out then matches messages with.

Example:
    >>> refusal(ApiCall("sns", "Subscribe", {"Attributes": {"FilterPolicy": "[1]"}})).message
    'Invalid parameter: FilterPolicy: a pattern must be a non-empty JSON object, not an array'
    >>> filter_of('{"store": ["example_corp"]}', "MessageAttributes") is not None
    True
"""

from __future__ import annotations

import json
from typing import Any

from sluice import json_text
from sluice.local.eventbridge.patterns import PatternError
from sluice.local.faults.errors import AwsError, aws_error
from sluice.local.hooks import ApiCall
from sluice.local.sns.filter_policy import SCOPES, FilterPolicy

FILTER_ATTRIBUTES = ("FilterPolicy", "FilterPolicyScope")
DEFAULT_SCOPE = "MessageAttributes"


def filter_of(policy: Any, scope: Any) -> FilterPolicy | None:
    """The compiled policy (None when there is none: SNS removes it when set to an empty string);
    `PatternError` or `ValueError` when it is invalid."""
    if policy is None or policy == "":
        return None
    document = policy if isinstance(policy, dict) else json_text.loads(str(policy))
    return FilterPolicy(document, str(scope or DEFAULT_SCOPE))


def refusal(call: ApiCall) -> AwsError | None:
    """SNS's error for filter attributes it would refuse; None for anything else."""
    if call.service != "sns":
        return None
    if call.operation == "Subscribe":
        attributes = call.params.get("Attributes") or {}
    elif call.operation == "SetSubscriptionAttributes" and call.params.get("AttributeName") in FILTER_ATTRIBUTES:
        attributes = {call.params["AttributeName"]: call.params.get("AttributeValue")}
    else:
        return None
    scope = attributes.get("FilterPolicyScope")
    if scope is not None and scope not in SCOPES:
        return _invalid("FilterPolicyScope", f"must be one of {', '.join(SCOPES)}")
    try:
        filter_of(attributes.get("FilterPolicy"), scope)
    except json.JSONDecodeError as error:
        return _invalid("FilterPolicy", f"failed to parse JSON: {error.msg}")
    except (PatternError, ValueError) as error:
        return _invalid("FilterPolicy", str(error).removeprefix("Event pattern is not valid. Reason: "))
    return None


def _invalid(attribute: str, reason: str) -> AwsError:
    return aws_error("sns", "InvalidParameter", status=400, message=f"Invalid parameter: {attribute}: {reason}")
