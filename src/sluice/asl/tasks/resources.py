"""Classify a Task `Resource` ARN: a Lambda function, an optimized integration, an AWS SDK call
or an activity — and its integration pattern (request-response, `.sync`, `.waitForTaskToken`).

Example:
    >>> parse_resource("arn:aws:states:::sqs:sendMessage.waitForTaskToken")
    Resource(kind='optimized', service='sqs', action='sendMessage', pattern='waitForTaskToken', ...)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

LAMBDA_FUNCTION = "lambda-function"
OPTIMIZED = "optimized"
SDK = "aws-sdk"
ACTIVITY = "activity"

REQUEST_RESPONSE = "requestResponse"
SYNC = "sync"
SYNC_2 = "sync:2"
WAIT_FOR_TASK_TOKEN = "waitForTaskToken"


@dataclass(frozen=True)
class Resource:
    kind: str
    service: str
    action: str
    pattern: str
    arn: str

    @property
    def action_name(self) -> str:
        """`resource` as Task history events show it: the action plus its pattern suffix."""
        return self.action if self.pattern == REQUEST_RESPONSE else f"{self.action}.{self.pattern}"

    @property
    def resource_type(self) -> str:
        """`resourceType` as history events show it (e.g. `lambda`, `aws-sdk:s3`)."""
        return f"aws-sdk:{self.service}" if self.kind == SDK else self.service


@lru_cache(maxsize=512)
def parse_resource(arn: str) -> Resource:
    """Split a Task Resource ARN; raise ValueError naming the ARN when it is not one."""
    parts = arn.split(":")
    if len(parts) < 6 or parts[0] != "arn":
        raise ValueError(f"'{arn}' is not a valid Task Resource ARN")
    service = parts[2]
    if service == "lambda" and parts[5] == "function":
        return Resource(LAMBDA_FUNCTION, "lambda", "invoke", REQUEST_RESPONSE, arn)
    if service == "states" and parts[5] == "activity":
        return Resource(ACTIVITY, "activity", "", REQUEST_RESPONSE, arn)
    if service != "states" or len(parts) < 7:
        raise ValueError(f"'{arn}' is not a valid Task Resource ARN")
    target = parts[5]
    action_with_pattern = ":".join(parts[6:])
    action, _, pattern = action_with_pattern.partition(".")
    if target == "aws-sdk":
        service_name, _, action = action.partition(":")
        return Resource(SDK, service_name, action, pattern or REQUEST_RESPONSE, arn)
    return Resource(OPTIMIZED, target, action, pattern or REQUEST_RESPONSE, arn)


def function_name(identifier: str) -> str:
    """Lambda accepts a name, a partial ARN or a full ARN (with optional qualifier)."""
    if identifier.startswith("arn:"):
        return identifier.split(":")[6]
    if ":function:" in identifier:
        return identifier.split(":function:")[1].split(":", maxsplit=1)[0]
    return identifier.split(":", maxsplit=1)[0]
