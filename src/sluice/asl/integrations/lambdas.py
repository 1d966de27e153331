"""Lambda functions invoked through the Lambda API (`sluice serve`'s default, like Step Functions
Local with `LAMBDA_ENDPOINT`, e.g. pointed at `sam local start-lambda`).

A function error (the response's `FunctionError`, with the runtime's `{errorType, errorMessage,
stackTrace}` payload) becomes the error Step Functions reports for it; a Lambda API error becomes
`Lambda.<Exception>` (`Lambda.ResourceNotFoundException`).

Example:
    >>> Engine(lambdas=BotoLambdaInvoker(BotoClients.from_environment()))
"""

from __future__ import annotations

import json
from typing import Any

from sluice import json_text
from sluice.asl.errors import StatesError
from sluice.asl.integrations.clients import ClientFactory
from sluice.asl.integrations.errors import exception_name
from sluice.asl.tasks.lambda_ import LATEST, Invoked, LambdaFunctionError


class BotoLambdaInvoker:
    """A `LambdaInvoker` calling Lambda's Invoke API with a client from `clients`."""

    def __init__(self, clients: ClientFactory) -> None:
        self.clients = clients

    def invoke(self, function: str, payload: Any, *, request_id: str, qualifier: str | None = None) -> Invoked:
        from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

        target = {"FunctionName": function} | ({"Qualifier": qualifier} if qualifier is not None else {})
        try:
            response = self.clients.client("lambda").invoke(**target, Payload=json.dumps(payload).encode())
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", "Unknown"))
            raise StatesError(f"Lambda.{exception_name(code)}", error.response.get("Error", {}).get("Message")) \
                from error
        except BotoCoreError as error:
            raise StatesError("Lambda.SdkClientException", str(error)) from error
        body = response["Payload"].read()
        result = json_text.loads(body) if body else None
        if response.get("FunctionError"):
            details = result if isinstance(result, dict) else {}
            raise LambdaFunctionError(details.get("errorType"), str(details.get("errorMessage", body.decode())),
                                      list(details.get("stackTrace") or []), body=body.decode())
        return Invoked(result, response.get("ExecutedVersion", LATEST))
