"""Deliver to the services the wiring points at: rule targets, Lambda destinations (asynchronous
invocations and stream event source mappings), dead-letter queues, S3 classic notifications and
SNS subscriptions.

Lambda targets are invoked asynchronously (as EventBridge, S3 and SNS invoke), state machines get
an execution on the local engine, and SQS/SNS/Kinesis/EventBridge targets get a real API call to
the local backend — so those writes are observed like any other and can trigger more wiring.

Example:
    >>> deliverer.send(f"arn:aws:sqs:us-east-1:{account}:jobs", {"key": "a.csv"})
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from sluice.asl import Engine, ExecutionAlreadyExists
from sluice.asl.execution import Execution
from sluice.local.errors import StackError
from sluice.local.eventbridge.rules import Rule, Target
from sluice.local.lambda_.destinations import DEAD_LETTER, Destination, InvocationRecord, Use, problem
from sluice.local.lambda_.runtime import FunctionNotFound
from sluice.local.trace import FAILED, OK, RUNNING, Activity, Trace

if TYPE_CHECKING:
    from sluice.local.eventbridge.bus import EventRouter
    from sluice.local.lambda_.async_invoke import AsyncInvoker


# Tries of one delivery call: more than a caller's SDK makes (3, standard mode), since it is the
# service itself that delivers; a target still failing after these is reported, never waited on.
DELIVERY_ATTEMPTS = 8


class DeliveryError(StackError):
    """A target could not be reached (unknown function or queue, rejected message…)."""


class Deliverer:
    """Sends payloads to ARNs of the local stack.

    Nothing it cannot deliver is dropped quietly: each failure is a FAILED `delivery` activity in
    the trace and is kept in `failures`; with `strict`, `raise_failures()` (called by the stack once
    it is idle) turns them into a `DeliveryError`."""

    def __init__(self, *, client: Callable[[str], Any], engine: Engine, trace: Trace, region: str,
                 account: str, invoker: Callable[[], AsyncInvoker], router: Callable[[], EventRouter],
                 seed: int | str = 0, strict: bool = False) -> None:
        self.client = client
        self.engine = engine
        self.trace = trace
        self.region = region
        self.account = account
        self.strict = strict
        self.failures: list[str] = []
        self._random = random.Random(f"{seed}:destinations")
        # Both deliver to us in turn (a Lambda destination, a rule target): built after us, they
        # reach us through a late binding (`sluice.local.late`).
        self.invoker = invoker
        self.router = router

    # -- targets --------------------------------------------------------------------------------

    def target(self, rule: Rule, target: Target, payload: Any, event: dict[str, Any]) -> None:
        """Deliver one rule target; a failure goes to the target's dead-letter queue if it has one."""
        try:
            self.send(target.arn, payload, group_id=target.sqs_message_group_id, dedup_id=str(event.get("id")),
                      partition_key=self._partition_key(target, event), original_event=event)
        except DeliveryError as error:
            failure = self.failed(f"target {target.id} failed: {error}")
            if target.dead_letter_arn:
                with self.trace.within(failure):
                    try:
                        self._send_sqs(target.dead_letter_arn, json.dumps(event), attributes={
                            "RULE_ARN": rule.arn, "TARGET_ARN": target.arn, "ERROR_CODE": "SDK_CLIENT_ERROR",
                            "ERROR_MESSAGE": str(error)})
                    except DeliveryError as lost:
                        self.failed(f"dead-letter queue of target {target.id} failed: {lost}")

    def send(self, arn: str, payload: Any, *, group_id: str | None = None, dedup_id: str | None = None,
             partition_key: str | None = None, original_event: dict[str, Any] | None = None) -> None:
        """Deliver `payload` to whatever `arn` names."""
        service = arn.split(":")[2] if arn.count(":") >= 5 else ""
        body = payload if isinstance(payload, str) else json.dumps(payload)
        if service == "lambda":
            try:
                self.invoker().submit(arn, payload)
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
            bus = arn.rsplit("/", 1)[-1]
            self._call("events", "describe_event_bus", Name=bus)  # an unknown bus is a failed delivery
            self.router().publish(original_event if original_event is not None else payload, bus=bus)
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

    # -- Lambda destinations ------------------------------------------------------------------

    def destination(self, destination: Destination, record: InvocationRecord, use: Use) -> bool:
        """Send an invocation record the way Lambda sends it to each destination type
        ("Capturing records of Lambda asynchronous invocations"); False when it could not be."""
        title = "OnSuccess" if record.success else "OnFailure"
        activity = self.trace.record("delivery", f"{title} destination {destination.name}")
        with self.trace.within(activity):
            try:
                reason = problem(destination, use)
                if reason is not None:
                    raise DeliveryError(reason)
                self._send_record(destination, record)
            except DeliveryError as error:
                self._fail(activity, str(error))
                return False
        return True

    def dead_letter(self, destination: Destination, event: Any, *, request_id: str, error_message: str) -> bool:
        """The dead-letter queue message of a failed asynchronous invocation: the event as the
        body, and the `RequestID`, `ErrorCode` (Number: the HTTP status) and `ErrorMessage` (its
        first kilobyte) attributes. False when it could not be sent."""
        activity = self.trace.record("delivery", f"dead-letter queue {destination.name}")
        attributes = {"RequestID": request_id, "ErrorCode": "200", "ErrorMessage": error_message[:1024]}
        with self.trace.within(activity):
            try:
                reason = problem(destination, DEAD_LETTER)
                if reason is not None:
                    raise DeliveryError(reason)
                if destination.kind == "sns":
                    self._call("sns", "publish", TopicArn=destination.arn, Message=json.dumps(event),
                               MessageAttributes=_attributes(attributes, numbers=("ErrorCode",)))
                else:
                    self._send_sqs(destination.arn, json.dumps(event), attributes=attributes, numbers=("ErrorCode",))
            except DeliveryError as error:
                self._fail(activity, str(error))
                return False
        return True

    # -- failures -------------------------------------------------------------------------------

    def failed(self, title: str, *, parent: Activity | None = None) -> Activity:
        """Record something that could not be delivered (or was discarded) as a FAILED activity."""
        self.failures.append(title)
        return self.trace.record("delivery", title, parent=parent, status=FAILED)

    def raise_failures(self) -> None:
        """Under `strict`, fail with everything that could not be delivered since the last call."""
        if self.strict and self.failures:
            failures, self.failures = self.failures, []
            raise DeliveryError("not delivered: " + "; ".join(failures))

    def _fail(self, activity: Activity, reason: str) -> None:
        activity.status = FAILED
        activity.title += f" failed: {reason}"
        self.failures.append(activity.title)

    def _send_record(self, destination: Destination, record: InvocationRecord) -> None:
        if destination.kind == "eventbridge":
            # The record is the `detail` of a PutEvents call; `resources` names the function and
            # the destination.
            response = self._call("events", "put_events", Entries=[{
                "Source": "aws.lambda",
                "DetailType": f"Lambda Function Invocation Result - {'Success' if record.success else 'Failure'}",
                "Detail": json.dumps(record.body), "Resources": [record.function_arn, destination.arn],
                "EventBusName": destination.arn}])
            [entry] = response["Entries"]
            if "EventId" not in entry:
                raise DeliveryError(f"events PutEvents: {entry.get('ErrorCode')}: {entry.get('ErrorMessage')}")
        elif destination.kind == "s3":
            key = record.s3_key(self.trace.clock(), str(uuid.UUID(int=self._random.getrandbits(128), version=4)))
            self._call("s3", "put_object", Bucket=destination.name, Key=key,
                       Body=json.dumps(record.s3_body()).encode(), ContentType="application/json")
        else:
            self.send(destination.arn, record.body)

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
        """One delivery call, retried while the target throttles or fails for a moment, as the AWS
        service delivering it (Lambda, EventBridge, SNS) retries with its own SDK; what still fails
        after `DELIVERY_ATTEMPTS` is a `DeliveryError`. Found by `sluice chaos`: one S3 SlowDown on
        Lambda's write of a Kinesis on-failure record lost the discarded batch."""
        for attempt in range(1, DELIVERY_ATTEMPTS + 1):
            try:
                return getattr(self.client(service), method)(**request)
            except ClientError as error:
                if attempt < DELIVERY_ATTEMPTS and _transient(error):
                    continue
                message = error.response.get("Error", {}).get("Message", error)
                raise DeliveryError(f"{service} {method}: {message}") from None
            except BotoCoreError as error:
                raise DeliveryError(f"{service} {method}: {error}") from None
        raise AssertionError("unreachable")

    @staticmethod
    def _partition_key(target: Target, event: dict[str, Any]) -> str | None:
        if not target.kinesis_partition_key_path:
            return None
        from sluice.asl.paths import PathNotFound, compile_path  # noqa: PLC0415 - rarely needed

        try:
            return str(compile_path(target.kinesis_partition_key_path).get(event))
        except PathNotFound:
            return None


def _transient(error: ClientError) -> bool:
    """A throttle (HTTP 429, or a code naming one: `SlowDown`, `Throttling…`, `RequestThrottled`) or a
    5xx: what AWS's SDKs retry (botocore's standard retry mode)."""
    status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
    code = str(error.response.get("Error", {}).get("Code", ""))
    return status >= 500 or status == 429 or code == "SlowDown" or "throttl" in code.lower()


def _attributes(values: dict[str, str], *, numbers: tuple[str, ...] = ()) -> dict[str, dict[str, str]]:
    return {name: {"DataType": "Number" if name in numbers else "String", "StringValue": value}
            for name, value in values.items()}
