"""The record of one function invocation: what went in, what came out, what it logged."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SYNC = "RequestResponse"
ASYNC = "Event"
LATEST = "$LATEST"


@dataclass
class FunctionError:
    """A handler error as the Lambda runtime reports it."""

    error_type: str
    message: str
    stack_trace: list[str] = field(default_factory=list)

    def payload(self, request_id: str) -> dict[str, Any]:
        """The response payload of a failed invocation (`FunctionError: Unhandled`)."""
        return {"errorMessage": self.message, "errorType": self.error_type, "requestId": request_id,
                "stackTrace": self.stack_trace}


@dataclass
class Invocation:
    """One run of a handler. `ok` is False when the handler raised, timed out or failed to load."""

    function: str
    function_name: str
    request_id: str
    event: Any
    invocation_type: str = SYNC
    attempt: int = 1
    #: The version that ran (`$LATEST`, or a published version's number when called by version or alias).
    version: str = LATEST
    #: The ARN the caller used (qualified when it named a version or alias); the function's ARN if None.
    invoked_arn: str | None = None
    started_at: float = 0.0
    result: Any = None
    error: FunctionError | None = None
    logs: str = ""
    duration_ms: float = 0.0
    init_duration_ms: float | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def response(self) -> Any:
        """What the caller receives: the result, or the error payload."""
        return self.result if self.error is None else self.error.payload(self.request_id)

    def __repr__(self) -> str:
        outcome = "ok" if self.ok else f"{self.error.error_type if self.error else ''}"
        return f"<Invocation {self.function} {self.request_id} {outcome} {self.duration_ms:.1f}ms>"
