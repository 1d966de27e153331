"""The `context` object a Python handler receives, as the Lambda runtime builds it.

Example:
    >>> with limit(30) as deadline:
    ...     context = LambdaContext("fn", "$LATEST", "arn:aws:lambda:us-east-1:123456789012:function:fn", 512,
    ...                             "7c1d", "/aws/lambda/fn", "2024/06/11/[$LATEST]7c1d", deadline)
    ...     time.sleep(10)  # virtual under a deadline: returns at once
    ...     round(context.get_remaining_time_in_millis(), -3)
    20000
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sluice.local.lambda_.timeouts import Deadline


@dataclass
class CognitoIdentity:
    cognito_identity_id: str | None = None
    cognito_identity_pool_id: str | None = None


@dataclass
class LambdaContext:
    """Same attribute names as `awslambdaric`'s LambdaContext; remaining time counts down from
    the function's `Timeout` as its deadline does: the host's time plus what the handler slept."""

    function_name: str
    function_version: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    aws_request_id: str
    log_group_name: str
    log_stream_name: str
    deadline: Deadline = field(repr=False)
    identity: CognitoIdentity = field(default_factory=CognitoIdentity)
    client_context: Any = None
    tenant_id: str | None = None

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int(self.deadline.remaining() * 1000))

    def log(self, message: str) -> None:
        """`context.log(...)`, which the Python runtime also offers."""
        print(message, end="" if message.endswith("\n") else "\n")
