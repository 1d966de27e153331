"""`SdkHttpMetadata` / `SdkResponseMetadata`: what optimized integrations add to a response.

Step Functions' optimized integrations (built on the AWS SDK for Java v1) return the service
response plus the HTTP metadata of the call: every header as a list (`AllHttpHeaders`), as a
plain value (`HttpHeaders`), the status code and the request id.

Example:
    >>> with_http_metadata({"MessageId": "m"}, {"RequestId": "r", "HTTPStatusCode": 200, "HTTPHeaders": {}})
    {'MessageId': 'm', 'SdkHttpMetadata': {...}, 'SdkResponseMetadata': {'RequestId': 'r'}}
"""

from __future__ import annotations

from email.utils import formatdate
from typing import Any

# How Java's SDK spells the common headers (botocore lower-cases them).
_HEADER_NAMES = {
    "content-type": "Content-Type",
    "content-length": "Content-Length",
    "date": "Date",
    "server": "Server",
    "x-amzn-requestid": "x-amzn-RequestId",
}


def with_http_metadata(response: dict[str, Any], metadata: dict[str, Any]) -> dict[str, Any]:
    headers = {_HEADER_NAMES.get(name.lower(), name): str(value)
               for name, value in (metadata.get("HTTPHeaders") or {}).items()}
    request_id = str(metadata.get("RequestId") or headers.get("x-amzn-RequestId", ""))
    headers.setdefault("x-amzn-RequestId", request_id)
    return response | {
        "SdkHttpMetadata": {
            "AllHttpHeaders": {name: [value] for name, value in headers.items()},
            "HttpHeaders": headers,
            "HttpStatusCode": int(metadata.get("HTTPStatusCode", 200)),
        },
        "SdkResponseMetadata": {"RequestId": request_id},
    }


def json_service_metadata(body_length: int, request_id: str, now: float) -> dict[str, Any]:
    """The metadata of a JSON 1.0 service answer (Step Functions' own API)."""
    return {
        "RequestId": request_id,
        "HTTPStatusCode": 200,
        "HTTPHeaders": {
            "x-amzn-requestid": request_id,
            "connection": "keep-alive",
            "content-length": str(body_length),
            "date": formatdate(now, usegmt=True),
            "content-type": "application/x-amz-json-1.0",
        },
    }
