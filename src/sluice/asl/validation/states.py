"""Rules specific to one state type: Task timeouts, Wait, Fail and Map.

* Task: `Resource` is a resource ARN (AWS: "Value is not a valid resource ARN"); `TimeoutSeconds`/
  `TimeoutSecondsPath` and `HeartbeatSeconds`/`HeartbeatSecondsPath` are alternatives; a heartbeat must
  be shorter than the timeout (ASL spec).
* Wait: exactly one of `Seconds`, `Timestamp`, `SecondsPath`, `TimestampPath` (JSONata states only
  have the first two); a literal `Timestamp` is an ISO-8601 date-time with an offset.
* Fail: `Error`/`ErrorPath` and `Cause`/`CausePath` are alternatives.
* Map: `ItemProcessor` or the legacy `Iterator` (one of them); `ProcessorConfig.Mode` is
  `INLINE` or `DISTRIBUTED` (`ExecutionType` `STANDARD`/`EXPRESS`, distributed only and then
  required); `ItemReader`, `ItemBatcher` and `ResultWriter` exist only in distributed mode;
  each `X`/`XPath` pair (`MaxConcurrency`, `ToleratedFailureCount`, …) is an alternative.

Example:
    >>> from sluice.asl.validation import validate_definition
    >>> wait = {"Type": "Wait", "Seconds": 1, "SecondsPath": "$.s", "End": True}
    >>> [d.message for d in validate_definition({"StartAt": "W", "States": {"W": wait}})]
    ['Only one of the fields [Seconds, Timestamp, SecondsPath, TimestampPath] may be specified']
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sluice.asl.jsonata_expr import is_jsonata_template
from sluice.asl.tasks.resources import parse_resource
from sluice.asl.validation.diagnostics import Report
from sluice.asl.validation.fields import exclusive, gated_language, missing, unsupported, wrong_type
from sluice.asl.validation.walk import StateContext, pointer

_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
_WAIT_FIELDS = ("Seconds", "Timestamp", "SecondsPath", "TimestampPath")
_DISTRIBUTED_ONLY = ("ItemReader", "ItemBatcher", "ResultWriter")
_MODES = ("INLINE", "DISTRIBUTED")
_EXECUTION_TYPES = ("STANDARD", "EXPRESS")


def is_timestamp(value: Any) -> bool:
    """An ISO-8601 date-time with an offset, as Wait's `Timestamp` and the Timestamp operators need."""
    if not isinstance(value, str) or _TIMESTAMP.fullmatch(value) is None:
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def check_state(ctx: StateContext, report: Report) -> None:
    checker = _BY_TYPE.get(ctx.type or "")
    if checker is not None:
        checker(ctx, report)


def check_resource(ctx: StateContext, report: Report, *, placeholders: bool) -> None:
    """A Task's `Resource` is a resource ARN (AWS: "Value is not a valid resource ARN"); with `placeholders`,
    one holding a `${Name}` SAM placeholder is left to the placeholder's own diagnostic."""
    resource = ctx.body.get("Resource")
    if ctx.type != "Task" or not isinstance(resource, str) or not resource or (placeholders and "${" in resource):
        return
    if not _is_resource_arn(resource):
        report.schema("Value is not a valid resource ARN", ctx.at("Resource"), ctx.name)


def _check_task(ctx: StateContext, report: Report) -> None:
    exclusive(ctx, report, "TimeoutSeconds", "TimeoutSecondsPath")
    exclusive(ctx, report, "HeartbeatSeconds", "HeartbeatSecondsPath")
    timeout, heartbeat = ctx.body.get("TimeoutSeconds"), ctx.body.get("HeartbeatSeconds")
    if isinstance(timeout, int) and isinstance(heartbeat, int) and heartbeat >= timeout:
        report.schema(
            "'HeartbeatSeconds' must be smaller than 'TimeoutSeconds'", ctx.at("HeartbeatSeconds"), ctx.name
        )


