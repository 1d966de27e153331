"""Source records as a pipe sees them, and the view filters and input templates read.

Shapes, from the Pipes guide's source pages ("Amazon SQS as a source", "Amazon Kinesis stream as
a source"): an SQS record is Lambda's (`sluice.local.sqs.poller.sqs_record`); a Kinesis record is
flat — `kinesisSchemaVersion`, `partitionKey`, `sequenceNumber`, `data` (base64),
`approximateArrivalTimestamp` beside `eventSource`, `eventVersion`, `eventID`, `eventName`,
`invokeIdentityArn` (the pipe's role), `awsRegion`, `eventSourceARN` — not nested under `kinesis`
as Lambda's is; a DynamoDB Streams record is the stream's record plus `eventSourceARN` ("Amazon
DynamoDB stream as a source"; made by `sluice.local.dynamodb`), matched and referenced as it is.

"Implicit body data parsing" (Pipes input transformation) and "Message and data fields" (Pipes
filtering): an SQS `body` that is JSON, and a Kinesis `data` that decodes to JSON, are matched and
referenced as JSON (`<$.body.key>`, `<$.data.someKey>`); otherwise SQS keeps the text and Kinesis
the base64.

Example:
    >>> decoded({"body": '{"type": "NEW"}', "eventSource": "aws:sqs"})["body"]
    {'type': 'NEW'}
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from sluice import json_text

#: The field a source's records are named by in `batchItemFailures` ("Partial batch failure").
ITEM_IDS = {"aws:sqs": "messageId", "aws:kinesis": "eventID", "aws:dynamodb": "eventID"}
#: The field holding the message or data, and whether it is base64-encoded.
_DATA_FIELDS = {"aws:sqs": ("body", False), "aws:kinesis": ("data", True)}


def item_id(record: Mapping[str, Any]) -> str | None:
    """The identifier a target names this record by in `batchItemFailures`."""
    key = ITEM_IDS.get(str(record.get("eventSource")))
    return str(record[key]) if key is not None and key in record else None


def decoded(record: Any) -> Any:
    """`record` with its message or data field as JSON when it is JSON (anything else unchanged)."""
    if not isinstance(record, Mapping):
        return record
    found = _DATA_FIELDS.get(str(record.get("eventSource")))
    if found is None or not isinstance(record.get(found[0]), str):
        return dict(record)
    name, encoded = found
    text = record[name]
    try:
        if encoded:
            text = base64.b64decode(text, validate=True).decode()
        return {**record, name: json_text.loads(text)}
    except (binascii.Error, UnicodeDecodeError, json.JSONDecodeError):
        return dict(record)


def kinesis_record(record: Mapping[str, Any], *, shard_id: str, stream_arn: str, role_arn: str,
                   region: str) -> dict[str, Any]:
    """A `GetRecords` record as a pipe's Kinesis source hands it over."""
    return {
        "kinesisSchemaVersion": "1.0",
        "partitionKey": record["PartitionKey"],
        "sequenceNumber": record["SequenceNumber"],
        "data": base64.b64encode(record["Data"]).decode(),
        "approximateArrivalTimestamp": record["ApproximateArrivalTimestamp"].timestamp(),
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"{shard_id}:{record['SequenceNumber']}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": role_arn,
        "awsRegion": region,
        "eventSourceARN": stream_arn,
    }
