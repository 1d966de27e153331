"""Lambda tasks: invoking a function and turning its outcome into what Step Functions reports.

Two ways to call Lambda from a Task, with different result shapes (AWS docs, "Invoke Lambda"):
- `Resource: arn:aws:lambda:...:function:NAME` returns the function's payload as the result;
- `Resource: arn:aws:states:::lambda:invoke` returns the Invoke API response:
  `{"ExecutedVersion", "Payload", "SdkHttpMetadata", "SdkResponseMetadata", "StatusCode"}`.
A handler exception becomes an error named after the exception class with the Lambda error
JSON as cause (`{"errorMessage", "errorType", "requestId", "stackTrace"}`); a function that does
not exist is `Lambda.ResourceNotFoundException`; a crash without an error type is `Lambda.Unknown`.

Example:
    >>> invoker = FunctionTable({"double": lambda event, context: event * 2})
    >>> invoker.invoke("double", 21, request_id="r-1")
    42
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sluice.asl.errors import StatesError
from sluice.asl.tasks.resources import function_name

Handler = Callable[[Any, Any], Any]


class LambdaFunctionError(Exception):
    """A function error reported by a Lambda runtime (the `FunctionError` of an Invoke)."""

    def __init__(self, error_type: str | None, message: str, stack_trace: list[str] | None = None) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.stack_trace = stack_trace or []


@dataclass
class SimpleLambdaContext:
    """The `context` a plain-callable handler receives when no local stack provides one."""

    function_name: str
    aws_request_id: str
    invoked_function_arn: str
    memory_limit_in_mb: int = 128
    function_version: str = "$LATEST"

    def get_remaining_time_in_millis(self) -> int:
        return 900_000


class FunctionTable:
    """Resolve Lambda invocations to in-process Python callables, by function name."""

    def __init__(
        self, handlers: Mapping[str, Handler], region: str = "us-east-1", account: str = "123456789012"
    ) -> None:
        self._handlers = dict(handlers)
        self._region = region
        self._account = account

    def invoke(self, function: str, payload: Any, *, request_id: str) -> Any:
        name = function_name(function)
        handler = self._handlers.get(name)
        arn = f"arn:aws:lambda:{self._region}:{self._account}:function:{name}"
        if handler is None:
            raise StatesError(
                "Lambda.ResourceNotFoundException",
                f"Function not found: {arn} (Service: Lambda, Status Code: 404, Error Code: ResourceNotFoundException)",
            )
        context = SimpleLambdaContext(name, request_id, arn)
        try:
            return handler(payload, context)
        except Exception as error:  # a handler may raise anything: AWS reports it by class name
            raise LambdaFunctionError(
                type(error).__name__, str(error), traceback.format_tb(error.__traceback__)
            ) from error


def function_error(error: LambdaFunctionError, request_id: str) -> StatesError:
    """The Step Functions error for a failed invocation."""
    if error.error_type is None:
        return StatesError("Lambda.Unknown", error.message)
    cause = {
        "errorMessage": error.message,
        "errorType": error.error_type,
        "requestId": request_id,
        "stackTrace": error.stack_trace,
    }
    return StatesError(error.error_type, json.dumps(cause, separators=(",", ":")))


def invoke_response(payload: Any, request_id: str) -> dict[str, Any]:
    """The `lambda:invoke` optimized-integration result."""
    body = json.dumps(payload, separators=(",", ":"))
    return {
        "ExecutedVersion": "$LATEST",
        "Payload": payload,
        "SdkHttpMetadata": {
            "AllHttpHeaders": {
                "X-Amz-Executed-Version": ["$LATEST"],
                "x-amzn-Remapped-Content-Length": ["0"],
                "Connection": ["keep-alive"],
                "x-amzn-RequestId": [request_id],
                "Content-Length": [str(len(body))],
                "Content-Type": ["application/json"],
            },
            "HttpHeaders": {
                "Connection": "keep-alive",
                "Content-Length": str(len(body)),
                "Content-Type": "application/json",
                "X-Amz-Executed-Version": "$LATEST",
                "x-amzn-Remapped-Content-Length": "0",
                "x-amzn-RequestId": request_id,
            },
            "HttpStatusCode": 200,
        },
        "SdkResponseMetadata": {"RequestId": request_id},
        "StatusCode": 200,
    }
