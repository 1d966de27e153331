"""What Lambda's Python runtime sends back for one invocation: the response body, or the error payload.

The one place where sluice formats a handler's outcome the way AWS's Python runtime
(`awslambdaric`, `bootstrap.handle_event_request` and `lambda_runtime_marshaller`) does, used by the
engine's in-process `FunctionTable` and by the local stack's Lambda runtime:
- a result is JSON text with `json.dumps`' default separators (`", "`, `": "`); `bytes` are sent as
  they are; `ensure_ascii` is off on python3.12 only; what cannot be encoded is
  `Runtime.MarshalError` ("Unable to marshal response: …");
- an exception is `{"errorMessage": str(e), "errorType": type(e).__name__, "requestId",
  "stackTrace"}`, where `stackTrace` lists only the handler's frames (the runtime drops its own),
  formatted by `traceback.format_list` from (file, line, function, source) tuples — so without the
  column carets of Python 3.11+ — and with the function's code root shown as `/var/task`.

Example (a handler whose source is `/src/fn/app.py`):
    >>> import linecache
    >>> source = 'def handler(event, context):\\n    raise ValueError("bad")\\n'
    >>> linecache.cache["/src/fn/app.py"] = (len(source), None, source.splitlines(True), "/src/fn/app.py")
    >>> exec(compile(source, "/src/fn/app.py", "exec"))
    >>> try:
    ...     handler({}, None)
    ... except Exception as error:
    ...     payload = error_payload(error, "r-1", roots={"/src/fn": "/var/task"}, skip=1)
    >>> payload["stackTrace"]
    ['  File "/var/task/app.py", line 2, in handler\\n    raise ValueError("bad")\\n']
"""

from __future__ import annotations

import json
import os
import traceback
from collections.abc import Mapping
from typing import Any

# The Lambda runtime sluice's own functions use (pyproject, template.yaml).
DEFAULT_RUNTIME = "python3.13"
# awslambdaric turns `ensure_ascii` off for this runtime only (lambda_runtime_marshaller.Encoder).
_UNESCAPED_RUNTIMES = frozenset({"python3.12"})
TASK_ROOT = "/var/task"


class MarshalError(Exception):
    """The handler returned what the runtime cannot encode as JSON (`Runtime.MarshalError`)."""

    error_type = "Runtime.MarshalError"


RUNTIME_EXIT = "Runtime.ExitError"
SANDBOX_TIMEOUT = "Sandbox.Timedout"  # the function's own Timeout ran out


class HandlerInterrupt(BaseException):
    """sluice's own interruption of a handler (its timeout, an injected crash): a `BaseException`, so the
    handler's `except Exception` cannot swallow it, and never mistaken for the handler ending its runtime."""


def ends_the_runtime(error: BaseException) -> bool:
    """Whether `error`, escaping a handler, ends the Lambda runtime process: awslambdaric's bootstrap
    catches `Exception` only, so any other `BaseException` (`sys.exit()`, `GeneratorExit`, an
    `asyncio.CancelledError`, a library's own) exits Python. Not Ctrl-C, which stops sluice, nor
    sluice's own `HandlerInterrupt`s.

    Example:
        >>> [ends_the_runtime(e) for e in (SystemExit(3), BaseException("x"), KeyboardInterrupt(), ValueError())]
        [True, True, False, False]
    """
    return not isinstance(error, Exception | KeyboardInterrupt | HandlerInterrupt)


def runtime_exit_message(request_id: str, error: BaseException) -> str:
    """Lambda's message when a handler ends the runtime process (`ends_the_runtime`): `sys.exit()`, or
    another `BaseException` the bootstrap does not catch, with which Python exits with status 1.
    The error type is `RUNTIME_EXIT`, and the next invocation gets a new execution environment.

    Example:
        >>> runtime_exit_message("r-1", SystemExit(3))
        'RequestId: r-1 Error: Runtime exited with error: exit status 3'
        >>> runtime_exit_message("r-1", SystemExit())
        'RequestId: r-1 Error: Runtime exited without providing a reason'
    """
    code = error.code if isinstance(error, SystemExit) else 1
    status = code if isinstance(code, int) else 0 if code is None else 1  # sys.exit("text") exits 1
    reason = f"Runtime exited with error: exit status {status}" if status else \
        "Runtime exited without providing a reason"
    return f"RequestId: {request_id} Error: {reason}"


def to_json(value: Any, runtime: str = DEFAULT_RUNTIME) -> str:
    """JSON text as the Python runtime writes it (default separators)."""
    return json.dumps(value, ensure_ascii=runtime not in _UNESCAPED_RUNTIMES)


def response_body(result: Any, runtime: str = DEFAULT_RUNTIME) -> bytes:
    """The Invoke response body for a handler's return value."""
    if isinstance(result, bytes):
        return result
    try:
        return to_json(result, runtime).encode()
    except (TypeError, ValueError) as error:
        raise MarshalError(f"Unable to marshal response: {error}") from error


def error_payload(
    error: BaseException, request_id: str, *, roots: Mapping[str, str], skip: int = 0
) -> dict[str, Any]:
    """The runtime's payload for an exception raised out of a handler.

    `skip` drops the caller's own leading frames (the runtime drops `bootstrap.py`'s); `roots`
    maps host directories to the paths Lambda shows (the code directory to `/var/task`).
    """
    frames = traceback.extract_tb(error.__traceback__)[skip:]
    rows = [(_shown_path(frame.filename, roots), frame.lineno, frame.name, frame.line) for frame in frames]
    return {
        "errorMessage": str(error),
        "errorType": type(error).__name__,
        "requestId": request_id,
        "stackTrace": traceback.format_list(rows),  # type: ignore[arg-type]  # tuples, as awslambdaric
    }


def _shown_path(filename: str, roots: Mapping[str, str]) -> str:
    for root, shown in roots.items():
        prefix = root.rstrip(os.sep) + os.sep
        if filename.startswith(prefix):
            return f"{shown}/{filename[len(prefix):]}"
    return filename
