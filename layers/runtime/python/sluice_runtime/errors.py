"""Error policy: which failures AWS retries, and which inputs are set aside with a reason.

* **Transient** failures (throttling, timeouts, 5xx, a claim still in progress, a failed synchronous
  execution) propagate, so the event source retries: EventBridge/Lambda async retries, the Kinesis
  checkpoint, SQS redelivery.
* **Permanent** failures (bad schema, unknown route, oversized payload, idempotency conflict) are never
  retried blindly: the input is quarantined (S3) or dead-lettered (SQS FIFO) with `reason`, a metric and
  an error log line.
* Anything unclassified (a botocore error, a bug) is treated as transient: an unexpected failure must
  end in the source's retry / on-failure path, never be dropped.

Callers catch `PermanentError` to set the input aside and let everything else propagate; every
class carries a stable `reason` used in quarantine reports, alerts and logs.

Example:
    >>> UnknownRoute("no pipeline for s3://raw/tmp/x").reason
    'unknown_route'
"""

from __future__ import annotations

from typing import Any, ClassVar


class SluiceError(Exception):
    """Base class: a message for humans plus a stable machine `reason` and structured context."""

    reason: ClassVar[str] = "error"

    def __init__(self, message: str, **context: Any) -> None:
        super().__init__(message)
        self.context = context


class PermanentError(SluiceError):
    """Retrying cannot help: set the input aside with a reason."""

    reason = "permanent"


class InvalidEvent(PermanentError):
    """The event does not match the schema we accept (malformed body, missing field, bad encoding)."""

    reason = "invalid_event"


class UnknownRoute(PermanentError):
    """No pipeline in the registry is triggered by this event."""

    reason = "unknown_route"


class OversizedPayload(PermanentError):
    """A record is larger than its pipeline accepts, even by reference."""

    reason = "oversized_payload"


class IdempotencyConflict(PermanentError):
    """The same idempotency key arrived with different content: loud, never a silent skip."""

    reason = "idempotency_conflict"


class TransientError(SluiceError):
    """Retry later: let the event source redeliver."""

    reason = "transient"


class ClaimInProgress(TransientError):
    """Another invocation holds the claim for this key and has not finished (or not yet timed out)."""

    reason = "claim_in_progress"


class ExecutionFailed(TransientError):
    """A synchronous Express execution ended FAILED / TIMED_OUT: the input is redelivered, not acked."""

    reason = "execution_failed"


class Deferred(TransientError):
    """Not enough invocation time left to process this input safely; it is redelivered."""

    reason = "deferred"


class ConfigurationError(SluiceError):
    """The deployment is wrong (missing env var, bad registry). Raised so the input stays retryable."""

    reason = "configuration"
