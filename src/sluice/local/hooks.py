"""See every AWS call made in this process — by handlers, integrations and tests alike.

botocore copies `botocore.handlers.BUILTIN_HANDLERS` into every session it creates (the hook moto
itself uses), so handlers registered there reach every client created afterwards, whoever creates
it. They are registered when this module is imported (and on boto3's default session, if one
already exists, when a listener starts):

- `before-parameter-build`: remember the call's parameters (later events do not carry them);
- `before-call`: let the active stack answer a call itself (Lambda `Invoke` runs in-process);
- `after-call`: tell the active stack what happened (an object was written, a message sent…),
  which is what drives the event wiring;

and, last at `before-send`, a guard: a call nothing local answered is refused, never sent to AWS.

Outside an open stack the handlers do nothing.

Example:
    >>> class Printer:
    ...     def intercept(self, call): return None
    ...     def observe(self, call): print(call.service, call.operation, call.ok)
    >>> with listening(Printer()):
    ...     boto3.client("s3").create_bucket(Bucket="b")
    s3 CreateBucket True
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol, cast
from urllib.parse import urlsplit

import botocore.handlers
from botocore.awsrequest import AWSResponse
from botocore.exceptions import UnknownServiceError

_PARAMS = "sluice.params"
_ASKED = "sluice.intercept-asked"


@dataclass
class ApiCall:
    """One AWS API call: `service` is botocore's service name (`s3`, `events`, `stepfunctions`)."""

    service: str
    operation: str
    params: dict[str, Any]
    response: dict[str, Any] = field(default_factory=dict)
    status: int = 200

    @property
    def ok(self) -> bool:
        return self.status < 300

    @property
    def error_code(self) -> str | None:
        return None if self.ok else str(self.response.get("Error", {}).get("Code", "Unknown"))


#: How a listener answers a call in the backend's place: `(http_response, parsed)`.
Answer = tuple[Any, dict[str, Any]]


def answer(service: str, parsed: dict[str, Any], *, status: int = 200) -> Answer:
    """`parsed` answered with `status`, as botocore's parser hands an answer on (an error's `parsed` holds
    its `Error`, which botocore raises as the modeled exception)."""
    from botocore.awsrequest import AWSResponse  # noqa: PLC0415 - loaded with botocore's clients anyway
    from botocore.compat import HTTPHeaders  # noqa: PLC0415

    parsed.setdefault("ResponseMetadata", {"HTTPStatusCode": status, "HTTPHeaders": {}, "RetryAttempts": 0})
    return AWSResponse(f"https://{service}.local/", status, HTTPHeaders(), None), parsed


class CallListener(Protocol):
    def intercept(self, call: ApiCall) -> Answer | None:
        """Answer the call instead of the backend: `(http_response, parsed)`, or None."""

    def observe(self, call: ApiCall) -> None:
        """A call has completed (successfully or not)."""


_listeners: list[CallListener] = []


@contextmanager
def listening(listener: CallListener) -> Iterator[CallListener]:
    """Route calls to `listener` while the block runs (the innermost listener wins)."""
    _install()
    _listeners.append(listener)
    try:
        yield listener
    finally:
        _listeners.remove(listener)


def _remember(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    if _listeners:
        context[_PARAMS] = params


def _before_call(model: Any, context: dict[str, Any], **_: Any) -> tuple[Any, dict[str, Any]] | None:
    if not _listeners or context.get(_ASKED):
        return None
    context[_ASKED] = True  # registered twice for Step Functions (below): ask the listener once
    call = ApiCall(model.service_model.service_name, model.name, context.get(_PARAMS) or {})
    return _listeners[-1].intercept(call)


def _after_call(http_response: Any, parsed: dict[str, Any], model: Any, context: dict[str, Any],
                **_: Any) -> None:
    if not _listeners or _PARAMS not in context:
        return
    call = ApiCall(model.service_model.service_name, model.name, context[_PARAMS], parsed or {},
                   getattr(http_response, "status_code", 200))
    _listeners[-1].observe(call)


def _unanswered(request: Any, event_name: str = "", **_: Any) -> AWSResponse | None:
    """Last at `before-send`: refuse a call that neither the stack nor moto answered.

    A service moto does not implement (such as Amazon Q Business) would otherwise leave the machine
    for AWS itself. botocore asks every `before-send` handler and takes the first response, so this
    answer counts only when moto gave none.

    Outside a stack, and for a loopback endpoint (`sluice up`, a test's own server), it answers
    nothing. The refusal has the service's own error shape: `NotImplemented`, 501.
    """
    if not _listeners:
        return None
    url = str(getattr(request, "url", ""))
    host = urlsplit(url).hostname or ""
    if host in _LOOPBACK or host.endswith(".localhost"):
        return None
    parts = event_name.split(".")
    service, operation = (parts[1], parts[2]) if len(parts) > 2 else (host, "the call")
    message = (f"{service} {operation} is not emulated locally (neither sluice nor moto answers it), and the "
               "local stack never sends a call to AWS itself")
    headers, raw = _error_body(service, message)
    return AWSResponse(url, 501, headers, raw)  # type: ignore[arg-type]  # a plain dict, as moto passes


_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})


def _error_body(service: str, message: str) -> tuple[dict[str, str], _Raw]:
    """Headers and body of a `NotImplemented` error as the service's protocol writes one."""
    from sluice.local.edge.responses import error_answer  # noqa: PLC0415 - only for a refused call
    from sluice.local.edge.routing import service_model  # noqa: PLC0415

    try:
        model = service_model(service)
    except UnknownServiceError:  # a service botocore has no model for: JSON is as good as any
        model = None
    answer = error_answer(model, "NotImplemented", message, status=501)
    return {**answer.headers, "x-amzn-ErrorType": "NotImplemented"}, _Raw(answer.body)


class _Raw:
    """The raw body botocore reads an `AWSResponse` from."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.body
_HANDLERS = (("before-parameter-build", _remember), ("before-call", _before_call), ("after-call", _after_call))
# botocore runs handlers of the more specific `before-call.sfn` (the local Step Functions endpoint,
# `sluice.api.adapter`) before generic ones: the listener must be asked first there too (faults).
_FIRST = (("before-call.sfn", _before_call),)


def _install() -> None:
    """Register on BUILTIN_HANDLERS (new sessions) and on boto3's default session if it exists."""
    _register_builtin()
    import boto3  # noqa: PLC0415 - boto3 is loaded by then anyway

    session = boto3.DEFAULT_SESSION
    if session is not None:
        for event, handler in _HANDLERS:
            # The stubs type handlers as returning None; before-call handlers return responses.
            session.events.unregister(event, cast("Callable[..., None]", handler))
            session.events.register(event, cast("Callable[..., None]", handler))
        for event, handler in _FIRST:
            session.events.unregister(event, cast("Callable[..., None]", handler))
            session.events.register_first(event, cast("Callable[..., None]", handler))


def _register_builtin() -> None:
    for entry in _HANDLERS:
        if entry not in botocore.handlers.BUILTIN_HANDLERS:
            botocore.handlers.BUILTIN_HANDLERS.append(entry)
    last = ("before-send", _unanswered, botocore.handlers.REGISTER_LAST)  # after moto's own stubber
    if last not in botocore.handlers.BUILTIN_HANDLERS:
        botocore.handlers.BUILTIN_HANDLERS.append(last)
    for event, handler in _FIRST:
        first = (event, handler, botocore.handlers.REGISTER_FIRST)
        if first not in botocore.handlers.BUILTIN_HANDLERS:
            botocore.handlers.BUILTIN_HANDLERS.append(first)


_register_builtin()
