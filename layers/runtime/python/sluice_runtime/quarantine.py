"""Where permanently failing inputs go: never retried blindly, never lost.

* `Quarantine` writes the input and a structured report to the quarantine bucket
  (`quarantine/<reason>/<function>/<digest>.json`, deterministic so a redelivered poison input
  overwrites rather than multiplies) and announces it on the alerts topic when one is configured.
* `DeadLetter` forwards an SQS FIFO message, body untouched, to the FIFO dead-letter queue in its own
  message group, with the reason in message attributes.

Both log one error line and count a metric (`Quarantined` / `DeadLettered`). What they write is
ASCII JSON (non-ASCII as `\\u` escapes): the input being set aside may be exactly the one that cannot be encoded
as UTF-8 (a lone surrogate), and setting it aside must not fail the same way.

Example:
    >>> sink = Quarantine("quarantine-bucket", topic_arn, clients.s3, clients.sns)  # doctest: +SKIP
    >>> sink.set_aside(UnknownRoute("no pipeline for s3://raw/tmp/x"), event,
    ...                record_id="s3://raw/tmp/x", pipeline=None)                          # doctest: +SKIP
    's3://quarantine-bucket/quarantine/unknown_route/ingest/....json'
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel, ConfigDict

from sluice_runtime.aws_errors import transient_errors
from sluice_runtime.errors import ConfigurationError, PermanentError
from sluice_runtime.observability import Metric, count, logger

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient


def ascii_json(document: Any) -> str:
    """Sorted, compact JSON that any input can be written as (non-ASCII and lone surrogates escaped)."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)


class SetAsideReport(BaseModel):
    """Why an input was set aside, stored next to (or with) the input itself."""

    model_config = ConfigDict(defer_build=True)

    reason: str
    message: str
    context: dict[str, Any]
    function: str
    pipeline: str | None
    record_id: str
    set_aside_at: str


class Sink(Protocol):
    """Where a permanently failing input goes; returns where it was put (for the outcome and logs)."""

    def set_aside(
        self,
        error: PermanentError,
        payload: Any,
        *,
        record_id: str,
        pipeline: str | None,
        group: str | None = None,
    ) -> str: ...


def _report(error: PermanentError, record_id: str, pipeline: str | None) -> SetAsideReport:
    return SetAsideReport(
        reason=error.reason,
        message=str(error),
        context={key: str(value) for key, value in error.context.items()},
        function=os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "local"),
        pipeline=pipeline,
        record_id=record_id,
        set_aside_at=datetime.now(UTC).isoformat(),
    )


def _announce(report: SetAsideReport, location: str, metric: Metric) -> None:
    count(metric)
    logger.error(
        f"set aside ({report.reason}): {report.message}",
        extra={
            "reason": report.reason,
            "record_id": report.record_id,
            "pipeline": report.pipeline,
            "location": location,
        },
    )


class Quarantine:
    """S3 quarantine (+ optional SNS alert) for ingest, router and stream inputs.

    The clients are factories, called on the first set-aside: every invocation hands its sink to the
    dispatcher, but most never use it, and each client costs its service model on a cold start.
    """

    def __init__(
        self,
        bucket: str | None,
        topic_arn: str | None,
        s3: Callable[[], S3Client],
        sns: Callable[[], SNSClient] | None,
    ) -> None:
        self._bucket, self._topic_arn, self._s3, self._sns = bucket, topic_arn, s3, sns

    def set_aside(
        self,
        error: PermanentError,
        payload: Any,
        *,
        record_id: str,
        pipeline: str | None,
        group: str | None = None,
    ) -> str:
        if not self._bucket:
            raise ConfigurationError("QUARANTINE_BUCKET is not set: refusing to drop a failed input") from error
        report = _report(error, record_id, pipeline)
        digest = hashlib.sha256(ascii_json([record_id, payload]).encode()).hexdigest()[:32]
        key = f"quarantine/{report.reason}/{report.function}/{digest}.json"
        document = {"report": report.model_dump(), "payload": payload}
        alerts = self._sns() if self._topic_arn and self._sns is not None else None
        location = f"s3://{self._bucket}/{key}"
        # Throttled or unavailable, the input is not set aside yet: a `TransientError` makes its source
        # redeliver it, and the redelivery writes the same key (and announces it again).
        with transient_errors(f"quarantine PutObject {location}"):
            self._s3().put_object(
                Bucket=self._bucket,
                Key=key,
                Body=ascii_json(document).encode(),
                ContentType="application/json",
            )
        if alerts is not None and self._topic_arn:
            with transient_errors(f"quarantine alert Publish {self._topic_arn}"):
                alerts.publish(
                    TopicArn=self._topic_arn,
                    Subject=f"sluice: {report.reason} in {report.function}"[:100],
                    Message=ascii_json({**report.model_dump(), "location": location}),
                )
        _announce(report, location, Metric.QUARANTINED)
        return location


class DeadLetter:
    """FIFO dead-letter queue for the ordered function (same message group, body untouched).

    `sqs` is a factory, called on the first dead-lettered message (most messages start a pipeline).
    """

    def __init__(self, queue_url: str | None, sqs: Callable[[], SQSClient]) -> None:
        self._queue_url, self._sqs = queue_url, sqs

    def set_aside(
        self,
        error: PermanentError,
        payload: Any,
        *,
        record_id: str,
        pipeline: str | None,
        group: str | None = None,
    ) -> str:
        if not self._queue_url:
            raise ConfigurationError("ORDERED_DLQ_URL is not set: refusing to drop a failed message") from error
        report = _report(error, record_id, pipeline)
        attributes = {
            "sluice-reason": report.reason,
            "sluice-message": report.message[:1024],
            "sluice-function": report.function,
            "sluice-pipeline": report.pipeline or "-",
        }
        with transient_errors(f"dead-letter SendMessage {self._queue_url}"):
            self._sqs().send_message(
                QueueUrl=self._queue_url,
                MessageBody=payload if isinstance(payload, str) else ascii_json({"payload": payload}),
                MessageGroupId=group or "sluice-unknown-group",
                MessageDeduplicationId=hashlib.sha256(record_id.encode()).hexdigest(),
                MessageAttributes={k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()},
            )
        location = f"{self._queue_url}#{record_id}"
        _announce(report, location, Metric.DEAD_LETTERED)
        return location
