"""Rules and their targets, as the local router runs them — and as EventBridge's API shows them.

A target keeps its definition in `PutTargets`' shape (CloudFormation's `Targets` are the same
shape), so the rules of a template are stored in moto exactly as declared, and a target added at
run time is read from the very parameters the call sent.

Example:
    >>> rule = Rule("IngestRule", "sluice-dev-IngestRule-…", arn, bus="default",
    ...             pattern=compile_pattern({"source": ["aws.s3"]}), targets=[Target.of({"Id": "t1", "Arn": arn})])
    >>> rule.put_rule()["EventPattern"]
    '{"source": ["aws.s3"]}'
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sluice.local.eventbridge.patterns import Pattern
from sluice.local.eventbridge.transform import check_target
from sluice.local.template import values

# EventBridge's default target retry policy: 185 attempts over 24 hours.
DEFAULT_TARGET_RETRIES = 185
DEFAULT_TARGET_EVENT_AGE = 86_400
ENABLED = "ENABLED"
#: The services whose targets the router delivers (a bus only by its `event-bus/` ARN).
ROUTED_SERVICES = ("lambda", "states", "sqs", "sns", "events", "kinesis")


def routed(arn: str) -> bool:
    """True for a target ARN the local router delivers (not, e.g., a log group or an archive)."""
    parts = arn.split(":")
    service = parts[2] if len(parts) > 2 else ""
    return service in ROUTED_SERVICES and (service != "events" or ":event-bus/" in arn)


@dataclass
class Target:
    id: str
    arn: str
    input: Any = None
    input_path: str | None = None
    input_transformer: dict[str, Any] | None = None
    sqs_message_group_id: str | None = None
    kinesis_partition_key_path: str | None = None
    dead_letter_arn: str | None = None
    maximum_retry_attempts: int = DEFAULT_TARGET_RETRIES
    maximum_event_age: int = DEFAULT_TARGET_EVENT_AGE
    #: The target as `PutTargets` takes it (and `ListTargetsByRule` shows it).
    definition: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, definition: Mapping[str, Any], rule: str = "") -> Target:
        """A target from its `PutTargets` definition; TemplateError when its input settings are invalid."""
        check_target(definition, rule)
        retry = values.numbers(values.mapping(definition.get("RetryPolicy"), resource=rule,
                                              property="Targets.RetryPolicy"),
                               ("MaximumRetryAttempts", "MaximumEventAgeInSeconds"), resource=rule,
                               where="Targets.RetryPolicy")
        return cls(
            id=str(definition["Id"]),
            arn=str(definition["Arn"]),
            input=definition.get("Input"),
            input_path=definition.get("InputPath"),
            input_transformer=definition.get("InputTransformer"),
            sqs_message_group_id=(definition.get("SqsParameters") or {}).get("MessageGroupId"),
            kinesis_partition_key_path=(definition.get("KinesisParameters") or {}).get("PartitionKeyPath"),
            dead_letter_arn=(definition.get("DeadLetterConfig") or {}).get("Arn"),
            maximum_retry_attempts=retry.get("MaximumRetryAttempts", DEFAULT_TARGET_RETRIES),
            maximum_event_age=retry.get("MaximumEventAgeInSeconds", DEFAULT_TARGET_EVENT_AGE),
            definition=dict(definition),
        )

    @property
    def service(self) -> str:
        parts = self.arn.split(":")
        return parts[2] if len(parts) > 2 else ""

    def input_settings(self) -> dict[str, Any]:
        return {"Input": self.input, "InputPath": self.input_path, "InputTransformer": self.input_transformer}


@dataclass
class Rule:
    """An EventBridge rule: an event pattern on a bus, or a schedule."""

    logical_id: str
    name: str
    arn: str
    bus: str = "default"
    pattern: Pattern | None = None
    schedule: str | None = None
    #: `ENABLED`, `DISABLED` or `ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS`.
    state: str = ENABLED
    description: str | None = None
    targets: list[Target] = field(default_factory=list)

    @property
    def enabled(self) -> bool:
        return self.state.startswith(ENABLED)

    def put_rule(self) -> dict[str, Any]:
        """The `PutRule` parameters that create this rule."""
        params: dict[str, Any] = {"Name": self.name, "EventBusName": self.bus, "State": self.state}
        if self.pattern is not None:
            params["EventPattern"] = json.dumps(self.pattern.source)
        if self.schedule is not None:
            params["ScheduleExpression"] = self.schedule
        if self.description is not None:
            params["Description"] = self.description
        return params
