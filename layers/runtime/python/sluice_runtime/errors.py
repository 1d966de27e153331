"""Error policy: which failures AWS retries, and which inputs are set aside with a reason.

* **Transient** failures (throttling, timeouts, 5xx, a claim still in progress, a failed synchronous
  execution) propagate, so the event source retries: EventBridge/Lambda async retries, the Kinesis
  checkpoint, SQS redelivery.
* **Permanent** failures (bad schema, unknown route, oversized payload, idempotency conflict) are never
  retried blindly: the input is quarantined (S3) or dead-lettered (SQS FIFO) with `reason`, a metric and
  an error log line.
* **Poison data** raised as a plain Python error is permanent too (`as_permanent`): a `UnicodeError`
  (a lone surrogate cannot be encoded), a `RecursionError` (hostile nesting), a `JSONDecodeError`, a
  pydantic `ValidationError`. Retrying the same bytes fails the same way, so a Kinesis shard would be
  retried and bisected until the records expire, and an SQS group would be blocked until
  `maxReceiveCount`: such inputs are set aside with a specific reason instead.
* Anything else unclassified (a botocore error, a bug) is treated as transient: an unexpected failure
  must end in the source's retry / on-failure path, never be dropped.

Callers catch `PermanentError` (or ask `as_permanent`) to set the input aside and let everything
else propagate; every class carries a stable `reason` used in quarantine reports, alerts and logs.

Example:
    >>> UnknownRoute("no pipeline for s3://raw/tmp/x").reason
    'unknown_route'
    >>> as_permanent(UnicodeEncodeError("utf-8", "\\ud800", 0, 1, "surrogates not allowed")).reason
    'invalid_unicode'
    >>> as_permanent(TimeoutError("read timed out")) is None
    True
"""

from __future__ import annotations

import json
import sys
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


class InvalidJson(InvalidEvent, ValueError):
    """A payload is not strict JSON (RFC 8259 / I-JSON RFC 7493): syntax, `NaN`, duplicate names, lone
    surrogates, hostile nesting. Also a `ValueError`, like the `json` module's own errors."""

    reason = "invalid_json"


class InvalidUnicode(InvalidEvent):
    """A value holds text that is not Unicode scalar values (a lone surrogate): it cannot be encoded."""

    reason = "invalid_unicode"


class TooDeeplyNested(InvalidEvent):
    """A value is nested deeper than the runtime can walk (`RecursionError`)."""

    reason = "too_deeply_nested"


class ObjectNotFound(PermanentError):
    """No object exists under any reading of the key an S3 event names."""

    reason = "object_not_found"


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


def as_permanent(error: BaseException) -> PermanentError | None:
    """The permanent error `error` amounts to, or None if it is (or may be) transient.

    Only errors that the same input would raise again are permanent; an unknown error stays transient.
    """
    if isinstance(error, PermanentError):
        return error
    detail = f"{type(error).__name__}: {error}"
    if isinstance(error, UnicodeError):
        return InvalidUnicode(f"the input holds text that is not valid Unicode ({detail})")
    if isinstance(error, RecursionError):
        return TooDeeplyNested(f"the input is nested too deeply to process ({detail})")
    if isinstance(error, json.JSONDecodeError):
        return InvalidJson(f"the input is not JSON ({detail})")
    # pydantic is imported only once a model was built: if it is not loaded, this is no ValidationError.
    pydantic_core = sys.modules.get("pydantic_core")
    if pydantic_core is not None and isinstance(error, pydantic_core.ValidationError):
        return InvalidEvent(f"the input does not match its schema ({detail})")
    return None