def _is_resource_arn(resource: str) -> bool:
    try:
        parse_resource(resource)
    except ValueError:
        return False
    return True


def _check_wait(ctx: StateContext, report: Report) -> None:
    fields = [field for field in _WAIT_FIELDS if gated_language(field, ctx.language) is None]
    if not any(field in ctx.body for field in fields):
        report.schema(f"Exactly one of the fields [{', '.join(fields)}] is required", ctx.pointer, ctx.name)
    exclusive(ctx, report, *fields)
    timestamp = ctx.body.get("Timestamp")
    if isinstance(timestamp, str) and not is_jsonata_template(timestamp) and not is_timestamp(timestamp):
        wrong_type(
            report,
            "Timestamp",
            "an ISO-8601 date-time with an offset, such as 2016-03-14T01:59:00Z",
            ctx.at("Timestamp"),
            ctx.name,
        )


def _check_fail(ctx: StateContext, report: Report) -> None:
    exclusive(ctx, report, "Error", "ErrorPath")
    exclusive(ctx, report, "Cause", "CausePath")


def _check_map(ctx: StateContext, report: Report) -> None:
    if "ItemProcessor" not in ctx.body and "Iterator" not in ctx.body:
        missing(report, "ItemProcessor", ctx.pointer, ctx.name)
    exclusive(ctx, report, "ItemProcessor", "Iterator")
    exclusive(ctx, report, "ItemSelector", "Parameters")
    for field in ("MaxConcurrency", "ToleratedFailureCount", "ToleratedFailurePercentage"):
        exclusive(ctx, report, field, f"{field}Path")
    mode = "INLINE"
    for field in ("ItemProcessor", "Iterator"):
        processor = ctx.body.get(field)
        if isinstance(processor, Mapping) and "ProcessorConfig" in processor:
            mode = _check_processor_config(
                ctx, processor["ProcessorConfig"], ctx.at(field, "ProcessorConfig"), report
            )
    if mode != "DISTRIBUTED":
        for field in _DISTRIBUTED_ONLY:
            if field in ctx.body:
                report.schema(
                    f"Field '{field}' is only supported when the ProcessorConfig Mode is DISTRIBUTED",
                    ctx.pointer,
                    ctx.name,
                )
    reader = ctx.body.get("ItemReader")
    if isinstance(reader, Mapping) and "Resource" not in reader:
        missing(report, "Resource", ctx.at("ItemReader"), ctx.name)


def _check_processor_config(ctx: StateContext, config: Any, where: str, report: Report) -> str:
    """Check `ProcessorConfig`; return the mode it selects."""
    if not isinstance(config, Mapping):
        wrong_type(report, "ProcessorConfig", "a JSON object", where, ctx.name)
        return "INLINE"
    for field in config:
        if field not in ("Mode", "ExecutionType"):
            unsupported(report, field, where, ctx.name)
    mode = config.get("Mode", "INLINE")
    if mode not in _MODES:
        report.schema(
            f"Value should be one of the following: [{', '.join(_MODES)}]", pointer(where, "Mode"), ctx.name
        )
    if mode == "DISTRIBUTED" and "ExecutionType" not in config:
        missing(report, "ExecutionType", where, ctx.name)
    elif mode != "DISTRIBUTED" and "ExecutionType" in config:
        report.schema("Field 'ExecutionType' is only supported when the Mode is DISTRIBUTED", where, ctx.name)
    if "ExecutionType" in config and config["ExecutionType"] not in _EXECUTION_TYPES:
        report.schema(
            f"Value should be one of the following: [{', '.join(_EXECUTION_TYPES)}]",
            pointer(where, "ExecutionType"),
            ctx.name,
        )
    return mode if isinstance(mode, str) else "INLINE"


_BY_TYPE = {"Task": _check_task, "Wait": _check_wait, "Fail": _check_fail, "Map": _check_map}
