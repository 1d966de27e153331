"""Invoke a schedule's target the way EventBridge Scheduler does: it sends the target's `Input`
only (no event envelope), with its context attributes substituted.

- templated targets: Lambda (asynchronous invoke), Step Functions (`StartExecution`), SQS (with
  `SqsParameters.MessageGroupId` for FIFO queues), SNS, Kinesis (`KinesisParameters`) — through
  `sluice.local.delivery.Deliverer` — and an event bus (`PutEvents` with `EventBridgeParameters`'
  `DetailType` and `Source`, the `Input` as `Detail`);
- universal targets `arn:aws:scheduler:::aws-sdk:<service>:<apiAction>`: `Input` is the JSON
  object of the API's parameters ("Using universal targets").

Context attributes ("Adding context attributes in EventBridge Scheduler"): the keywords
`<aws.scheduler.schedule-arn>`, `<aws.scheduler.scheduled-time>`, `<aws.scheduler.execution-id>`
and `<aws.scheduler.attempt-number>` are replaced in the `Input` text.

Example:
    >>> targets = Targets(deliverer=deliverer, client=clients.client)
    >>> targets.invoke(Invocation(schedule, scheduled=now, execution_id="d32c5kddcf5bb8c3", attempt=1))
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore import xform_name
from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError, UnknownServiceError

from sluice import json_text
from sluice.local.delivery import Deliverer, DeliveryError
from sluice.local.eventbridge.scheduler.model import Schedule
from sluice.local.eventbridge.scheduler.timing import stamp

UNIVERSAL = ":scheduler:::aws-sdk:"
# Service names of universal target ARNs that botocore spells differently.
_BOTOCORE_SERVICES = {"sfn": "stepfunctions", "eventbridge": "events"}
# Sluice's code for failures whose cause has no AWS error code (an unknown function or queue…).
TARGET_FAILED = "AWS.Scheduler.TargetInvocationFailed"


class TargetError(Exception):
    """The target could not be invoked; `retryable` is False when trying again cannot help."""

    def __init__(self, code: str, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retryable = retryable


@dataclass(frozen=True)
class Invocation:
    """One attempt to invoke a schedule's target for one scheduled time."""

    schedule: Schedule
    scheduled: float
    execution_id: str
    attempt: int

    def input(self) -> str:
        """The target's `Input` with the context attributes substituted (`{}` without one)."""
        text = self.schedule.target.input if self.schedule.target.input is not None else "{}"
        for keyword, value in (("schedule-arn", self.schedule.arn), ("scheduled-time", stamp(self.scheduled)),
                               ("execution-id", self.execution_id), ("attempt-number", str(self.attempt))):
            text = text.replace(f"<aws.scheduler.{keyword}>", value)
        return text


class Targets:
    """Invokes targets; raises `TargetError` when one cannot be invoked."""

    def __init__(self, *, deliverer: Deliverer, client: Callable[[str], Any]) -> None:
        self.deliverer = deliverer
        self.client = client

    def invoke(self, invocation: Invocation) -> None:
        target = invocation.schedule.target
        text = invocation.input()
        if UNIVERSAL in target.arn:
            self._universal(target.arn, text)
            return
        service = target.arn.split(":")[2] if target.arn.count(":") >= 5 else ""
        try:
            if service in ("lambda", "states"):
                self.deliverer.send(target.arn, _json(text))
            elif service == "sqs":
                group = target.sqs_parameters.message_group_id if target.sqs_parameters else None
                # One firing is one message: its retries must not be taken for new ones.
                self.deliverer.send(target.arn, text, group_id=group, dedup_id=invocation.execution_id)
            elif service in ("sns", "kinesis"):
                key = target.kinesis_parameters.partition_key if target.kinesis_parameters else None
                self.deliverer.send(target.arn, text, partition_key=key)
            elif service == "events":
                self._put_event(invocation, text)
            else:
                raise TargetError(TARGET_FAILED, f"sluice does not invoke {target.arn}", retryable=False)
        except DeliveryError as error:
            raise TargetError(TARGET_FAILED, str(error)) from None

    def _put_event(self, invocation: Invocation, text: str) -> None:
        target = invocation.schedule.target
        parameters = target.event_bridge_parameters
        if parameters is None:
            raise TargetError("ValidationException", "an event bus target needs EventBridgeParameters "
                              "(DetailType and Source)", retryable=False)
        response = self._call("events", "PutEvents", {"Entries": [{
            "Source": parameters.source, "DetailType": parameters.detail_type, "Detail": text,
            "EventBusName": target.arn}]})
        failed = [entry for entry in response.get("Entries", []) if "EventId" not in entry]
        if failed:
            raise TargetError(str(failed[0].get("ErrorCode")), str(failed[0].get("ErrorMessage")))

    def _universal(self, arn: str, text: str) -> None:
        service, _, action = arn.split(UNIVERSAL, 1)[1].partition(":")
        try:
            parameters = json_text.loads(text)
        except json.JSONDecodeError as error:
            raise TargetError("ValidationException", f"the Input of a universal target must be the JSON "
                              f"parameters of {service}:{action}: {error}", retryable=False) from None
        if not isinstance(parameters, dict):
            raise TargetError("ValidationException", "the Input of a universal target must be a JSON object",
                              retryable=False)
        self._call(_BOTOCORE_SERVICES.get(service, service), action, parameters)

    def _call(self, service: str, action: str, parameters: dict[str, Any]) -> Any:
        try:
            client = self.client(service)
        except UnknownServiceError:
            raise TargetError("ValidationException", f"unknown service {service!r}", retryable=False) from None
        operation = next((name for name in client.meta.service_model.operation_names
                          if name.lower() == action.lower()), None)
        if operation is None:
            raise TargetError("ValidationException", f"{service} has no API action {action!r}", retryable=False)
        try:
            return getattr(client, xform_name(operation))(**parameters)
        except ParamValidationError as error:
            raise TargetError("ValidationException", str(error), retryable=False) from None
        except ClientError as error:
            details = error.response.get("Error", {})
            raise TargetError(str(details.get("Code", TARGET_FAILED)), str(details.get("Message", error))) \
                from None
        except BotoCoreError as error:
            raise TargetError(TARGET_FAILED, str(error)) from None


def _json(text: str) -> Any:
    """Lambda and Step Functions take JSON: the Input parsed when it is JSON, else as a string."""
    try:
        return json_text.loads(text)
    except json.JSONDecodeError:
        return text
