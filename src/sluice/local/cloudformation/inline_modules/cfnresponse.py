"""The `cfnresponse` module CloudFormation provides to a function whose code is inline (`ZipFile`, SAM's
`InlineCode`), written here from its documented interface (CloudFormation user guide: "cfn-response
module"): `send(event, context, responseStatus, responseData, physicalResourceId=None, noEcho=False,
reason=None)` PUTs the custom resource response to the request's `ResponseURL`; the physical id defaults
to the function's log stream name.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

SUCCESS = "SUCCESS"
FAILED = "FAILED"


# The documented signature, positional parameters and camelCase names included.
def send(event: dict[str, Any], context: Any, responseStatus: str,  # noqa: PLR0917
         responseData: dict[str, Any] | None, physicalResourceId: str | None = None,
         noEcho: bool = False, reason: str | None = None) -> None:
    stream = getattr(context, "log_stream_name", "")
    body = json.dumps({
        "Status": responseStatus,
        "Reason": reason or f"See the details in CloudWatch Log Stream: {stream}",
        "PhysicalResourceId": physicalResourceId or stream,
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"],
        "NoEcho": noEcho,
        "Data": responseData,
    }).encode()
    request = urllib.request.Request(event["ResponseURL"], data=body, method="PUT",
                                     headers={"Content-Type": "", "Content-Length": str(len(body))})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            print("Status code:", response.status)
    except OSError as error:
        print("send(..) failed executing the request:", error)
