"""Template facts shared by the template rules: event sources, and which state machines a function starts.

Example:
    >>> [(f.logical_id, e) for f, e, _ in event_sources(template)][:1]
    [('IngestFunction', 'RawObjectCreated')]
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sluice.graph.functions import FUNCTION_TYPES
from sluice.local.template.model import ResourceDecl, SamTemplate

# Lambda invokes these sources' events asynchronously (Lambda docs, "Invoking Lambda functions
# asynchronously" — S3, SNS, EventBridge, CloudWatch Logs, IoT …).
ASYNC_EVENT_TYPES = ("S3", "SNS", "EventBridgeRule", "CloudWatchEvent", "Schedule", "ScheduleV2",
                     "CloudWatchLogs", "IoTRule", "Cognito")
STREAM_EVENT_TYPES = ("Kinesis", "DynamoDB")
POLLED_EVENT_TYPES = (*STREAM_EVENT_TYPES, "SQS", "MSK", "SelfManagedKafka", "MQ", "DocumentDB")


def event_sources(template: SamTemplate) -> Iterator[tuple[ResourceDecl, str, dict[str, Any]]]:
    """(function, event name, event) for each SAM `Events` entry of each function."""
    for decl in template.of_type(*FUNCTION_TYPES):
        events = decl.properties.get("Events")
        if isinstance(events, dict):
            for name, event in events.items():
                if isinstance(event, dict):
                    yield decl, name, event


def started_machines(template: SamTemplate, function: ResourceDecl) -> set[str]:
    """ARNs or names of the state machines the function's policies let it start."""
    found: set[str] = set()
    for policy in template.prop(function, "Policies", []) or []:
        if not isinstance(policy, dict):
            continue
        sam = policy.get("StepFunctionsExecutionPolicy")
        if isinstance(sam, dict) and isinstance(sam.get("StateMachineName"), str):
            found.add(sam["StateMachineName"])
        for statement in policy.get("Statement", []) if isinstance(policy.get("Statement"), list) else []:
            actions = statement.get("Action", [])
            actions = [actions] if isinstance(actions, str) else actions
            if any(action in ("states:StartExecution", "states:*") for action in actions):
                resources = statement.get("Resource", [])
                found.update([resources] if isinstance(resources, str) else resources)
    return found
