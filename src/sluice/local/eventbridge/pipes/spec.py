"""An `AWS::Pipes::Pipe` of the template, read once through pydantic: the properties the local
pipe honours, with CloudFormation's names, ranges and defaults ("AWS::Pipes::Pipe" in the
CloudFormation reference; "Amazon EventBridge Pipes" in the EventBridge guide).

A property sluice does not emulate (an API destination, `LogConfiguration`, …) is accepted and
ignored, as moto stores it; a value AWS would refuse (a batch size of 0, an unknown
`InvocationType`, a filter pattern that is not valid) is a `TemplateError` naming the pipe and
the property.

The same checks read a pipe created or updated at run time (`definition_spec`, from the
definition the `pipes` API stores: `sluice.local.eventbridge.pipes.catalog`), where what is wrong is
a `SpecError` naming the property.

Example:
    >>> [spec] = pipe_specs(template)
    >>> spec.source.arn, spec.target.arn, spec.source.batch_size
    ('arn:aws:sqs:us-east-1:123456789012:orders', 'arn:aws:states:…:stateMachine:Orders', 10)
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sluice import json_text
from sluice.local.errors import TemplateError
from sluice.local.eventbridge.patterns import Pattern, PatternError, compile_pattern
from sluice.local.template.model import ResourceDecl, SamTemplate

PIPE = "AWS::Pipes::Pipe"
InvocationType = Literal["REQUEST_RESPONSE", "FIRE_AND_FORGET"]
REQUEST_RESPONSE: InvocationType = "REQUEST_RESPONSE"
FIRE_AND_FORGET: InvocationType = "FIRE_AND_FORGET"


class _Properties(BaseModel):
    # CloudFormation's property names; properties the local pipe does not use are ignored.
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class _Filter(_Properties):
    pattern: str | dict[str, Any] = Field(alias="Pattern")


class _FilterCriteria(_Properties):
    filters: list[_Filter] = Field(default_factory=list, alias="Filters")


class _DeadLetterConfig(_Properties):
    arn: str | None = Field(default=None, alias="Arn")


class _SqsSource(_Properties):
    batch_size: int = Field(default=10, ge=1, le=10_000, alias="BatchSize")
    window: int = Field(default=0, ge=0, le=300, alias="MaximumBatchingWindowInSeconds")


class _StreamSource(_Properties):
    """Kinesis (and DynamoDB Streams) source parameters: the same fields in CloudFormation."""

    starting_position: Literal["TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"] = Field(alias="StartingPosition")
    # An ISO 8601 string in CloudFormation, epoch seconds (a datetime in boto3) in the API.
    starting_position_timestamp: datetime | None = Field(default=None, alias="StartingPositionTimestamp")
    batch_size: int = Field(default=100, ge=1, le=10_000, alias="BatchSize")
    window: int = Field(default=0, ge=0, le=300, alias="MaximumBatchingWindowInSeconds")
    # -1: retry until the records expire from the stream ("MaximumRetryAttempts", "MaximumRecordAgeInSeconds").
    max_retries: int = Field(default=-1, ge=-1, le=10_000, alias="MaximumRetryAttempts")
    max_age: int = Field(default=-1, ge=-1, le=604_800, alias="MaximumRecordAgeInSeconds")
    on_partial_failure: Literal["AUTOMATIC_BISECT"] | None = Field(default=None, alias="OnPartialBatchItemFailure")
    dead_letter: _DeadLetterConfig = Field(default_factory=_DeadLetterConfig, alias="DeadLetterConfig")
    parallelization: int = Field(default=1, ge=1, le=10, alias="ParallelizationFactor")


class _DynamoDBStreamSource(_StreamSource):
    # "PipeSourceDynamoDBStreamParameters": StartingPosition is TRIM_HORIZON or LATEST only.
    starting_position: Literal["TRIM_HORIZON", "LATEST"] = Field(alias="StartingPosition")


class _SourceParameters(_Properties):
    filter_criteria: _FilterCriteria = Field(default_factory=_FilterCriteria, alias="FilterCriteria")
    sqs: _SqsSource = Field(default_factory=_SqsSource, alias="SqsQueueParameters")
    kinesis: _StreamSource | None = Field(default=None, alias="KinesisStreamParameters")
    dynamodb: _DynamoDBStreamSource | None = Field(default=None, alias="DynamoDBStreamParameters")


#: The stream sources, by the service of their ARN: the `SourceParameters` key they require
#: (`StartingPosition` is required, so a stream pipe cannot go without it).
_STREAM_PARAMETERS = {"kinesis": "KinesisStreamParameters", "dynamodb": "DynamoDBStreamParameters"}


class _EnrichmentParameters(_Properties):
    input_template: str | None = Field(default=None, alias="InputTemplate")


class _Invocation(_Properties):
    invocation_type: InvocationType = Field(default=REQUEST_RESPONSE, alias="InvocationType")


class _SqsTarget(_Properties):
    message_group_id: str | None = Field(default=None, alias="MessageGroupId")
    message_deduplication_id: str | None = Field(default=None, alias="MessageDeduplicationId")


class _EventBusTarget(_Properties):
    detail_type: str | None = Field(default=None, alias="DetailType")
    source: str | None = Field(default=None, alias="Source")
    resources: list[str] = Field(default_factory=list, alias="Resources")
    time: str | None = Field(default=None, alias="Time")


class _KinesisTarget(_Properties):
    partition_key: str = Field(alias="PartitionKey")


class _TargetParameters(_Properties):
    input_template: str | None = Field(default=None, alias="InputTemplate")
    lambda_: _Invocation = Field(default_factory=_Invocation, alias="LambdaFunctionParameters")
    step_functions: _Invocation = Field(default_factory=_Invocation, alias="StepFunctionStateMachineParameters")
    sqs: _SqsTarget = Field(default_factory=_SqsTarget, alias="SqsQueueParameters")
    event_bus: _EventBusTarget = Field(default_factory=_EventBusTarget, alias="EventBridgeEventBusParameters")
    kinesis: _KinesisTarget | None = Field(default=None, alias="KinesisStreamParameters")


class _PipeProperties(_Properties):
    name: str | None = Field(default=None, alias="Name")
    source: str = Field(alias="Source")
    target: str = Field(alias="Target")
    role_arn: str = Field(alias="RoleArn")
    desired_state: Literal["RUNNING", "STOPPED"] = Field(default="RUNNING", alias="DesiredState")
    source_parameters: _SourceParameters = Field(default_factory=_SourceParameters, alias="SourceParameters")
    enrichment: str | None = Field(default=None, alias="Enrichment")
    enrichment_parameters: _EnrichmentParameters = Field(default_factory=_EnrichmentParameters,
                                                         alias="EnrichmentParameters")
    target_parameters: _TargetParameters = Field(default_factory=_TargetParameters, alias="TargetParameters")


@dataclass(frozen=True)
class StreamSettings:
    """How a stream source reads and gives up (Kinesis and DynamoDB Streams: `pipes.streams`)."""

    starting_position: str
    starting_timestamp: datetime | None
    batch_size: int
    window: float
    max_retries: int
    max_age: int
    bisect: bool
    dead_letter_arn: str | None
    #: Concurrent batches per shard, in order per partition key ("ParallelizationFactor").
    parallelization: int = 1


@dataclass(frozen=True)
class SourceSpec:
    arn: str
    #: The ARN's service: `sqs`, `kinesis`, `dynamodb`… (what picks the source, see `pipes.sources`).
    service: str
    batch_size: int
    window: float
    filters: list[Pattern] = field(default_factory=list)
    stream: StreamSettings | None = None


@dataclass(frozen=True)
class TargetSpec:
    arn: str
    service: str
    input_template: str | None
    invocation_type: str
    #: `SqsQueueParameters`, `EventBridgeEventBusParameters` and `KinesisStreamParameters` of the target,
    #: with CloudFormation's names (values may be dynamic `$.` paths into the event).
    parameters: dict[str, Any]


@dataclass(frozen=True)
class EnrichmentSpec:
    arn: str
    service: str
    input_template: str | None


@dataclass(frozen=True)
class PipeSpec:
    logical_id: str
    name: str
    arn: str
    role_arn: str
    running: bool
    source: SourceSpec
    target: TargetSpec
    enrichment: EnrichmentSpec | None = None


class SpecError(ValueError):
    """A pipe definition AWS would refuse: `message`, and the `property` (dotted path) it is about."""

    def __init__(self, message: str, property: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.property = property


def pipe_specs(template: SamTemplate) -> list[PipeSpec]:
    """Every pipe of the template (see the module docstring for what is checked)."""
    return [_template_spec(template, decl) for decl in template.of_type(PIPE)]


def service_of(arn: str) -> str:
    parts = arn.split(":")
    return parts[2] if len(parts) > 5 else ""


def _template_spec(template: SamTemplate, decl: ResourceDecl) -> PipeSpec:
    resolved = {key: template.prop(decl, key) for key in decl.properties}
    try:
        return definition_spec(resolved, logical_id=decl.logical_id, name=template.physical_name(decl.logical_id),
                               arn=str(template.get_att(decl.logical_id, "Arn")))
    except SpecError as error:
        raise TemplateError(error.message, resource=decl.logical_id, property=error.property,
                            origin=template.origin) from None


def definition_spec(definition: Mapping[str, Any], *, logical_id: str, name: str, arn: str) -> PipeSpec:
    """The pipe `definition` describes (CloudFormation's properties, or what `DescribePipe` returns:
    the same names); `SpecError` when AWS would refuse it."""
    try:
        properties = _PipeProperties.model_validate(definition)
    except ValidationError as error:
        first = error.errors()[0]
        raise SpecError(f"{first['msg']}", ".".join(str(part) for part in first["loc"])) from None
    source = properties.source_parameters
    source_service = service_of(properties.source)
    stream = {"kinesis": source.kinesis, "dynamodb": source.dynamodb}.get(source_service)
    if source_service in _STREAM_PARAMETERS and stream is None:
        required = _STREAM_PARAMETERS[source_service]
        raise SpecError(f"a pipe from {properties.source} needs {required} (StartingPosition is required)",
                        f"SourceParameters.{required}")
    batching = stream or source.sqs
    target = properties.target_parameters
    target_service = service_of(properties.target)
    invocation = target.step_functions if target_service == "states" else target.lambda_
    parameters = {"sqs": target.sqs.model_dump(by_alias=True, exclude_none=True),
                  "events": target.event_bus.model_dump(by_alias=True, exclude_none=True),
                  "kinesis": target.kinesis.model_dump(by_alias=True) if target.kinesis else {}}
    enrichment = None
    if properties.enrichment:
        enrichment = EnrichmentSpec(properties.enrichment, service_of(properties.enrichment),
                                    properties.enrichment_parameters.input_template)
    return PipeSpec(
        logical_id=logical_id, name=name, arn=arn, role_arn=properties.role_arn,
        running=properties.desired_state == "RUNNING",
        source=SourceSpec(properties.source, source_service, batching.batch_size,
                          float(batching.window), _filters(source.filter_criteria), _stream(stream)),
        target=TargetSpec(properties.target, target_service, target.input_template, invocation.invocation_type,
                          parameters.get(target_service, {})),
        enrichment=enrichment)


def _stream(settings: _StreamSource | None) -> StreamSettings | None:
    if settings is None:
        return None
    return StreamSettings(settings.starting_position, settings.starting_position_timestamp, settings.batch_size,
                          float(settings.window), settings.max_retries, settings.max_age,
                          settings.on_partial_failure == "AUTOMATIC_BISECT", settings.dead_letter.arn,
                          settings.parallelization)


def _filters(criteria: _FilterCriteria) -> list[Pattern]:
    patterns = []
    for index, entry in enumerate(criteria.filters):
        try:
            source = entry.pattern if isinstance(entry.pattern, dict) else json_text.loads(entry.pattern)
            patterns.append(compile_pattern(source))
        except (PatternError, json.JSONDecodeError) as error:
            raise SpecError(f"FilterCriteria: {error}",
                            f"SourceParameters.FilterCriteria.Filters.{index}.Pattern") from None
    return patterns
