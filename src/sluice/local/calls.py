"""Name the AWS calls worth showing: writes (what a pipeline *does*), and the decision Powertools'
idempotency utility takes, read off its DynamoDB calls.

Powertools' DynamoDB persistence layer claims a key with a conditional `PutItem` (status
`INPROGRESS`, condition `attribute_not_exists(#id) OR …`): if it succeeds the request is new; if it
fails with `ConditionalCheckFailedException`, the returned item says whether an earlier
invocation already `COMPLETED` (its saved response is returned) or is still `INPROGRESS`.

Example:
    >>> describe(ApiCall("s3", "PutObject", {"Bucket": "b", "Key": "k"}), names={"b": "RawBucket"}.get)
    ('call', 's3 PutObject RawBucket/k')
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sluice.local.hooks import ApiCall

WRITES: dict[str, frozenset[str]] = {
    "s3": frozenset({"PutObject", "CopyObject", "CompleteMultipartUpload", "DeleteObject", "DeleteObjects"}),
    "dynamodb": frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}),
    "sqs": frozenset({"SendMessage", "SendMessageBatch"}),
    "sns": frozenset({"Publish", "PublishBatch"}),
    "kinesis": frozenset({"PutRecord", "PutRecords"}),
    "events": frozenset({"PutEvents"}),
    "stepfunctions": frozenset({"StartExecution", "StartSyncExecution", "SendTaskSuccess", "SendTaskFailure",
                                "StopExecution"}),
    "firehose": frozenset({"PutRecord", "PutRecordBatch"}),
}

Names = Callable[[str], str | None]


def is_write(call: ApiCall) -> bool:
    return call.operation in WRITES.get(call.service, frozenset())


def describe(call: ApiCall, names: Names, ledgers: set[str] | None = None) -> tuple[str, str]:
    """(activity kind, title) for a write call. `ledgers` collects the tables seen holding
    idempotency records, so that deleting one of their items reads as releasing a key."""
    idempotency = _idempotency(call, ledgers if ledgers is not None else set())
    if idempotency is not None:
        return "idempotency", idempotency
    title = f"{call.service} {call.operation} {_target(call, names)}".rstrip()
    if not call.ok:
        title += f" → {call.error_code}"
    return "call", title


def _target(call: ApiCall, names: Names) -> str:
    """What the call wrote to, by logical id when the resource is the template's."""
    params = call.params
    if call.service == "s3":
        bucket = _name(str(params.get("Bucket", "")), names)
        if call.operation == "DeleteObjects":
            return f"{bucket} ({len((params.get('Delete') or {}).get('Objects') or [])} keys)"
        return f"{bucket}/{params.get('Key', '')}"
    if call.service == "dynamodb":
        if "TableName" in params:
            return _name(str(params["TableName"]), names)
        tables = sorted(params.get("RequestItems") or {})
        return ", ".join(_name(table, names) for table in tables) or f"({len(params.get('TransactItems') or [])} items)"
    if call.service == "sqs":
        return _name(str(params.get("QueueUrl", "")), names, "/")
    if call.service == "sns":
        return _name(str(params.get("TopicArn", params.get("TargetArn", ""))), names, ":")
    if call.service == "kinesis":
        stream = str(params.get("StreamName") or str(params.get("StreamARN", "")).rsplit("/", 1)[-1])
        count = f" ({len(params.get('Records') or [])} records)" if call.operation == "PutRecords" else ""
        return f"{_name(stream, names)}{count}"
    if call.service == "events":
        entries = params.get("Entries") or []
        kinds = sorted({str(entry.get("DetailType")) for entry in entries})
        return f"({len(entries)} {'entry' if len(entries) == 1 else 'entries'}: {', '.join(kinds)})"
    if call.service == "stepfunctions":
        return _name(str(params.get("stateMachineArn", params.get("executionArn", ""))), names, ":")
    return ""


def _name(physical: str, names: Names, separator: str = "") -> str:
    """The logical id when known, else the physical name (its last `separator` part)."""
    logical = names(physical)
    if logical:
        return logical
    return physical.rsplit(separator, 1)[-1] if separator else physical


def _idempotency(call: ApiCall, ledgers: set[str]) -> str | None:
    if call.service != "dynamodb":
        return None
    params = call.params
    values: dict[str, Any] = params.get("ExpressionAttributeValues") or {}
    attribute_names: dict[str, str] = params.get("ExpressionAttributeNames") or {}
    if call.operation == "DeleteItem" and params.get("TableName") in ledgers:
        key = _scalar(next(iter((params.get("Key") or {}).values()), None))
        return f"idempotency: released key {key} (a retry may claim it again)"
    if call.operation == "PutItem" and ":inprogress" in values and "#id" in attribute_names:
        ledgers.add(str(params.get("TableName")))
        key = _scalar((params.get("Item") or {}).get(attribute_names["#id"]))
        if call.ok:
            return f"idempotency: new request, claimed key {key}"
        if call.error_code == "ConditionalCheckFailedException":
            status_attribute = attribute_names.get("#status", "status")
            status = _scalar((call.response.get("Item") or {}).get(status_attribute))
            outcome = "returned its saved response" if status == "COMPLETED" else \
                "another invocation is still running it" if status == "INPROGRESS" else "already seen"
            return f"idempotency: repeated request for key {key} ({status or 'unknown'}): {outcome}"
    if call.operation == "UpdateItem" and ":status" in values and "#response_data" in attribute_names:
        key = _scalar(next(iter((params.get("Key") or {}).values()), None))
        return f"idempotency: saved the response for key {key}"
    return None


def _scalar(value: Any) -> str:
    if isinstance(value, dict) and value:
        return str(next(iter(value.values())))
    return "" if value is None else str(value)
