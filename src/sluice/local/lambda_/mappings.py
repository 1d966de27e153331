"""The event source mappings of a template: SAM `SQS`, `Kinesis` and `DynamoDB` events of
functions, and declared `AWS::Lambda::EventSourceMapping`s, with their on-failure destinations.
SNS subscriptions of SQS queues a function polls are added by `sluice.local.sns.subscriptions`.

Example:
    >>> [(mapping.kind, mapping.function) for mapping in source_mappings(template)]
    [('sqs', 'OrderedFunction'), ('kinesis', 'StreamFunction')]
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from sluice import json_text
from sluice.local.errors import TemplateError
from sluice.local.eventbridge.patterns import Pattern, PatternError, compile_pattern
from sluice.local.lambda_.destinations import STREAM_ON_FAILURE, Destination, configured
from sluice.local.template import values
from sluice.local.template.model import SamTemplate
from sluice.local.wiring import FUNCTION, event_target, event_type, sam_events

POLLED_EVENTS = ("SQS", "Kinesis", "DynamoDB")
# The mapping's Integer settings (Lambda API reference, CreateEventSourceMapping), read as numbers once here so
# that the pollers can trust them; MaximumBatchingWindowInSeconds is an Integer too.
WHOLE_NUMBERS = ("BatchSize", "MaximumBatchingWindowInSeconds", "MaximumRetryAttempts", "MaximumRecordAgeInSeconds",
                 "ParallelizationFactor", "TumblingWindowInSeconds")


@dataclass
class SourceMapping:
    """An event source mapping (SAM `SQS`/`Kinesis`/`DynamoDB` event or `AWS::Lambda::EventSourceMapping`)."""

    logical_id: str
    function: str
    source_arn: str
    kind: str  # sqs | kinesis | dynamodb
    settings: dict[str, Any] = field(default_factory=dict)
    #: The mapping's UUID (AWS names S3 on-failure objects after it).
    uuid: str = ""
    #: `DestinationConfig.OnFailure` of a stream mapping.
    on_failure: Destination | None = None


def source_mappings(template: SamTemplate) -> list[SourceMapping]:
    mappings = []
    for function, event_name, properties in sam_events(template, FUNCTION, POLLED_EVENTS):
        where = f"Events.{event_name}.Properties"
        declared = values.mapping(template.resolve(function, properties, where), resource=function.logical_id,
                                  property=where, origin=template.origin)
        resolved = _typed(declared, resource=function.logical_id, where=where, origin=template.origin)
        kind = event_type(function, event_name).lower()
        field_name = "Queue" if kind == "sqs" else "Stream"
        source = _source_arn(resolved.get(field_name), resource=function.logical_id, property=f"{where}.{field_name}",
                             origin=template.origin)
        logical_id = f"{function.logical_id}{event_name}"  # the mapping SAM generates
        mapping = SourceMapping(logical_id, event_target(template, function), str(source), kind, resolved,
                                uuid=_mapping_uuid(template, logical_id))
        mapping.on_failure = _on_failure(template, mapping, function.logical_id, f"{where}.DestinationConfig")
        mappings.append(mapping)
    for decl in template.of_type("AWS::Lambda::EventSourceMapping"):
        resolved = _typed({key: template.prop(decl, key) for key in decl.properties}, resource=decl.logical_id,
                          where=None, origin=template.origin)
        source = str(resolved.get("EventSourceArn", ""))
        service = source.split(":")[2] if source.count(":") >= 2 else ""
        mapping = SourceMapping(decl.logical_id, str(resolved.get("FunctionName")), source, service, resolved,
                                uuid=template.physical_name(decl.logical_id))
        mapping.on_failure = _on_failure(template, mapping, decl.logical_id, "DestinationConfig")
        mappings.append(mapping)
    return mappings


def _typed(settings: dict[str, Any], *, resource: str, where: str | None, origin: str) -> dict[str, Any]:
    """The settings the pollers read, of the types Lambda's API gives them (a TemplateError otherwise)."""
    typed = values.numbers(settings, WHOLE_NUMBERS, resource=resource, where=where, origin=origin)
    typed["FunctionResponseTypes"] = values.strings(
        typed.get("FunctionResponseTypes"), resource=resource, origin=origin,
        property=f"{where}.FunctionResponseTypes" if where else "FunctionResponseTypes")
    return typed


def _source_arn(value: Any, *, resource: str, property: str, origin: str) -> str:
    """A SAM event's `Queue` or `Stream`: an ARN (AWS::Serverless::Function, SQS/Kinesis/DynamoDB events).
    `!Ref` of a queue is its URL, a common slip that only fails on deploy; it is named here."""
    if isinstance(value, str) and value.startswith("arn:") and value.count(":") >= 5:
        return value
    raise TemplateError(f"must be an ARN, such as !GetAtt <Resource>.Arn (got {value!r})", resource=resource,
                        property=property, origin=origin)


def _mapping_uuid(template: SamTemplate, logical_id: str) -> str:
    """The UUID of a SAM-generated mapping, named as `EventSourceMappingKind` names a declared one."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{template.stack_name}/{logical_id}"))


def _on_failure(template: SamTemplate, mapping: SourceMapping, owner: str, where: str) -> Destination | None:
    """A stream mapping's on-failure destination. An SQS mapping has none: AWS leaves failed messages
    to the queue's redrive policy ("Using Lambda with Amazon SQS")."""
    config = mapping.settings.get("DestinationConfig") or {}
    if not config:
        return None
    if mapping.kind == "sqs":
        template.unsupported("an SQS event source has no on-failure destination: failed messages go to the "
                             "queue's dead-letter queue (set RedrivePolicy on the queue)", resource=owner,
                             property=where)
        return None
    return configured(template, config.get("OnFailure") or {}, STREAM_ON_FAILURE, resource=owner,
                      property=f"{where}.OnFailure")


def filter_patterns(settings: dict[str, Any], owner: str) -> list[Pattern]:
    """The mapping's `FilterCriteria.Filters`, compiled: each `Pattern` (a JSON string, or a mapping)
    uses the EventBridge pattern syntax ("Lambda event filtering"); a record is sent when any matches."""
    patterns = []
    for entry in ((settings.get("FilterCriteria") or {}).get("Filters") or []):
        try:
            source = entry["Pattern"]
            patterns.append(compile_pattern(source if isinstance(source, dict) else json_text.loads(source)))
        except (KeyError, TypeError, PatternError, json.JSONDecodeError) as error:
            raise TemplateError(f"FilterCriteria: {error}", resource=owner, property="FilterCriteria") from None
    return patterns
