"""Pipes' `InputTemplate` and dynamic path parameters ("Amazon EventBridge Pipes input
transformation", "Dynamic path parameters" of the Pipes targets page).

An `InputTemplate` holds `<$.path>` placeholders (JSON paths into the event, after implicit body
parsing: `<$.body.orderId>` for an SQS JSON body) and the reserved variables
`<aws.pipes.pipe-arn>`, `<aws.pipes.pipe-name>`, `<aws.pipes.source-arn>`,
`<aws.pipes.enrichment-arn>`, `<aws.pipes.target-arn>`, `<aws.pipes.event.ingestion-time>`,
`<aws.pipes.event>` and `<aws.pipes.event.json>`. Values are filled in as EventBridge rules'
input transformers fill theirs (`sluice.local.eventbridge.transform`): as text inside a JSON string,
as JSON elsewhere, as plain text in a template that is not JSON. A path missing from the event
gives `null` (empty text inside a string).

A target parameter whose whole value is a JSON path (`MessageGroupId: $.body.customerId`) takes its
value from the event the pipe received — never from the transformed input, as AWS documents.

Example:
    >>> render('{"order": <$.body.id>, "pipe": "<aws.pipes.pipe-name>"}', {"body": {"id": 7}},
    ...        reserved={"aws.pipes.pipe-name": "orders"})
    {'order': 7, 'pipe': 'orders'}
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sluice.asl.paths import PathNotFound, PathSyntaxError, compile_path
from sluice.local.eventbridge.transform import _fill, _parse

# `<$…>` (a JSON path) or `<aws.pipes.…>` (a reserved variable).
_PLACEHOLDER = re.compile(r"<(\$[^<>\s]*|aws\.pipes\.[a-z.\-]+)>")


class TransformError(ValueError):
    """An input template or dynamic parameter that cannot be evaluated (a malformed JSON path)."""


def render(template: str, event: Any, *, reserved: Mapping[str, Any]) -> Any:
    """`template` filled from `event` (already decoded, see `records.decoded`) and `reserved`."""
    values: dict[str, Any] = {}

    def alias(match: re.Match[str]) -> str:
        # The rules' filler names placeholders with word characters only: give each one a name.
        name = f"sluice-pipes-{len(values)}"
        reference = match.group(1)
        values[name] = _lookup(reference, event) if reference.startswith("$") else reserved.get(reference)
        return f"<{name}>"

    return _parse(_fill(_PLACEHOLDER.sub(alias, template), values))


def dynamic(value: Any, event: Any) -> Any:
    """A target parameter: its value, or the event's value at it when it is a JSON path."""
    if isinstance(value, str) and value.startswith("$."):
        return _lookup(value, event)
    return value


def _lookup(path: str, event: Any) -> Any:
    try:
        return compile_path(path).get(event)
    except PathNotFound:
        return None
    except PathSyntaxError as error:
        raise TransformError(str(error)) from None
