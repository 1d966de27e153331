"""A Step Functions-compatible API on top of the local engine.

- `StepFunctionsService(engine)` — the API actions with AWS's request/response shapes (wire JSON:
  camelCase keys, timestamps as epoch seconds) and AWS's error codes (`ServiceError`);
- `sluice.api.adapter.serve_boto3(service)` — serves `boto3.client("stepfunctions")` in-process;
- `sluice.api.server` — the same API over HTTP (`sluice serve`), like Step Functions Local.

Example:
    >>> from sluice.asl import Engine
    >>> service = StepFunctionsService(Engine())
    >>> arn = service.call("CreateStateMachine", {"name": "hello", "roleArn": ROLE,
    ...     "definition": '{"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}'})["stateMachineArn"]
"""

from sluice.api.errors import ServiceError
from sluice.api.service import StepFunctionsService

__all__ = ["ServiceError", "StepFunctionsService"]
