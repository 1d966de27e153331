"""Delivery to a pipe's target, in the shapes AWS uses ("Amazon EventBridge Pipes targets",
"batching and concurrency", "Invocation types").

- **Lambda** and **Step Functions** receive the whole batch as one JSON array. `REQUEST_RESPONSE`
  (the default) waits: a function error or a failed execution fails the batch, and a response
  `{"batchItemFailures": [{"itemIdentifier": …}]}` names the records to retry (`messageId` for
  SQS, `eventID` for streams); an empty or null list is success, an identifier that is empty,
  null or not in the batch fails the whole batch. Step Functions `REQUEST_RESPONSE` is
  `StartSyncExecution` (Express only); `FIRE_AND_FORGET` is an asynchronous invoke or
  `StartExecution`, a success once accepted.
- **SQS** (`MessageGroupId`, `MessageDeduplicationId`), **SNS**, an **event bus** and **Kinesis**
  (`PartitionKey`, required) receive one message per event. An event bus event has `source`
  `Pipe <pipe name>` and `detail-type` `Event from aws:sqs` (or `aws:kinesis`…) unless
  `EventBridgeEventBusParameters` sets `Source`/`DetailType`, and `Resources` as given. Parameter
  values may be `$.` paths into the event (see `transform.dynamic`). When there is no enrichment
  each event is one source record, so a message that could not be sent retries only its record.

Every call goes through boto3, so the trace shows it and the local wiring reacts to it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from sluice import json_text
from sluice.local.delivery import DeliveryError
from sluice.local.eventbridge.pipes.records import decoded, item_id
from sluice.local.eventbridge.pipes.spec import FIRE_AND_FORGET, PipeSpec
from sluice.local.eventbridge.pipes.transform import TransformError, dynamic, render
from sluice.local.lambda_.runtime import FunctionNotFound, FunctionNotRunnable, Throttled
from sluice.local.sources import SourceHost
from sluice.local.trace import FAILED

_BATCH_TARGETS = ("lambda", "states")


class PipeFailure(Exception):
    """The whole batch failed (its message says why)."""


def express_output(response: dict[str, Any], role: str) -> Any:
    """The output of a `StartSyncExecution`, or `PipeFailure` when the execution did not succeed."""
    if response.get("status") != "SUCCEEDED":
        raise PipeFailure(f"{role} execution {response.get('status')}: {response.get('error')}: "
                          f"{response.get('cause')}")
    output = response.get("output")
    return json_text.loads(output) if output else None


class Targets:
    """Sends a batch's events to the pipe's target; returns the ids of the source records to retry."""

    def __init__(self, spec: PipeSpec, host: SourceHost, *, reserved: Callable[[Any], dict[str, Any]]) -> None:
        self.spec = spec
        self.host = host
        self.reserved = reserved

    def deliver(self, events: list[Any], *, sources: list[dict[str, Any]] | None,
                ids: frozenset[str]) -> frozenset[str]:
        """`sources` are the source records the events are (None after an enrichment)."""
        target = self.spec.target
        try:
            payloads = [render(target.input_template, decoded(event), reserved=self.reserved(event))
                        if target.input_template else event for event in events]
        except TransformError as error:
            raise PipeFailure(f"TargetParameters.InputTemplate: {error}") from None
        if target.service in _BATCH_TARGETS:
            return self._batch(payloads, ids)
        failed: set[str] = set()
        for index, (event, payload) in enumerate(zip(events, payloads, strict=True)):
            try:
                self._one(decoded(event), payload)
            except PipeFailure as failure:
                identifier = item_id(sources[index]) if sources is not None else None
                if identifier is None:
                    raise
                failed.add(identifier)
                # Retried, not lost: a failed step of the batch, not an undelivered event.
                self.host.trace.record("delivery", f"record {identifier}: {failure}", status=FAILED)
        return frozenset(failed)

    # -- Lambda and Step Functions: the batch at once ---------------------------------------------

    def _batch(self, payloads: list[Any], ids: frozenset[str]) -> frozenset[str]:
        target = self.spec.target
        if target.invocation_type == FIRE_AND_FORGET:
            try:
                self.host.deliverer.send(target.arn, payloads)
            except DeliveryError as error:
                raise PipeFailure(str(error)) from None
            return frozenset()
        if target.service == "lambda":
            try:
                invocation = self.host.runtime.call(target.arn, payloads)
            except (FunctionNotFound, FunctionNotRunnable, Throttled) as error:
                raise PipeFailure(str(error)) from None
            if invocation.error is not None:
                raise PipeFailure(f"target {invocation.function} failed: {invocation.error.error_type}: "
                                  f"{invocation.error.message}")
            return _item_failures(invocation.result, ids)
        response = self._call("stepfunctions", "start_sync_execution", stateMachineArn=target.arn,
                              input=json.dumps(payloads))
        return _item_failures(express_output(response, "target"), ids)

    # -- SQS, SNS, event buses, Kinesis: one message per event ------------------------------------

    def _one(self, event: Any, payload: Any) -> None:
        target = self.spec.target
        parameters = {name: dynamic(value, event) for name, value in target.parameters.items()}
        body = payload if isinstance(payload, str) else json.dumps(payload)
        if target.service == "sqs":
            request: dict[str, Any] = {"QueueUrl": self.host.deliverer.queue_url(target.arn), "MessageBody": body}
            request |= {name: str(value) for name, value in parameters.items() if value is not None}
            self._call("sqs", "send_message", **request)
        elif target.service == "sns":
            if target.arn.endswith(".fifo"):
                raise PipeFailure("EventBridge Pipes does not support SNS FIFO topics as targets")
            self._call("sns", "publish", TopicArn=target.arn, Message=body)
        elif target.service == "events":
            self._put_event(payload, parameters)
        elif target.service == "kinesis":
            key = parameters.get("PartitionKey")
            if key in (None, ""):
                raise PipeFailure("KinesisStreamParameters.PartitionKey gave no partition key for this event")
            self._call("kinesis", "put_record", StreamName=target.arn.rsplit("/", 1)[-1], Data=body.encode(),
                       PartitionKey=str(key))
        else:
            raise PipeFailure(f"sluice does not deliver to {target.arn} (emulated targets: Lambda, Step Functions, "
                              "SQS, SNS, EventBridge, Kinesis)")

    def _put_event(self, payload: Any, parameters: dict[str, Any]) -> None:
        if not isinstance(payload, dict):
            raise PipeFailure(f"an event bus needs a JSON object as the event's detail, not {json.dumps(payload)}")
        entry = {"EventBusName": self.spec.target.arn, "Detail": json.dumps(payload),
                 "Source": parameters.get("Source") or f"Pipe {self.spec.name}",
                 "DetailType": parameters.get("DetailType") or f"Event from aws:{self.spec.source.service}",
                 "Resources": [str(resource) for resource in parameters.get("Resources") or []]}
        if parameters.get("Time"):
            entry["Time"] = parameters["Time"]
        response = self._call("events", "put_events", Entries=[entry])
        [result] = response["Entries"]
        if "EventId" not in result:
            raise PipeFailure(f"events PutEvents: {result.get('ErrorCode')}: {result.get('ErrorMessage')}")

    def _call(self, service: str, method: str, **request: Any) -> Any:
        try:
            return getattr(self.host.client(service), method)(**request)
        except ClientError as error:
            raise PipeFailure(f"{service} {method}: {error.response.get('Error', {}).get('Message', error)}") \
                from None
        except BotoCoreError as error:
            raise PipeFailure(f"{service} {method}: {error}") from None


def _item_failures(result: Any, ids: frozenset[str]) -> frozenset[str]:
    """The records a Lambda or Step Functions target reported in `batchItemFailures`."""
    failures = result.get("batchItemFailures") if isinstance(result, dict) else None
    if not failures:
        return frozenset()
    named = [failure.get("itemIdentifier") if isinstance(failure, dict) else None for failure in failures]
    unusable = [identifier for identifier in named if not identifier or identifier not in ids]
    if unusable:
        raise PipeFailure(f"batchItemFailures names {unusable[0]!r}, which is not a record of the batch: the whole "
                          "batch fails")
    return frozenset(str(identifier) for identifier in named)
