"""Event sources of a stack: SQS and Kinesis pollers (event source mappings) and schedules.

Example:
    >>> [type(source).__name__ for source in build_sources(stack)]
    ['SqsPoller', 'KinesisPoller', 'ScheduleSource']
"""

from __future__ import annotations

from sluice.local.errors import StackError, TemplateError
from sluice.local.sns import subscription_mappings
from sluice.local.sources.base import EventSource, SourceHost
from sluice.local.sources.kinesis import KinesisPoller
from sluice.local.sources.schedule import ScheduleSource
from sluice.local.sources.sqs import SqsPoller
from sluice.local.wiring import source_mappings

__all__ = ["EventSource", "SourceHost", "build_sources"]


def build_sources(host: SourceHost) -> list[EventSource]:
    template = host.template
    sources: list[EventSource] = []
    for mapping in [*source_mappings(template), *subscription_mappings(template)]:
        try:
            if mapping.kind == "sqs":
                sources.append(SqsPoller(host, mapping))
            elif mapping.kind == "kinesis":
                sources.append(KinesisPoller(host, mapping))
            else:
                template.unsupported(f"{mapping.kind} event source mappings are not emulated",
                                     resource=mapping.logical_id)
        except StackError as error:
            raise TemplateError(f"event source mapping: {error}", resource=mapping.logical_id,
                                origin=template.origin) from None
    sources.extend(ScheduleSource(host, rule) for rule in host.router.rules if rule.schedule)
    return sources
