"""Lambda tasks: invoking a function and turning its outcome into what Step Functions reports.

Two ways to call Lambda from a Task, with different result shapes (AWS docs, "Invoke an AWS Lambda
function with Step Functions"):
- `Resource: arn:aws:lambda:...:function:NAME` (legacy) returns the function's payload as the result;
- `Resource: arn:aws:states:::lambda:invoke` returns the Invoke API response:
  `{"ExecutedVersion", ["LogResult",] "Payload", "SdkHttpMetadata", "SdkResponseMetadata", "StatusCode"}`
  with the HTTP headers Lambda sent (`Content-Length` of the body, `Date`, `X-Amzn-Trace-Id` …).
A `null` request payload reaches the function as `{}`, and a `null` response payload is reported as
`{}` (both forms; LocalStack's AWS-validated snapshots, `test_lambda_task*.py::test_invoke`).

A handler exception becomes an error named after its `errorType`; the cause is the runtime's error
payload (`sluice.asl.tasks.lambda_runtime`): verbatim for the legacy form, re-serialised as compact
JSON by the `lambda:invoke` integration (AWS-recorded corpus, `TestTaskServiceLambda`). A payload
without an error type is `Lambda.Unknown`; a function that does not exist is
`Lambda.ResourceNotFoundException` with the Java SDK v1 message Step Functions shows.

Example:
    >>> invoker = FunctionTable({"double": lambda event, context: event * 2})
    >>> invoker.invoke("double", 21, request_id="r-1")
    42
"""

from __future__ import annotations

import base64
import inspect
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sluice import json_text
from sluice.asl.errors import StatesError
from sluice.asl.tasks.lambda_runtime import (
    DEFAULT_RUNTIME,
    RUNTIME_EXIT,
    TASK_ROOT,
    MarshalError,
    ends_the_runtime,
    error_payload,
    response_body,
    runtime_exit_message,
    to_json,
)
from sluice.asl.tasks.resources import function_name

Handler = Callable[[Any, Any], Any]
LATEST = "$LATEST"


class LambdaFunctionError(Exception):
    """A function error reported by a Lambda runtime (the `FunctionError` of an Invoke).

    `body` is the error payload's text as the runtime sent it, when known.
    """

    def __init__(self, error_type: str | None, message: str, stack_trace: list[str] | None = None,
                 body: str | None = None) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.stack_trace = stack_trace or []
        self.body = body


@dataclass(frozen=True)
class Invoked:
    """What a `LambdaInvoker` that knows Lambda versions returns: the function's response and the
    version that ran (the Invoke API's `ExecutedVersion`; an alias runs the version it points to).

    Example:
        >>> Invoked({"ok": True}, executed_version="3").executed_version
        '3'
    """

    payload: Any
    executed_version: str = LATEST


@dataclass(frozen=True)
class InProcessFunction:
    """A handler plus the Lambda runtime it stands for (which changes how its JSON is written)."""

    handler: Handler
    runtime: str = DEFAULT_RUNTIME


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
    """Resolve Lambda invocations to in-process Python callables, by function name.

    A name has one callable and no published versions: a qualifier (`f:live`, or `Qualifier`)
    runs it too, reported as `$LATEST`. The directory of a handler's source file is its code root,
    shown as `/var/task` in stack traces (`functions/ingest/app.py` -> `/var/task/app.py`). A
    handler's `bytes` are returned as they are: they are the raw response body.
    """

    def __init__(
        self, handlers: Mapping[str, Handler | InProcessFunction], region: str = "us-east-1",
        account: str = "123456789012",
    ) -> None:
        self._functions = {name: f if isinstance(f, InProcessFunction) else InProcessFunction(f)
                           for name, f in handlers.items()}
        self._region = region
        self._account = account

    def invoke(self, function: str, payload: Any, *, request_id: str, qualifier: str | None = None) -> Any:
        del qualifier  # no versions here (see the class docstring)
        name = function_name(function)
        found = self._functions.get(name)
        if found is None:
            raise function_not_found(function, self._region, self._account, request_id)
        arn = f"arn:aws:lambda:{self._region}:{self._account}:function:{name}"
        context = SimpleLambdaContext(name, request_id, arn)
        try:
            result = found.handler(payload, context)
            body = response_body(result, found.runtime)
        except MarshalError as error:
            raise LambdaFunctionError(error.error_type, str(error)) from error
        except Exception as error:  # a handler may raise anything: AWS reports it by class name
            details = error_payload(error, request_id, roots={_code_root(found.handler): TASK_ROOT}, skip=1)
            raise LambdaFunctionError(details["errorType"], details["errorMessage"], details["stackTrace"],
                                      to_json(details, found.runtime)) from error
        except BaseException as error:  # the handler ended the runtime process (sys.exit), or Ctrl-C
            if not ends_the_runtime(error):
                raise
            raise LambdaFunctionError(RUNTIME_EXIT, runtime_exit_message(request_id, error)) from error
        return body if isinstance(result, bytes) else result


def _code_root(handler: Handler) -> str:
    try:
        source = inspect.getsourcefile(inspect.unwrap(handler))
    except TypeError:  # a builtin or a callable object without source
        return "/nonexistent"
    return str(Path(source).parent) if source else "/nonexistent"


