"""Rules and their targets, as the local router runs them.

Example:
    >>> rule = Rule("IngestRule", "sluice-dev-IngestRule-…", arn, bus="default",
    ...             pattern=compile_pattern({"source": ["aws.s3"]}), targets=[Target("t1", function_arn)])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sluice.local.eventbridge.patterns import Pattern

# EventBridge's default target retry policy: 185 attempts over 24 hours.
DEFAULT_TARGET_RETRIES = 185
DEFAULT_TARGET_EVENT_AGE = 86_400


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
    enabled: bool = True
    targets: list[Target] = field(default_factory=list)
