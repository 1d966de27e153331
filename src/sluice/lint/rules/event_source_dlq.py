"""event-source-no-dlq: an event source whose failures have nowhere to go.

Why: failed events must be dead-lettered, never silently dropped:
* Kinesis / DynamoDB stream event sources retry a failing batch until the records expire and then
  discard them unless `DestinationConfig.OnFailure` names a destination (Lambda, "Retaining
  discarded batches": https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html);
* an SQS queue a function polls needs a `RedrivePolicy` (dead-letter queue), or a poison message
  is received forever until its retention period deletes it
  (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html);
* an asynchronously invoked function (S3, SNS, EventBridge, schedules) drops an event after two
  retries unless it has a `DeadLetterQueue` or an `EventInvokeConfig` on-failure destination
  (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sluice.graph.source import Workflow
from sluice.lint.finding import ERROR, Finding, Rule
from sluice.lint.rules._template import ASYNC_EVENT_TYPES, STREAM_EVENT_TYPES, event_sources
from sluice.local.template.model import SamTemplate

RULE = Rule("event-source-no-dlq", ERROR, "event source without a DLQ or on-failure destination",
            "https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html")


def check_template(template: SamTemplate, workflows: list[Workflow]) -> Iterator[Finding]:
    origin = template.origin
    queues = {str(template.get_att(q.logical_id, "Arn")): q.logical_id for q in template.of_type("AWS::SQS::Queue")}
    for function, event_name, event in event_sources(template):
        kind = event.get("Type")
        properties: dict[str, Any] = event.get("Properties") or {}
        if kind in STREAM_EVENT_TYPES and not _on_failure(properties.get("DestinationConfig")):
            yield RULE.finding(origin, function.logical_id, None,
                               f"{kind} event source {event_name} has no DestinationConfig.OnFailure: records "
                               "that keep failing are discarded when they expire",
                               "add DestinationConfig.OnFailure (SQS, SNS or S3) and MaximumRetryAttempts")
        elif kind == "SQS":
            queue = queues.get(str(template.resolve(function, properties.get("Queue"))))
            if queue is not None and not template.resource(queue).properties.get("RedrivePolicy"):
                yield RULE.finding(origin, queue, None,
                                   f"queue {queue} feeds {function.logical_id} ({event_name}) but has no "
                                   "RedrivePolicy: a poison message is received until it expires",
                                   "add a RedrivePolicy with a dead-letter queue and maxReceiveCount")
        elif kind in ASYNC_EVENT_TYPES:
            config = function.properties.get("EventInvokeConfig") or {}
            if not function.properties.get("DeadLetterQueue") and not _on_failure(config.get("DestinationConfig")):
                yield RULE.finding(origin, function.logical_id, None,
                                   f"{kind} event {event_name} invokes the function asynchronously, and failed "
                                   "invocations have no DeadLetterQueue or on-failure destination",
                                   "add EventInvokeConfig.DestinationConfig.OnFailure (or DeadLetterQueue)")
    for mapping in template.of_type("AWS::Lambda::EventSourceMapping"):
        source = str(template.prop(mapping, "EventSourceArn", ""))
        if (":kinesis:" in source or ":dynamodb:" in source) and not _on_failure(
                mapping.properties.get("DestinationConfig")):
            yield RULE.finding(origin, mapping.logical_id, None,
                               "stream event source mapping without DestinationConfig.OnFailure",
                               "add DestinationConfig.OnFailure.Destination")


def _on_failure(config: Any) -> bool:
    return isinstance(config, dict) and isinstance(config.get("OnFailure"), dict) and bool(
        config["OnFailure"].get("Destination"))
