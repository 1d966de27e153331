"""AWS's own error codes and HTTP statuses, per service, for injected API faults.

A fault answers the call the way the service would: with its error code, its HTTP status (botocore
decides retries and exception classes from both) and its usual message. The table follows each
service's API reference ("Errors" of the operations, and the "Common Errors" every JSON service
shares); where botocore's model states a status (`httpStatusCode` of an error shape) it is used for
codes not listed here. IAM-style prefixes name services (`states:` is botocore's `stepfunctions`).

Example:
    >>> aws_error("s3", "SlowDown").status
    503
    >>> aws_error("dynamodb", throttling_code("dynamodb")).code
    'ProvisionedThroughputExceededException'
    >>> botocore_service("states")
    'stepfunctions'
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders

from sluice.local.errors import LocalStackError


class FaultError(LocalStackError):
    """A fault rule or faults file that cannot be applied: names what is wrong."""


# IAM action prefixes whose botocore service name differs.
_PREFIXES = {"states": "stepfunctions", "sfn": "stepfunctions", "monitoring": "cloudwatch"}

# "Common Errors" of the AWS JSON/query APIs (e.g. Step Functions, KMS, EventBridge API references).
_COMMON = {"ThrottlingException": 400, "InternalFailure": 500, "ServiceUnavailable": 503,
           "AccessDeniedException": 400, "RequestExpired": 400}

_STATUSES: dict[str, dict[str, int]] = {
    # Amazon S3 API Reference, "Error responses" → "List of error codes".
    "s3": {"SlowDown": 503, "InternalError": 500, "ServiceUnavailable": 503, "AccessDenied": 403,
           "NoSuchKey": 404, "NoSuchBucket": 404, "RequestTimeout": 400, "OperationAborted": 409,
           "PreconditionFailed": 412},
    # DynamoDB Developer Guide, "Error handling with DynamoDB" (400 = retry may succeed for throttles).
    "dynamodb": {"ProvisionedThroughputExceededException": 400, "ThrottlingException": 400,
                 "RequestLimitExceeded": 400, "InternalServerError": 500, "ServiceUnavailable": 503,
                 "ConditionalCheckFailedException": 400, "TransactionConflictException": 400,
                 "TransactionCanceledException": 400, "ResourceNotFoundException": 400,
                 "ValidationException": 400, "ItemCollectionSizeLimitExceededException": 400,
                 "LimitExceededException": 400},
    # Step Functions API Reference, StartExecution / StartSyncExecution "Errors" + Common Errors.
    "stepfunctions": {"ExecutionLimitExceeded": 400, "ExecutionAlreadyExists": 400,
                      "StateMachineDoesNotExist": 400, "StateMachineDeleting": 400, "InvalidArn": 400,
                      "InvalidExecutionInput": 400, "KmsThrottlingException": 400},
    # Amazon SQS API Reference, SendMessage / ReceiveMessage "Errors".
    "sqs": {"RequestThrottled": 400, "KmsThrottled": 400, "QueueDoesNotExist": 400, "InvalidAddress": 400,
            "KmsAccessDenied": 400, "OverLimit": 403, "InvalidSecurity": 403},
    # Amazon SNS API Reference, Publish "Errors".
    "sns": {"Throttled": 429, "InternalError": 500, "KMSThrottling": 400, "NotFound": 404,
            "AuthorizationError": 403, "InvalidParameter": 400, "EndpointDisabled": 400},
    # AWS KMS API Reference, Decrypt / GenerateDataKey "Errors".
    "kms": {"KMSInternalException": 500, "DependencyTimeoutException": 503, "KeyUnavailableException": 500,
            "DisabledException": 400, "KMSInvalidStateException": 400, "NotFoundException": 400},
    # Amazon Kinesis API Reference, PutRecord / GetRecords "Errors".
    "kinesis": {"ProvisionedThroughputExceededException": 400, "KMSThrottlingException": 400,
                "InternalFailureException": 500, "LimitExceededException": 400,
                "ResourceNotFoundException": 400, "ExpiredIteratorException": 400},
    # AWS Lambda API Reference, Invoke "Errors".
    "lambda": {"TooManyRequestsException": 429, "ServiceException": 500, "ResourceNotFoundException": 404,
               "EC2ThrottledException": 502, "ResourceConflictException": 409,
               "InvalidRequestContentException": 400},
    # Amazon EventBridge API Reference, PutEvents "Errors".
    "events": {"InternalException": 500},
}

# The code each service throttles with (what `Faults.throttle` injects).
_THROTTLING = {"s3": "SlowDown", "dynamodb": "ProvisionedThroughputExceededException",
               "kinesis": "ProvisionedThroughputExceededException", "sqs": "RequestThrottled",
               "sns": "Throttled", "lambda": "TooManyRequestsException"}

_MESSAGES = {
    "SlowDown": "Please reduce your request rate.",
    "InternalError": "We encountered an internal error. Please try again.",
    "ProvisionedThroughputExceededException": "The level of configured provisioned throughput for the table was "
                                              "exceeded. Consider increasing your provisioning level with the "
                                              "UpdateTable API.",
    "ThrottlingException": "Rate exceeded",
    "TooManyRequestsException": "Rate Exceeded.",
    "RequestThrottled": "Request is throttled.",
    "Throttled": "Rate exceeded",
    "ServiceUnavailable": "Service Unavailable",
}


@dataclass(frozen=True)
class AwsError:
    """An error as a service returns it: code, HTTP status, message."""

    service: str
    code: str
    status: int
    message: str

    def response(self) -> tuple[AWSResponse, dict[str, Any]]:
        """`(http_response, parsed)` as botocore's parser hands them on, so the caller gets the
        same `ClientError` subclass (`client.exceptions.<Code>`) as from the service."""
        request_id = str(uuid.uuid4())
        headers = HTTPHeaders()
        headers["x-amzn-requestid"] = request_id
        parsed = {"Error": {"Code": self.code, "Message": self.message},
                  "ResponseMetadata": {"RequestId": request_id, "HTTPStatusCode": self.status,
                                       "HTTPHeaders": {"x-amzn-requestid": request_id}, "RetryAttempts": 0}}
        return AWSResponse(f"https://{self.service}.local/", self.status, headers, None), parsed


def botocore_service(prefix: str) -> str:
    """botocore's name for an IAM-style service prefix (`states` → `stepfunctions`)."""
    return _PREFIXES.get(prefix, prefix)


