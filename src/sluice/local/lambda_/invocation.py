"""The record of one function invocation: what went in, what came out, what it logged."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

SYNC = "RequestResponse"
ASYNC = "Event"
LATEST = "$LATEST"


@dataclass
class FunctionError:
    """A handler error as the Lambda runtime reports it."""

    error_type: str
    message: str
    stack_trace: list[str] = field(default_factory=list)
    #: Whose runtime reported it: Python's and Node.js's runtimes shape the payload differently.
    style: Literal["python", "nodejs"] = "python"

    def payload(self, request_id: str) -> dict[str, Any]:
        """The response payload of a failed invocation (`FunctionError: Unhandled`): Python's runtime gives
        `stackTrace` and the request id, Node.js's its `trace` (the error's stack lines)."""
        if self.style == "nodejs":
            return {"errorType": self.error_type, "errorMessage": self.message, "trace": self.stack_trace}
        return {"errorMessage": self.message, "errorType": self.error_type, "requestId": request_id,
                "stackTrace": self.stack_trace}


#: A streamed response's limit (Lambda developer guide: "Response streaming": 20 MB by default).
MAX_STREAMED_RESPONSE = 20 * 1024 * 1024


@dataclass(frozen=True)
class StreamedResponse:
    """What a response-streaming handler wrote, as one value: held to the streaming limit, not Invoke's 6 MB."""

    value: Any


class ReportedError(Exception):
    """A failed invocation as a runtime outside this process reported it (Node.js's); `ends_environment`
    when that runtime's process is gone, as after an uncaught exception."""

    def __init__(self, error: FunctionError, *, ends_environment: bool) -> None:
        super().__init__(f"{error.error_type}: {error.message}")
        self.error = error
        self.ends_environment = ends_environment


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
