"""The runtime's one policy for AWS errors: what AWS may fix by itself is a `TransientError`.

botocore's standard retry mode already retries throttling and 5xx a few times inside the invocation
(`clients`). What still fails after that is raised as `sluice_runtime.errors.TransientError` - a
classified error, which every Task of the pipelines retries with backoff and jitter and every event
source redelivers - naming the action that failed. Everything else (403, a missing resource, a bug)
propagates unchanged.

Example:
    >>> from botocore.exceptions import ClientError
    >>> throttled = ClientError({"Error": {"Code": "ThrottlingException"}}, "StartExecution")
    >>> is_transient(throttled)
    True
    >>> with transient_errors("StartExecution raw-objects-1"):
    ...     raise throttled
    Traceback (most recent call last):
    ...
    sluice_runtime.errors.TransientError: StartExecution raw-objects-1: An error occurred (ThrottlingException) \
when calling the StartExecution operation: Unknown
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from sluice_runtime.errors import TransientError

# Error codes AWS documents as retryable, beyond any 5xx status (botocore's own retry table uses the
# same throttling names; SQS says `RequestThrottled`, Step Functions `ExecutionLimitExceeded` when
# too many executions are open at once).
TRANSIENT_CODES = frozenset({
    "SlowDown", "Throttling", "ThrottlingException", "ThrottledException", "RequestTimeout",
    "RequestLimitExceeded", "TooManyRequestsException", "ProvisionedThroughputExceededException",
    "InternalError", "InternalServerError", "ServiceUnavailable", "KMS.ThrottlingException",
    "RequestThrottled", "ExecutionLimitExceeded",
})


def is_transient(error: BaseException) -> bool:
    """True for throttling (HTTP 429 or a code naming it), 5xx and connection-level failures."""
    if isinstance(error, HTTPClientError | BotoConnectionError):
        return True
    if isinstance(error, ClientError):
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        code = error_code(error)
        # Each service names its throttles its own way - SNS `Throttled` (429), SNS `KMSThrottling`,
        # SQS `KmsThrottled`, Step Functions `KmsThrottlingException` (botocore's service models) - so
        # any code that says it was throttled is one, beside the listed codes.
        return status >= 500 or status == 429 or code in TRANSIENT_CODES or "throttl" in code.lower()
    return False


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


@contextmanager
def transient_errors(action: str) -> Iterator[None]:
    """Re-raise what AWS may fix by itself as `TransientError` naming `action`."""
    try:
        yield
    except (ClientError, HTTPClientError, BotoConnectionError) as error:
        if is_transient(error):
            raise TransientError(f"{action}: {error}", action=action) from error
        raise
