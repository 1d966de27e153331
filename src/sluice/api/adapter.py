"""Serve `boto3.client("stepfunctions")` calls from the local engine, in-process.

botocore emits `before-call.sfn.<Operation>` just before it would send a request; a handler that
returns `(http_response, parsed)` there replaces the HTTP call. Ours runs the request through the
same JSON protocol layer as `sluice serve` and parses the answer with botocore's own parser, so
callers get exactly what a real endpoint would give them: `datetime`s, `ResponseMetadata`, and
real `ClientError`s (`client.exceptions.ExecutionDoesNotExist`, …) carrying AWS's error codes.

Reaching every client: botocore copies a session's handlers into each client it creates, and
copies `botocore.handlers.BUILTIN_HANDLERS` into each new session — the hook moto uses too. This
module registers one dispatcher there when first imported (and on boto3's default session if it
already exists), so clients created before or after `serve_boto3()` is entered are served while
it is active; outside it the dispatcher steps aside (moto's `mock_aws`, which intercepts later at
`before-send`, or the real endpoint then answer). Clients created before this module was imported
can be attached explicitly with `attach_client`.

After each call the adapter lets the engine's clock run (`service.drive()`), so a test that
starts an execution and then describes it sees it progress — unless the call comes from code the
clock is already running (a Lambda handler calling SendTaskSuccess), which just carries on.

Example:
    >>> with serve_boto3(StepFunctionsService(Engine())):
    ...     sfn = boto3.client("stepfunctions", region_name="us-east-1")
    ...     sfn.list_state_machines()["stateMachines"]
    []
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import TYPE_CHECKING, Any, cast

import botocore.handlers
from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders
from botocore.parsers import create_parser

from sluice.api.wire import CONTENT_TYPE, handle

if TYPE_CHECKING:
    from botocore.client import BaseClient
    from botocore.model import OperationModel

    from sluice.api.service import StepFunctionsService

# Step Functions' botocore service id is "SFN": its events are `before-call.sfn.<Operation>`.
EVENT = "before-call.sfn"

_active: list[StepFunctionsService] = []


@contextmanager
def serve_boto3(service: StepFunctionsService) -> Iterator[StepFunctionsService]:
    """While active, every boto3 Step Functions client in this process is served by `service`."""
    _register_on_default_session()
    _active.append(service)
    try:
        yield service
    finally:
        _active.remove(service)


def attach_client(client: BaseClient, service: StepFunctionsService) -> BaseClient:
    """Serve one client by `service` for good (e.g. an integration's own client)."""
    client.meta.events.register_first(EVENT, _handler(partial(_respond_with, service)))
    return client


def respond(service: StepFunctionsService, model: OperationModel, params: dict[str, Any]) -> tuple[AWSResponse, Any]:
    """Answer one botocore request dict with `service`: (HTTP response, parsed response)."""
    status, body = handle(service, model.name, params.get("body"))
    service.drive()
    headers = {"x-amzn-requestid": str(uuid.uuid4()), "content-type": CONTENT_TYPE,
               "content-length": str(len(body))}
    parsed = create_parser("json").parse(
        {"status_code": status, "headers": headers, "body": body}, model.output_shape  # type: ignore[arg-type]
    )
    http_headers = HTTPHeaders()
    for name, value in headers.items():
        http_headers[name] = value
    return AWSResponse(params.get("url", ""), status, http_headers, None), parsed


def _dispatch(model: OperationModel, params: dict[str, Any], **_: Any) -> tuple[AWSResponse, Any] | None:
    if not _active:
        return None
    return respond(_active[-1], model, params)


def _respond_with(service: StepFunctionsService, model: OperationModel, params: dict[str, Any],
                  **_: Any) -> tuple[AWSResponse, Any]:
    return respond(service, model, params)


def _register_on_default_session() -> None:
    """Sessions copy BUILTIN_HANDLERS when created: one made before our import needs it too."""
    import boto3  # noqa: PLC0415

    session = boto3.DEFAULT_SESSION
    if session is not None:
        session.events.unregister(EVENT, _handler(_dispatch))
        session.events.register(EVENT, _handler(_dispatch))


def _handler(function: Callable[..., Any]) -> Callable[..., None]:
    """The stubs type event handlers as returning None; before-call handlers return responses."""
    return cast("Callable[..., None]", function)


if (EVENT, _dispatch) not in botocore.handlers.BUILTIN_HANDLERS:
    botocore.handlers.BUILTIN_HANDLERS.append((EVENT, _dispatch))
