"""Deliver to the services the wiring points at: rule targets, asynchronous-invocation
destinations, dead-letter queues, S3 classic notifications and SNS subscriptions.

Lambda targets are invoked asynchronously (as EventBridge, S3 and SNS invoke), state machines get
an execution on the local engine, and SQS/SNS/Kinesis/EventBridge targets get a real API call to
the local backend — so those writes are observed like any other and can trigger more wiring.

Example:
    >>> deliverer.send(f"arn:aws:sqs:us-east-1:{account}:jobs", {"key": "a.csv"})
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from sluice.asl import Engine, ExecutionAlreadyExists
from sluice.asl.execution import Execution
from sluice.local.errors import StackError
from sluice.local.eventbridge.rules import Rule, Target
from sluice.local.lambdas.runtime import FunctionNotFound
from sluice.local.lambdas.spec import Destination
from sluice.local.trace import FAILED, OK, RUNNING, Trace

if TYPE_CHECKING:
    from sluice.local.eventbridge.bus import EventRouter
    from sluice.local.lambdas.async_invoke import AsyncInvoker


class DeliveryError(StackError):
    """A target could not be reached (unknown function or queue, rejected message…)."""


class Deliverer:
    """Sends payloads to ARNs of the local stack."""

    def __init__(self, *, client: Callable[[str], Any], engine: Engine, trace: Trace, region: str,
                 account: str) -> None:
        self.client = client
        self.engine = engine
        self.trace = trace
        self.region = region
        self.account = account
        self.invoker: AsyncInvoker | None = None
        self.router: EventRouter | None = None

    # -- targets --------------------------------------------------------------------------------

    def target(self, rule: Rule, target: Target, payload: Any, event: dict[str, Any]) -> None:
        """Deliver one rule target; a failure goes to the target's dead-letter queue if it has one."""
        try:
            self.send(target.arn, payload, group_id=target.sqs_message_group_id, dedup_id=str(event.get("id")),
                      partition_key=self._partition_key(target, event), original_event=event)
        except DeliveryError as error:
            failure = self.trace.record("delivery", f"target {target.id} failed: {error}", status=FAILED)
            if target.dead_letter_arn:
                with self.trace.within(failure):
                    self._send_sqs(target.dead_letter_arn, json.dumps(event), attributes={
                        "RULE_ARN": rule.arn, "TARGET_ARN": target.arn, "ERROR_CODE": "SDK_CLIENT_ERROR",
                        "ERROR_MESSAGE": str(error)})

    def send(self, arn: str, payload: Any, *, group_id: str | None = None, dedup_id: str | None = None,
             partition_key: str | None = None, original_event: dict[str, Any] | None = None) -> None:
        """Deliver `payload` to whatever `arn` names."""
        service = arn.split(":")[2] if arn.count(":") >= 5 else ""
        body = payload if isinstance(payload, str) else json.dumps(payload)
        if service == "lambda":
            assert self.invoker is not None
            try:
                self.invoker.submit(arn, payload)
            except FunctionNotFound as error:
                raise DeliveryError(str(error)) from None
        elif service == "states":
            self.start_execution(arn, payload)
        elif service == "sqs":
            self._send_sqs(arn, body, group_id=group_id, dedup_id=dedup_id)
        elif service == "sns":
            self._call("sns", "publish", TopicArn=arn, Message=body)
        elif service == "kinesis":
            self._call("kinesis", "put_record", StreamName=arn.rsplit("/", 1)[-1], Data=body.encode(),
                       PartitionKey=partition_key or dedup_id or "sluice")
        elif service == "events":
            assert self.router is not None
            event = original_event if original_event is not None else payload
            self.router.publish(event, bus=arn.rsplit("/", 1)[-1])
        else:
            raise DeliveryError(f"sluice does not deliver to {arn}")

    def start_execution(self, machine: str, payload: Any, *, name: str | None = None) -> Execution:
        """Start an execution on the engine, recorded in the trace with its outcome."""
        try:
            state_machine = self.engine.state_machine(machine)
        except KeyError:
            raise DeliveryError(f"state machine {machine} is not in the template") from None
        try:
            execution = self.engine.start_execution(state_machine, payload, name=name)
        except ExecutionAlreadyExists as error:
            raise DeliveryError(str(error)) from None
        self.watch(execution)
        return execution

    def watch(self, execution: Execution) -> None:
        """Record an execution (started by us or through the Step Functions API) in the trace."""
        if execution.arn in self.trace.by_execution:
            return
        activity = self.trace.record("execution", execution.arn.split(":")[-2], ref=execution, status=RUNNING,
                                     name=execution.name)
        self.trace.by_execution[execution.arn] = activity
        if execution.task is not None:
            def finished(_: Any) -> None:
                activity.status = OK if execution.status == "SUCCEEDED" else FAILED

            execution.task.add_done_callback(finished)

    # -- Lambda asynchronous invocation results ---------------------------------------------------

    def destination(self, destination: Destination, record: dict[str, Any], *, success: bool,
                    function_arn: str) -> None:
        title = "OnSuccess" if success else "OnFailure"
        activity = self.trace.record("delivery", f"{title} destination {destination.arn.split(':')[-1]}")
        with self.trace.within(activity):
            if destination.kind == "eventbridge":
                assert self.router is not None
                event = {
                    "version": "0", "id": record["requestContext"]["requestId"],
                    "detail-type": f"Lambda Function Invocation Result - {'Success' if success else 'Failure'}",
                    "source": "lambda", "account": self.account, "time": record["timestamp"][:19] + "Z",
                    "region": self.region, "resources": [function_arn], "detail": record,
                }
                self.router.publish(event, bus=destination.arn.rsplit("/", 1)[-1])
                return
            try:
                self.send(destination.arn, record)
            except DeliveryError as error:
                activity.status = FAILED
                activity.title += f" failed: {error}"

    def dead_letter(self, destination: Destination, event: Any, *, request_id: str, error_message: str) -> None:
        """The dead-letter queue message of a failed asynchronous invocation: the event as the
        body, and the `RequestID`, `ErrorCode` and `ErrorMessage` attributes."""
        activity = self.trace.record("delivery", f"dead-letter queue {destination.arn.split(':')[-1]}")
        attributes = {"RequestID": request_id, "ErrorCode": "200", "ErrorMessage": error_message[:1024]}
        with self.trace.within(activity):
            try:
                if destination.kind == "sns":
                    self._call("sns", "publish", TopicArn=destination.arn, Message=json.dumps(event),
                               MessageAttributes=_attributes(attributes, numbers=("ErrorCode",)))
                else:
                    self._send_sqs(destination.arn, json.dumps(event), attributes=attributes, numbers=("ErrorCode",))
            except DeliveryError as error:
                activity.status = FAILED
                activity.title += f" failed: {error}"

    # -- helpers ----------------------------------------------------------------------------------

    def queue_url(self, arn: str) -> str:
        _, _, _, region, account, name = arn.split(":", 5)
        return f"https://sqs.{region}.amazonaws.com/{account}/{name}"

    def _send_sqs(self, arn: str, body: str, *, group_id: str | None = None, dedup_id: str | None = None,
                  attributes: dict[str, str] | None = None, numbers: tuple[str, ...] = ()) -> None:
        request: dict[str, Any] = {"QueueUrl": self.queue_url(arn), "MessageBody": body}
        if arn.endswith(".fifo"):
            request["MessageGroupId"] = group_id or "sluice"
            request["MessageDeduplicationId"] = dedup_id or str(abs(hash(body)))
        if attributes:
            request["MessageAttributes"] = _attributes(attributes, numbers=numbers)
        self._call("sqs", "send_message", **request)

    def _call(self, service: str, method: str, **request: Any) -> Any:
        try:
            return getattr(self.client(service), method)(**request)
        except ClientError as error:
            raise DeliveryError(f"{service} {method}: {error.response.get('Error', {}).get('Message', error)}") \
                from None
        except BotoCoreError as error:
            raise DeliveryError(f"{service} {method}: {error}") from None

    @staticmethod
    def _partition_key(target: Target, event: dict[str, Any]) -> str | None:
        if not target.kinesis_partition_key_path:
            return None
        from sluice.asl.paths import PathNotFound, compile_path  # noqa: PLC0415 - rarely needed

        try:
            return str(compile_path(target.kinesis_partition_key_path).get(event))
        except PathNotFound:
            return None


def _attributes(values: dict[str, str], *, numbers: tuple[str, ...] = ()) -> dict[str, dict[str, str]]:
    return {name: {"DataType": "Number" if name in numbers else "String", "StringValue": value}
            for name, value in values.items()}
