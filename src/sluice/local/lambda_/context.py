"""The `context` object a Python handler receives, as the Lambda runtime builds it.

Example:
    >>> context = LambdaContext.for_invocation(spec, request_id="7c1d…", deadline=monotonic() + 30)
    >>> context.function_name, context.memory_limit_in_mb
    ('sluice-dev-IngestFunction-…', 512)
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class CognitoIdentity:
    cognito_identity_id: str | None = None
    cognito_identity_pool_id: str | None = None


@dataclass
class LambdaContext:
    """Same attribute names as `awslambdaric`'s LambdaContext; remaining time counts down from
    the function's `Timeout` in real time (the handler runs on the host's clock)."""

    function_name: str
    function_version: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    aws_request_id: str
    log_group_name: str
    log_stream_name: str
    deadline: float = field(repr=False)
    identity: CognitoIdentity = field(default_factory=CognitoIdentity)
    client_context: Any = None
    tenant_id: str | None = None

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))

    def log(self, message: str) -> None:
        """`context.log(...)`, which the Python runtime also offers."""
        print(message, end="" if message.endswith("\n") else "\n")