def function_not_found(function: str, region: str, account: str, request_id: str) -> StatesError:
    """`Lambda.ResourceNotFoundException` with the cause Step Functions shows (the Java SDK v1 text).

    Invoke names the version it looked for: an unqualified function is `$LATEST` (recorded: LocalStack's
    test_task_service_lambda test_no_such_function, and Lambda's own test_invoke_exceptions).

    Example:
        >>> function_not_found("nope", "us-east-1", "123456789012", "r-1").cause.split(" (")[0]
        'Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope:$LATEST'
    """
    if function.startswith("arn:"):
        arn = function if function.count(":") > 6 else f"{function}:$LATEST"
    else:
        name, _, qualifier = function.partition(":")
        arn = f"arn:aws:lambda:{region}:{account}:function:{name}:{qualifier or '$LATEST'}"
    return lambda_api_error("ResourceNotFoundException", 404, f"Function not found: {arn}", request_id)


def lambda_api_error(code: str, status: int, message: str, request_id: str) -> StatesError:
    """A Lambda API error as a Task reports it: `Lambda.<code>`, the cause in the Java SDK v1 form.

    Example:
        >>> lambda_api_error("TooManyRequestsException", 429, "Rate Exceeded.", "r-1").cause
        'Rate Exceeded. (Service: AWSLambda; Status Code: 429; Error Code: TooManyRequestsException; ...)'
    """
    return StatesError(
        f"Lambda.{code}",
        f"{message} (Service: AWSLambda; Status Code: {status}; Error Code: {code}; Request ID: {request_id}; "
        "Proxy: null)",
    )


def request_payload(payload: Any) -> Any:
    """What the function receives: `null` becomes `{}`; a string `Payload` of `lambda:invoke` is
    sent as JSON text when it is valid JSON (`"0"` arrives as `0`), else as a JSON string."""
    if payload is None:
        return {}
    return payload


def invoke_payload(payload: Any) -> Any:
    """The `Payload` parameter of `lambda:invoke` as the function receives it."""
    if isinstance(payload, str):
        try:
            return request_payload(json_text.loads(payload))
        except json.JSONDecodeError:
            return payload
    return request_payload(payload)


def function_error(error: LambdaFunctionError, request_id: str, *, legacy: bool) -> StatesError:
    """The Step Functions error for a failed invocation."""
    if not error.error_type:
        return StatesError("Lambda.Unknown", error.body or error.message)
    if error.body is not None:
        payload = json_text.loads(error.body)
        text = error.body
    else:
        payload = {"errorMessage": error.message, "errorType": error.error_type, "requestId": request_id,
                   "stackTrace": error.stack_trace}
        text = to_json(payload)
    cause = text if legacy else json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    return StatesError(error.error_type, cause)


def response_value(result: Any) -> Any:
    """The function's payload as Step Functions parses it from the response body."""
    if isinstance(result, bytes):
        text = result.decode("utf-8", "replace")
        try:
            result = json_text.loads(text)
        except json.JSONDecodeError:
            return text
    return {} if result is None else result


def invoke_response(result: Any, request_id: str, *, requested_at: float, duration_ms: float,
                    log_tail: bool = False, executed_version: str = LATEST) -> dict[str, Any]:
    """The `lambda:invoke` optimized-integration result (`result`: the function's response).

    `ExecutedVersion` and the `X-Amz-Executed-Version` header name the version that ran: `1` when
    the task named an alias of version 1 (Invoke API reference, "ExecutedVersion: The version of the
    function that executed. When you invoke a function with an alias, this indicates which version
    the alias resolved to.").
    """
    from email.utils import format_datetime  # noqa: PLC0415 - with urllib, ~5 ms a Pass/Choice run never needs

    length = str(len(result if isinstance(result, bytes) else to_json(result).encode()))
    date = format_datetime(datetime.fromtimestamp(requested_at, tz=UTC), usegmt=True)
    trace = f"Root=1-{int(requested_at):08x}-{request_id.replace('-', '')[:24]};Sampled=0"
    all_headers: dict[str, Any] = {
        "X-Amz-Executed-Version": [executed_version],
        "x-amzn-Remapped-Content-Length": ["0"],
        "Connection": ["keep-alive"],
        "x-amzn-RequestId": [request_id],
        "Content-Length": [length],
        "Date": [date],
        "X-Amzn-Trace-Id": [trace],
        "Content-Type": ["application/json"],
    }
    headers: dict[str, Any] = {
        "Connection": "keep-alive",
        "Content-Length": length,
        "Content-Type": "application/json",
        "Date": date,
        "X-Amz-Executed-Version": executed_version,
        "x-amzn-Remapped-Content-Length": "0",
        "x-amzn-RequestId": request_id,
        "X-Amzn-Trace-Id": trace,
    }
    response: dict[str, Any] = {"ExecutedVersion": executed_version}
    if log_tail:
        # `LogType: Tail`: the last 4 KB of the invocation's log, base64 (Invoke API reference).
        log = _tail_log(request_id, duration_ms, executed_version)
        all_headers["X-Amz-Log-Result"] = [log]
        headers["X-Amz-Log-Result"] = log
        response["LogResult"] = log
    return response | {
        "Payload": response_value(result),
        "SdkHttpMetadata": {"AllHttpHeaders": all_headers, "HttpHeaders": headers, "HttpStatusCode": 200},
        "SdkResponseMetadata": {"RequestId": request_id},
        "StatusCode": 200,
    }


def _tail_log(request_id: str, duration_ms: float, version: str) -> str:
    billed = max(1, round(duration_ms + 0.5))
    text = (f"START RequestId: {request_id} Version: {version}\nEND RequestId: {request_id}\n"
            f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\tBilled Duration: {billed} ms\t"
            "Memory Size: 128 MB\tMax Memory Used: 40 MB\t\n")
    return base64.b64encode(text.encode()[-4096:]).decode()


def elapsed_ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
