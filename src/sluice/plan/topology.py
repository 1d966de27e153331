"""What of a template a capacity plan needs: the Kinesis consumers, the functions S3 files trigger,
the state machines each function starts and the DynamoDB tables it writes.

Read from the template the way SAM apps are written: a function "starts" a state machine, or
"uses" a table, when its properties (environment, policies, connectors) refer to it by `Ref`,
`GetAtt` or `${Name}` — the same references that give it the permission to.

Example:
    >>> topology = read_topology(SamTemplate.load("template.yaml"))
    >>> [(consumer.function, consumer.batch_size) for consumer in topology.kinesis]
    [('StreamFunction', 500)]
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from sluice.local.lambda_.mappings import source_mappings
from sluice.local.stepfunctions.statemachines import MACHINE_TYPES
from sluice.local.template.model import SamTemplate
from sluice.local.wiring import FUNCTION, sam_events

TABLE_TYPES = ("AWS::DynamoDB::Table", "AWS::Serverless::SimpleTable")
STREAM_TYPE = "AWS::Kinesis::Stream"


@dataclass(frozen=True)
class KinesisConsumer:
    function: str
    stream: str  # logical id when the template declares it, else the ARN
    shards: int | None  # the stream's ShardCount, None for on-demand or a stream from elsewhere
    batch_size: int
    window_seconds: float
    parallelization: int


@dataclass(frozen=True)
class FunctionUse:
    memory_mb: int
    architecture: str
    starts: tuple[str, ...]  # state machines (logical ids) it refers to
    tables: tuple[str, ...]  # DynamoDB tables it refers to


@dataclass
class Topology:
    kinesis: list[KinesisConsumer] = field(default_factory=list)
    file_functions: list[str] = field(default_factory=list)  # invoked once per S3 object created
    functions: dict[str, FunctionUse] = field(default_factory=dict)


def read_topology(template: SamTemplate) -> Topology:
    machines = [decl.logical_id for decl in template.of_type(*MACHINE_TYPES)]
    tables = [decl.logical_id for decl in template.of_type(*TABLE_TYPES)]
    topology = Topology()
    for decl in template.of_type(FUNCTION):
        text = json.dumps(decl.properties, default=str)
        architectures = template.prop(decl, "Architectures", None)  # Globals are merged already
        topology.functions[decl.logical_id] = FunctionUse(
            memory_mb=int(template.prop(decl, "MemorySize", 128)),
            architecture=str((architectures or ["x86_64"])[0]),
            starts=tuple(name for name in machines if _refers(text, name)),
            tables=tuple(name for name in tables if _refers(text, name)))
    for function, _, properties in sam_events(template, FUNCTION, ("S3", "EventBridgeRule", "CloudWatchEvent")):
        if _is_object_created(properties) and function.logical_id not in topology.file_functions:
            topology.file_functions.append(function.logical_id)
    for mapping in source_mappings(template):
        if mapping.kind != "kinesis":
            continue
        settings = mapping.settings
        stream = _declared_stream(template, mapping.source_arn)
        shards = template.prop(stream, "ShardCount", None) if stream else None
        topology.kinesis.append(KinesisConsumer(
            function=_function_of(template, mapping.function), stream=stream or mapping.source_arn,
            shards=int(shards) if shards is not None else None,
            batch_size=int(settings.get("BatchSize", 100)),
            window_seconds=float(settings.get("MaximumBatchingWindowInSeconds", 0)),
            parallelization=int(settings.get("ParallelizationFactor", 1))))
    return topology


def _function_of(template: SamTemplate, reference: str) -> str:
    """The logical id of the function a mapping invokes: its ARN (an alias's or version's, with
    `AutoPublishAlias`, ends in `:<qualifier>`), its name or its logical id."""
    for decl in template.of_type(FUNCTION):
        arn = str(template.get_att(decl.logical_id, "Arn"))
        if reference in (decl.logical_id, arn, template.physical_name(decl.logical_id)) \
                or reference.startswith(f"{arn}:"):
            return decl.logical_id
    return reference


def _refers(text: str, logical_id: str) -> bool:
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(logical_id)}(?![A-Za-z0-9])", text) is not None


def _is_object_created(properties: dict[str, object]) -> bool:
    """An S3 notification, or an EventBridge rule on S3's `Object Created` events."""
    if "Bucket" in properties:
        return True
    pattern = json.dumps(properties.get("Pattern", {}), default=str)
    return "aws.s3" in pattern and "Object Created" in pattern


def _declared_stream(template: SamTemplate, arn: str) -> str | None:
    for decl in template.of_type(STREAM_TYPE):
        try:
            if str(template.get_att(decl.logical_id, "Arn")) == arn or template.physical_name(decl.logical_id) == arn:
                return decl.logical_id
        except Exception:  # a stream the template cannot name is not ours
            continue
    return None
