"""Lambda destinations: the destination types AWS accepts for each kind of record, the invocation
records Lambda sends there, and the S3 keys it stores them under.

What AWS documents, and this module encodes:

- "Capturing records of Lambda asynchronous invocations": OnSuccess records go to a standard SQS
  queue, a standard SNS topic, a Lambda function or an EventBridge bus; OnFailure records to those
  or to an S3 bucket ("on failure only"), stored as
  `aws/lambda/async/<function-name>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<Random UUID>`. FIFO queues and
  topics are "an unsupported destination type". The dead-letter queue is a standard SQS queue or
  SNS topic; it receives the event itself with `RequestID`, `ErrorCode` and `ErrorMessage`.
- "Retain discarded batch records for a Kinesis Data Streams event source" (and the DynamoDB
  page): an event source mapping's OnFailure destination is an SQS queue, an SNS topic or an S3
  bucket. "For Amazon S3 destinations, Lambda also sends the entire invocation record along with
  the metadata": the object holds the record plus the batch (`payload`), under
  `aws/lambda/<ESM-UUID>/<shardID>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<Random UUID>`.
- SQS event sources have no on-failure destination: the queue's redrive policy does that job.

Example:
    >>> problem(Destination("arn:aws:s3:::audit"), ASYNC_ON_SUCCESS)
    'AWS Lambda sends OnSuccess records of asynchronous invocations to SQS, SNS, Lambda or EventBridge, not to S3'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sluice.asl.clock import iso_timestamp
from sluice.local.lambda_.invocation import LATEST

if TYPE_CHECKING:
    from sluice.local.template.model import SamTemplate

KIND_NAMES = {"sqs": "SQS", "sns": "SNS", "s3": "S3", "lambda": "Lambda", "eventbridge": "EventBridge"}

# `requestContext.condition` of an invocation record.
SUCCESS = "Success"
RETRIES_EXHAUSTED = "RetriesExhausted"  # asynchronous invocation: every attempt failed
EVENT_AGE_EXCEEDED = "EventAgeExceeded"  # asynchronous invocation: older than MaximumEventAgeInSeconds
RETRY_ATTEMPTS_EXHAUSTED = "RetryAttemptsExhausted"  # stream batch: MaximumRetryAttempts used up
RECORD_AGE_EXCEEDED = "RecordAgeExceeded"  # stream batch: older than MaximumRecordAgeInSeconds


@dataclass(frozen=True)
class Destination:
    """Where a record goes: `kind` is sqs, sns, s3, lambda or eventbridge (from the ARN)."""

    arn: str

    @property
    def kind(self) -> str:
        service = self.arn.split(":")[2] if self.arn.count(":") >= 5 else ""
        return {"events": "eventbridge"}.get(service, service)

    @property
    def name(self) -> str:
        """The queue, topic, bucket, function or bus the ARN names."""
        return self.arn.rsplit("/", 1)[-1] if self.kind == "eventbridge" else self.arn.rsplit(":", 1)[-1]


@dataclass(frozen=True)
class Use:
    """A place a destination is configured, with the destination types AWS accepts there."""

    title: str
    kinds: tuple[str, ...]
    fifo: bool = True

    def accepts(self) -> str:
        names = [KIND_NAMES[kind] for kind in self.kinds]
        return f"{', '.join(names[:-1])} or {names[-1]}"


ASYNC_ON_SUCCESS = Use("OnSuccess records of asynchronous invocations", ("sqs", "sns", "lambda", "eventbridge"),
                       fifo=False)
ASYNC_ON_FAILURE = Use("OnFailure records of asynchronous invocations",
                       ("sqs", "sns", "s3", "lambda", "eventbridge"), fifo=False)
DEAD_LETTER = Use("failed asynchronous events (DeadLetterQueue)", ("sqs", "sns"), fifo=False)
STREAM_ON_FAILURE = Use("OnFailure records of Kinesis and DynamoDB event source mappings", ("sqs", "sns", "s3"))


def problem(destination: Destination, use: Use) -> str | None:
    """Why AWS would not deliver `use` records to `destination`, or None when it would."""
    kind = destination.kind
    if kind not in use.kinds:
        named = KIND_NAMES.get(kind, f"{destination.arn!r}")
        return f"AWS Lambda sends {use.title} to {use.accepts()}, not to {named}"
    if not use.fifo and kind in ("sqs", "sns") and destination.arn.endswith(".fifo"):
        return f"AWS Lambda does not send {use.title} to FIFO queues or topics ({destination.arn})"
    return None


# What SAM's `DestinationConfig.<outcome>.Type` names, as destination kinds.
SAM_TYPES = {"SQS": "sqs", "SNS": "sns", "S3": "s3", "Lambda": "lambda", "EventBridge": "eventbridge"}
# The resources a destination of each kind can be, and how their ARN is read.
_RESOURCES = {
    "sqs": (("AWS::SQS::Queue",), "Arn"),
    "sns": (("AWS::SNS::Topic",), "Ref"),
    "s3": (("AWS::S3::Bucket",), "Arn"),
    "lambda": (("AWS::Serverless::Function", "AWS::Lambda::Function"), "Arn"),
    "eventbridge": (("AWS::Events::EventBus",), "Arn"),
}


def configured(template: SamTemplate, settings: Mapping[str, Any], use: Use, *, resource: str,
               property: str) -> Destination | None:
    """The destination `settings` (a `DestinationConfig.OnSuccess/OnFailure` or `{"Destination": arn}`)
    name, after warning (an error under `strict`) about anything the local stack cannot honour."""
    arn = settings.get("Destination")
    if arn is None:
        if settings:
            template.unsupported("a destination without a Destination ARN (SAM would create a queue or topic): "
                                 "nothing would receive these records locally", resource=resource, property=property)
        return None
    destination = Destination(str(arn))
    declared = settings.get("Type")
    reason = problem(destination, use)
    if reason is None and declared is not None and SAM_TYPES.get(str(declared)) != destination.kind:
        reason = f"Type {declared} does not match the destination {destination.arn}"
    if reason is None and not _in_template(template, destination):
        reason = (f"{destination.arn} is not a resource of this template, so the local stack has nowhere to "
                  "deliver these records (create it in the template)")
    if reason is not None:
        template.unsupported(reason, resource=resource, property=property)
    return destination


def _in_template(template: SamTemplate, destination: Destination) -> bool:
    if destination.kind == "eventbridge" and destination.arn.endswith(":event-bus/default"):
        return True
    types, attribute = _RESOURCES.get(destination.kind, ((), "Arn"))
    for decl in template.of_type(*types):
        value = template.ref(decl.logical_id) if attribute == "Ref" else template.get_att(decl.logical_id, attribute)
        if str(value) == destination.arn:
            return True
    return False


@dataclass(frozen=True)
class InvocationRecord:
    """What Lambda sends to a destination (`body`), and where an S3 destination stores it."""

    body: dict[str, Any]
    function_arn: str
    #: `aws/lambda/async/<function-name>` or `aws/lambda/<ESM UUID>/<shard id>`.
    s3_prefix: str
    #: What an S3 object holds besides the record (a stream batch's `payload`).
    s3_extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def success(self) -> bool:
        return bool(self.body["requestContext"]["condition"] == SUCCESS)

    def s3_key(self, at: float, unique: str) -> str:
        """`<prefix>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<uuid>`, as AWS names the object."""
        moment = datetime.fromtimestamp(at, tz=UTC)
        return f"{self.s3_prefix}/{moment:%Y/%m/%d}/{moment:%Y-%m-%dT%H.%M.%S}-{unique}"

    def s3_body(self) -> dict[str, Any]:
        return {**self.body, **self.s3_extra}


def _request_context(request_id: str, function_arn: str, condition: str, invoke_count: int) -> dict[str, Any]:
    return {"requestId": request_id, "functionArn": function_arn, "condition": condition,
            "approximateInvokeCount": invoke_count}


def _response_context(function_error: bool, version: str) -> dict[str, Any]:
    context: dict[str, Any] = {"statusCode": 200, "executedVersion": version}
    if function_error:
        context["functionError"] = "Unhandled"
    return context


def async_record(*, at: float, request_id: str, function_arn: str, invoked_arn: str, version: str,
                 function_name: str, condition: str, invoke_count: int, event: Any, response: Any,
                 function_error: bool) -> InvocationRecord:
    """The record of an asynchronous invocation ("Example invocation record" in the AWS guide): the
    function ARN qualified as it was invoked (`:$LATEST` when it was not) and the version that ran."""
    qualified = invoked_arn if invoked_arn != function_arn else f"{function_arn}:{LATEST}"
    body = {
        "version": "1.0",
        "timestamp": iso_timestamp(at),
        "requestContext": _request_context(request_id, qualified, condition, invoke_count),
        "requestPayload": event,
        "responseContext": _response_context(function_error, version),
        "responsePayload": response,
    }
    return InvocationRecord(body, function_arn, f"aws/lambda/async/{function_name}")


@dataclass(frozen=True)
class StreamBatch:
    """A batch an event source mapping gave up on: where it came from and the event it was sent as."""

    stream_arn: str
    shard_id: str
    start_sequence: str
    end_sequence: str
    first_arrival: float
    last_arrival: float
    size: int
    event: dict[str, Any]
    #: `KinesisBatchInfo`, or `DDBStreamBatchInfo` for a DynamoDB stream.
    info_field: str = "KinesisBatchInfo"


def stream_record(batch: StreamBatch, *, at: float, request_id: str, function_arn: str, condition: str,
                  invoke_count: int, function_error: bool, mapping_uuid: str,
                  version: str = LATEST) -> InvocationRecord:
    """The record of a discarded stream batch (the Kinesis and DynamoDB on-failure examples):
    `function_arn` is what the mapping's `FunctionName` names, `version` the version it ran."""
    body = {
        "requestContext": _request_context(request_id, function_arn, condition, invoke_count),
        "responseContext": _response_context(function_error, version),
        "version": "1.0",
        "timestamp": iso_timestamp(at),
        batch.info_field: {
            "shardId": batch.shard_id,
            "startSequenceNumber": batch.start_sequence,
            "endSequenceNumber": batch.end_sequence,
            "approximateArrivalOfFirstRecord": iso_timestamp(batch.first_arrival),
            "approximateArrivalOfLastRecord": iso_timestamp(batch.last_arrival),
            "batchSize": batch.size,
            "streamArn": batch.stream_arn,
        },
    }
    return InvocationRecord(body, function_arn, f"aws/lambda/{mapping_uuid}/{batch.shard_id}",
                            s3_extra={"payload": batch.event})
