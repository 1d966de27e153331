"""The template's event source mappings as Lambda's API describes them (`ListEventSourceMappings`,
`GetEventSourceMapping`): moto never sees them, because sluice's pollers run them.

Each is an `EventSourceMappingConfiguration` with the settings the template gave and Lambda's defaults
for the others (Lambda API reference, CreateEventSourceMapping): `BatchSize` 10 for SQS and 100 for
streams, `MaximumBatchingWindowInSeconds` 0; for streams `ParallelizationFactor` 1,
`MaximumRetryAttempts` and `MaximumRecordAgeInSeconds` -1 (infinite), `BisectBatchOnFunctionError` false,
`TumblingWindowInSeconds` 0. `State` is `Enabled` unless the template says `Enabled: false`.

Example:
    >>> queue = SourceMapping("WorkerJobs", "worker", "arn:aws:sqs:us-east-1:123456789012:jobs", "sqs",
    ...                       {"Enabled": False}, uuid="0b5c4ab2-8f43-5a6e-9b3e-2a7c1f0e9d11")
    >>> described = configuration(queue, "arn:aws:lambda:us-east-1:123456789012:function:worker",
    ...                           partition="aws", region="us-east-1", account="123456789012")
    >>> described["BatchSize"], described["State"]
    (10, 'Disabled')
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sluice.local.lambda_.mappings import SourceMapping

STREAM_KINDS = ("kinesis", "dynamodb")
# The settings copied as the template gave them, when it gave them.
_GIVEN = ("StartingPosition", "StartingPositionTimestamp", "FilterCriteria", "ScalingConfig",
          "MaximumRecordAgeInSeconds", "MaximumRetryAttempts", "ParallelizationFactor",
          "TumblingWindowInSeconds")


def configuration(mapping: SourceMapping, function_arn: str, *, partition: str, region: str, account: str,
                  last_modified: float = 0.0) -> dict[str, Any]:
    # `last_modified`: epoch seconds (the stack's start: the template created every mapping then).
    """One mapping as `GetEventSourceMapping` answers it."""
    settings = mapping.settings
    stream = mapping.kind in STREAM_KINDS
    described: dict[str, Any] = {
        "UUID": mapping.uuid,
        "BatchSize": settings.get("BatchSize", 100 if stream else 10),
        "MaximumBatchingWindowInSeconds": settings.get("MaximumBatchingWindowInSeconds", 0),
        "EventSourceArn": mapping.source_arn,
        "FunctionArn": function_arn,
        "LastModified": datetime.fromtimestamp(last_modified, UTC),
        "State": "Disabled" if str(settings.get("Enabled", True)).lower() == "false" else "Enabled",
        "StateTransitionReason": "USER_INITIATED",
        "FunctionResponseTypes": list(settings.get("FunctionResponseTypes") or []),
        "EventSourceMappingArn": f"arn:{partition}:lambda:{region}:{account}:event-source-mapping:{mapping.uuid}",
    }
    if stream:
        described.update({"ParallelizationFactor": 1, "MaximumRecordAgeInSeconds": -1, "MaximumRetryAttempts": -1,
                          "TumblingWindowInSeconds": 0, "LastProcessingResult": "No records processed",
                          "BisectBatchOnFunctionError": str(settings.get("BisectBatchOnFunctionError",
                                                                         False)).lower() == "true",
                          "DestinationConfig": {"OnFailure": dict((settings.get("DestinationConfig") or {})
                                                                  .get("OnFailure") or {})}})
    described.update({name: settings[name] for name in _GIVEN if settings.get(name) is not None})
    return described
