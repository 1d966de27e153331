"""Service errors as Step Functions names them.

Optimized integrations (`arn:aws:states:::dynamodb:putItem`) report `<Service>.<Exception>` with
the service's own prefix (`DynamoDB.ConditionalCheckFailedException`, `SQS.…`, `SNS.…`) and a cause
in the AWS SDK for Java v1 style ("… (Service: AmazonDynamoDBv2; Status Code: 400; Error Code: …;
Request ID: …; Proxy: null)"). AWS SDK integrations (`aws-sdk:s3:getObject`) use the Java v2 client
name in PascalCase (`S3`, `DynamoDb`, `Sfn`, `AcmPca`) and always end the error in `Exception`,
even when the service's own code does not (`S3.NoSuchKeyException`); an error the service does
not model is `<Service>.<Service>Exception`.

Example:
    >>> sdk_service_prefix("ACM PCA"), sdk_service_prefix("DynamoDB"), sdk_service_prefix("SFN")
    ('AcmPca', 'DynamoDb', 'Sfn')
"""

from __future__ import annotations

import re
from typing import Any

from sluice.asl.errors import StatesError

# Optimized integrations: (error prefix, service name in the cause).
OPTIMIZED_SERVICES = {
    "dynamodb": ("DynamoDB", "AmazonDynamoDBv2"),
    "sqs": ("SQS", "AmazonSQS"),
    "sns": ("SNS", "AmazonSNS"),
    "events": ("EventBridge", "AmazonEventBridge"),
    "states": ("StepFunctions", "AWSStepFunctions"),
}
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def exception_name(code: str) -> str:
    return code if code.endswith("Exception") else f"{code}Exception"


def optimized_error(service: str, code: str, message: str, status: int, request_id: str) -> StatesError:
    prefix, label = OPTIMIZED_SERVICES[service]
    cause = (f"{message} (Service: {label}; Status Code: {status}; Error Code: {code}; "
             f"Request ID: {request_id}; Proxy: null)")
    return StatesError(f"{prefix}.{exception_name(code)}", cause)


def optimized_client_error(service: str, error: Any) -> StatesError:
    """A botocore ClientError from an optimized integration's call."""
    response = error.response
    metadata = response.get("ResponseMetadata", {})
    modeled = type(error).__name__
    code = _code(response) if modeled == "ClientError" else modeled
    return optimized_error(service, code, response.get("Error", {}).get("Message", str(error)),
                           metadata.get("HTTPStatusCode", 400), metadata.get("RequestId", ""))


def sdk_service_prefix(service_id: str) -> str:
    """The Java SDK v2 client name of a botocore service id: "Secrets Manager" -> "SecretsManager"."""
    return "".join(word[0].upper() + word[1:].lower() for word in _WORDS.findall(service_id))


def sdk_client_error(service_id: str, error: Any) -> StatesError:
    """A botocore ClientError from an `aws-sdk:` integration's call."""
    prefix = sdk_service_prefix(service_id)
    response = error.response
    metadata = response.get("ResponseMetadata", {})
    modeled = type(error).__name__
    name = exception_name(prefix if modeled == "ClientError" else modeled)
    cause = (f"{response.get('Error', {}).get('Message', str(error))} (Service: {prefix}, "
             f"Status Code: {metadata.get('HTTPStatusCode', 400)}, Request ID: {metadata.get('RequestId', '')})")
    return StatesError(f"{prefix}.{name}", cause)


def _code(response: dict[str, Any]) -> str:
    code = str(response.get("Error", {}).get("Code", "Unknown"))
    # SQS's query-protocol codes carry a namespace ("AWS.SimpleQueueService.NonExistentQueue").
    return code.rsplit(".", 1)[-1]