def throttling_code(service: str) -> str:
    return _THROTTLING.get(service, "ThrottlingException")


def aws_error(service: str, code: str, *, status: int | None = None, message: str | None = None) -> AwsError:
    """The error `code` of `service`; `status` is required for codes sluice does not know."""
    known = status or _STATUSES.get(service, {}).get(code) or _COMMON.get(code) or _modeled_status(service, code)
    if known is None:
        codes = ", ".join(sorted({*_STATUSES.get(service, {}), *_COMMON}))
        raise FaultError(f"unknown error code {code!r} for {service} (known: {codes}); "
                         f"give its HTTP status with status=")
    return AwsError(service, code, known, message or _MESSAGES.get(code, f"{code} (injected fault)"))


def _modeled_status(service: str, code: str) -> int | None:
    """The `httpStatusCode` botocore's service model gives the error shape of `code`, if any."""
    import botocore.session  # noqa: PLC0415 - only for codes outside the table
    from botocore.exceptions import UnknownServiceError  # noqa: PLC0415

    try:
        model = botocore.session.get_session().get_service_model(service)
    except UnknownServiceError:
        raise FaultError(f"unknown AWS service {service!r}") from None
    for name in model.shape_names:
        shape = model.shape_for(name)
        error = shape.metadata.get("error") or {}
        if shape.metadata.get("exception") and error.get("code", name) == code and error.get("httpStatusCode"):
            return int(error["httpStatusCode"])
    return None
