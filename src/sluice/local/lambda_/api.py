"""Serve the Lambda `Invoke` API in-process: a handler calling `lambda_client.invoke(...)` on
another function of the stack runs it here (synchronously, or queued for `InvocationType=Event`)
instead of reaching moto, which would need Docker.

Example:
    >>> boto3.client("lambda").invoke(FunctionName="sluice-dev-Audit-…", Payload=b'{"a": 1}')["StatusCode"]
    200
"""

from __future__ import annotations

import base64
import io
import json
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders
from botocore.response import StreamingBody

from sluice.local.errors import EventError
from sluice.local.hooks import ApiCall
from sluice.local.lambda_.async_invoke import AsyncInvoker
from sluice.local.lambda_.runtime import FunctionNotFound, FunctionNotRunnable, LambdaRuntime, Throttled


class LambdaApi:
    def __init__(self, runtime: LambdaRuntime, invoker: AsyncInvoker) -> None:
        self.runtime = runtime
        self.invoker = invoker

    def invoke(self, call: ApiCall) -> tuple[AWSResponse, dict[str, Any]]:
        params = call.params
        function = str(params.get("FunctionName", ""))
        kind = params.get("InvocationType", "RequestResponse")
        try:
            event = _payload(params.get("Payload"))
            self.runtime.function(function)
            if kind == "DryRun":
                return _response(204, {"StatusCode": 204, "Payload": _body(b"")})
            if kind == "Event":
                self.invoker.submit(function, event)
                return _response(202, {"StatusCode": 202, "Payload": _body(b"")})
            invocation = self.runtime.call(function, event)
        except FunctionNotFound as error:
            return _error(404, "ResourceNotFoundException", f"Function not found: {function} ({error})")
        except Throttled as error:
            return _error(429, "TooManyRequestsException", f"Rate Exceeded. {error}")
        except FunctionNotRunnable as error:
            return _error(500, "ServiceException", str(error))
        except EventError as error:
            return _error(400, "InvalidRequestContentException", str(error))
        parsed: dict[str, Any] = {"StatusCode": 200, "ExecutedVersion": "$LATEST",
                                  "Payload": _body(json.dumps(invocation.response).encode())}
        if not invocation.ok:
            parsed["FunctionError"] = "Unhandled"
        if params.get("LogType") == "Tail":
            parsed["LogResult"] = base64.b64encode(invocation.logs.encode()[-4096:]).decode()
        return _response(200, parsed)


def _payload(raw: Any) -> Any:
    if raw is None:
        return {}
    if hasattr(raw, "read"):
        raw = raw.read()
    text = raw.decode() if isinstance(raw, bytes | bytearray) else str(raw)
    if not text:
        return {}
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise EventError(f"Could not parse request body into json: {error.msg}") from None


def _body(data: bytes) -> StreamingBody:
    return StreamingBody(io.BytesIO(data), len(data))


def _response(status: int, parsed: dict[str, Any]) -> tuple[AWSResponse, dict[str, Any]]:
    parsed.setdefault("ResponseMetadata", {"HTTPStatusCode": status, "HTTPHeaders": {}, "RetryAttempts": 0})
    return AWSResponse("https://lambda.local/", status, HTTPHeaders(), None), parsed


def _error(status: int, code: str, message: str) -> tuple[AWSResponse, dict[str, Any]]:
    return _response(status, {"Error": {"Code": code, "Message": message}})
