"""The AWS JSON 1.0 protocol of Step Functions: bytes in, bytes out, AWS error bodies.

Shared by the boto3 adapter and the HTTP server so both answer exactly alike. Requests are checked
against the botocore service model first (what AWS's own front end does), so a missing or
mistyped parameter gets `ValidationException` rather than a Python error.

Example:
    >>> status, body = handle(service, "DescribeExecution", b'{"executionArn": "nope"}')
    >>> status, json_text.loads(body)["__type"]
    (400, 'com.amazonaws.swf.service.v2.model#InvalidArn')
"""

from __future__ import annotations

import json
from functools import cache
from typing import TYPE_CHECKING, Any

from sluice import json_text
from sluice.api.errors import ServiceError

if TYPE_CHECKING:
    from botocore.model import OperationModel, ServiceModel

    from sluice.api.service import StepFunctionsService

CONTENT_TYPE = "application/x-amz-json-1.0"
TARGET_PREFIX = "AWSStepFunctions."
# The namespace AWS puts in front of Step Functions error codes in `__type`.
ERROR_NAMESPACE = "com.amazonaws.swf.service.v2.model#"


def handle(service: StepFunctionsService, action: str, body: bytes | str | None) -> tuple[int, bytes]:
    """Perform `action` with a JSON request body; return (HTTP status, JSON response body)."""
    try:
        request = _request(action, body)
        response = service.call(action, request)
    except ServiceError as error:
        return error.status, error_body(error.code, error.message)
    return 200, json.dumps(response, separators=(",", ":")).encode()


async def handle_async(service: StepFunctionsService, action: str, body: bytes | str | None) -> tuple[int, bytes]:
    """`handle` for code running on the engine's clock (see `StepFunctionsService.call_async`)."""
    try:
        request = _request(action, body)
        response = await service.call_async(action, request)
    except ServiceError as error:
        return error.status, error_body(error.code, error.message)
    return 200, json.dumps(response, separators=(",", ":")).encode()


def error_body(code: str, message: str) -> bytes:
    return json.dumps({"__type": f"{ERROR_NAMESPACE}{code}", "message": message}).encode()


def _request(action: str, body: bytes | str | None) -> dict[str, Any]:
    try:
        request = json_text.loads(body or b"{}")
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ServiceError("SerializationException", f"The request body is not JSON: {error}") from None
    if not isinstance(request, dict):
        raise ServiceError("SerializationException", "The request body must be a JSON object")
    operation = _operation(action)
    if operation is None:
        raise ServiceError("UnknownOperationException", f"Unknown operation AWSStepFunctions.{action}")
    _validate(request, operation)
    return request


def _validate(request: dict[str, Any], operation: OperationModel) -> None:
    from botocore.validate import ParamValidator  # noqa: PLC0415 - the server path only

    report = ParamValidator().validate(request, operation.input_shape)  # type: ignore[arg-type]
    if report.has_errors():
        raise ServiceError("ValidationException", report.generate_report())


@cache
def _service_model() -> ServiceModel:
    import botocore.session  # noqa: PLC0415

    return botocore.session.get_session().get_service_model("stepfunctions")


def _operation(action: str) -> OperationModel | None:
    model = _service_model()
    return model.operation_model(action) if action in model.operation_names else None
