"""How the local world reacts to AWS calls: the stack's listener on the botocore hooks.

Every observed write is recorded in the trace (with Powertools idempotency decisions named); then
the wiring reacts — an object written to a bucket sends its S3 events, `PutEvents` is routed by
the rules, a `Publish` reaches the topic's subscribers (`sluice.local.sns`), a `StartExecution` is followed in
the trace, and event sources (pollers) wake up. Lambda's API over the template's functions
(`sluice.local.lambda_.api`), SQS's message operations (`sluice.local.sqs`) and the `pipes` API
(`sluice.local.eventbridge.pipes.catalog`) are answered in-process.

Example:
    >>> with listening(Reactions(...)):
    ...     s3.put_object(Bucket=raw_bucket, Key="in/a.csv", Body=b"...")   # schedules the S3 events
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from sluice.asl import Engine
from sluice.local.calls import describe, is_write
from sluice.local.delivery import Deliverer, DeliveryError
from sluice.local.eventbridge import requests as rule_requests
from sluice.local.eventbridge.bus import EventRouter
from sluice.local.eventbridge.pipes.catalog import PipeCatalog
from sluice.local.eventbridge.scheduler import requests as schedule_requests
from sluice.local.hooks import ApiCall
from sluice.local.lambda_.api import LambdaApi
from sluice.local.s3 import limits as s3_limits
from sluice.local.s3.events import ObjectChange, S3Wiring
from sluice.local.sns import attributes as sns_attributes
from sluice.local.sns.fanout import TopicFanout
from sluice.local.sources import EventSource
from sluice.local.sqs.api import SqsApi
from sluice.local.stepfunctions.tracing import task_state
from sluice.local.trace import FAILED, OK, Activity, Trace

if TYPE_CHECKING:
    from sluice.local.apigateway.websocket.management import ManagementApi

# What moto does not check, and AWS refuses before anything changes.
_REFUSALS = (s3_limits.refusal, sns_attributes.refusal, schedule_requests.refusal, rule_requests.refusal)


class Reactions:
    """The `CallListener` of a stack (see `sluice.local.hooks`)."""

    def __init__(self, *, trace: Trace, loop: asyncio.AbstractEventLoop, engine: Engine, s3: S3Wiring,
                 router: EventRouter, deliverer: Deliverer, lambda_api: LambdaApi,
                 sns: TopicFanout, sqs: SqsApi, pipes: PipeCatalog, sources: Sequence[EventSource],
                 names: Callable[[str], str | None], connections: ManagementApi | None = None) -> None:
        self.trace = trace
        self.loop = loop
        self.engine = engine
        self.s3 = s3
        self.router = router
        self.deliverer = deliverer
        self.lambda_api = lambda_api
        self.sns = sns
        self.sqs = sqs
        self.pipes = pipes
        #: The `apigatewaymanagementapi` API over the WebSocket APIs' connections (None: the template has none).
        self.connections = connections
        self.sources = list(sources)
        self.names = names
        self.ledgers: set[str] = set()  # tables holding idempotency records (see sluice.local.calls)

    def intercept(self, call: ApiCall) -> tuple[Any, dict[str, Any]] | None:
        if call.service == "lambda":
            return self.lambda_api.intercept(call)  # the template's functions (others: moto)
        if call.service == "sqs":
            return self.sqs.intercept(call)  # message state is sluice's own (sluice.local.sqs)
        if call.service == "pipes":
            return self.pipes.intercept(call)  # pipe states are sluice's (sluice.local.eventbridge.pipes.catalog)
        if call.service == "apigatewaymanagementapi" and self.connections is not None:
            return self.connections.intercept(call)  # the WebSocket APIs' clients (sluice.local.apigateway.websocket)
        for check in _REFUSALS:
            if (refused := check(call)) is not None:
                return refused.response()
        return None

    def observe(self, call: ApiCall) -> None:
        activity = None
        if is_write(call):
            kind, title = describe(call, self.names, self.ledgers)
            # A refused idempotency claim is the utility working as designed, not a failure.
            status = OK if call.ok or kind == "idempotency" else FAILED
            activity = self.trace.record(kind, title, status=status, state=task_state(self.trace))
        if not call.ok:
            return
        with self.trace.within(activity or self.trace.current()):
            for change in self.s3.changes(call):
                self._object_changed(change)
            if call.service == "events" and call.operation == "PutEvents":
                self.router.published(call)
            elif call.service == "stepfunctions" and call.operation == "StartExecution":
                self._watch_execution(str(call.response.get("executionArn", "")))
            elif call.service == "sns":
                self.sns.observe(call)
            for source in self.sources:
                source.observe(call)

    def _object_changed(self, change: ObjectChange) -> None:
        bucket = change.bucket
        if bucket.eventbridge:
            event = self.s3.eventbridge_event(change)
            activity = self.trace.record("event", f"{event['detail-type']} {bucket.logical_id}/{change.key}",
                                         ref=event, bus="default")
            self.router.publish(event, activity=activity)
        for notification in bucket.notifications:
            if notification.matches(change.classic_name, change.key):
                payload = self.s3.classic_event(change, notification)
                target = self.names(notification.target_arn) or notification.target_arn
                activity = self.trace.record("event", f"S3 notification {change.classic_name} → {target}",
                                             ref=payload)
                with self.trace.within(activity):
                    self.loop.call_soon(self._deliver, notification.target_arn, payload, activity)

    def _deliver(self, arn: str, payload: Any, activity: Activity | None) -> None:
        try:
            self.deliverer.send(arn, payload)
        except DeliveryError as error:
            self.deliverer.failed(f"delivery to {arn} failed: {error}", parent=activity)

    def _watch_execution(self, arn: str) -> None:
        for machine in self.engine.state_machines.values():
            for execution in machine.executions.values():
                if execution.arn == arn:
                    self.deliverer.watch(execution)
                    return
