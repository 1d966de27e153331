"""The bucket notifications a template declares: a bucket's `NotificationConfiguration`
(EventBridge on or off; classic Lambda, SQS and SNS configurations) and the `S3` events of functions.

Example:
    >>> [bucket.logical_id for bucket in bucket_wirings(template)]
    ['RawBucket', 'CuratedBucket']
"""

from __future__ import annotations

from typing import Any

from sluice.local.errors import TemplateError
from sluice.local.resources.base import name_suffix
from sluice.local.s3.events import BucketWiring, Notification
from sluice.local.template import values
from sluice.local.template.model import ResourceDecl, SamTemplate
from sluice.local.wiring import FUNCTION, event_target, sam_events


def bucket_wirings(template: SamTemplate) -> list[BucketWiring]:
    buckets = {decl.logical_id: _bucket(template, decl) for decl in template.of_type("AWS::S3::Bucket")}
    by_name = {bucket.name: bucket for bucket in buckets.values()}
    for function, event_name, properties in sam_events(template, FUNCTION, ("S3",)):
        bucket_ref = template.resolve(function, properties.get("Bucket"), f"Events.{event_name}.Properties.Bucket")
        bucket = by_name.get(str(bucket_ref))
        if bucket is None:
            raise TemplateError(f"S3 event {event_name}: Bucket must be a bucket of this template (!Ref it), "
                                f"not {bucket_ref!r}", resource=function.logical_id,
                                property=f"Events.{event_name}.Properties.Bucket", origin=template.origin)
        events = properties.get("Events")
        filters = template.resolve(function, properties.get("Filter") or {}, f"Events.{event_name}.Properties.Filter")
        bucket.notifications.append(_notification(
            f"{function.logical_id}{event_name}", events, filters, kind="lambda",
            arn=event_target(template, function), template=template, owner=function.logical_id))
    return list(buckets.values())


def _bucket(template: SamTemplate, decl: ResourceDecl) -> BucketWiring:
    wiring = BucketWiring(logical_id=decl.logical_id, name=template.physical_name(decl.logical_id))
    where = {"resource": decl.logical_id, "origin": template.origin}
    config = values.mapping(template.prop(decl, "NotificationConfiguration"), property="NotificationConfiguration",
                            **where)
    eventbridge = values.mapping(config.get("EventBridgeConfiguration"),
                                 property="NotificationConfiguration.EventBridgeConfiguration", **where)
    wiring.eventbridge = str(eventbridge.get("EventBridgeEnabled")).lower() == "true"
    for section, kind, key in (("LambdaConfigurations", "lambda", "Function"), ("QueueConfigurations", "sqs", "Queue"),
                               ("TopicConfigurations", "sns", "Topic")):
        for index, entry in enumerate(config.get(section) or []):
            if not isinstance(entry, dict) or key not in entry or "Event" not in entry:
                raise TemplateError(f"{section}[{index}] needs Event and {key}", resource=decl.logical_id,
                                    property=f"NotificationConfiguration.{section}", origin=template.origin)
            identifier = name_suffix(template.stack_name, decl.logical_id, section, str(index))
            wiring.notifications.append(_notification(identifier, entry["Event"], entry.get("Filter") or {},
                                                      kind=kind, arn=str(entry[key]), template=template,
                                                      owner=decl.logical_id))
    return wiring


def _notification(identifier: str, events: Any, filters: dict[str, Any], *, kind: str, arn: str,
                  template: SamTemplate, owner: str) -> Notification:
    names = [events] if isinstance(events, str) else list(events or [])
    if not names:
        raise TemplateError("an S3 notification needs at least one event (e.g. s3:ObjectCreated:*)",
                            resource=owner, origin=template.origin)
    prefix = suffix = None
    key_filter = values.mapping(values.mapping(filters, resource=owner, property="Filter", origin=template.origin)
                                .get("S3Key"), resource=owner, property="Filter.S3Key", origin=template.origin)
    rules = key_filter.get("Rules") or []
    if not isinstance(rules, list):
        raise TemplateError(f"Filter.S3Key.Rules must be a list (got {rules!r})", resource=owner,
                            origin=template.origin)
    for entry in rules:
        rule = values.mapping(entry, resource=owner, property="Filter.S3Key.Rules", origin=template.origin)
        name = str(rule.get("Name", "")).lower()
        if name == "prefix":
            prefix = str(rule.get("Value", ""))
        elif name == "suffix":
            suffix = str(rule.get("Value", ""))
        else:
            raise TemplateError(f"S3 key filter rules are named prefix or suffix, not {rule.get('Name')!r}",
                                resource=owner, origin=template.origin)
    return Notification(identifier, tuple(str(name) for name in names), kind, arn, prefix, suffix)
