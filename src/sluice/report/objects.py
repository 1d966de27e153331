"""Where each object `sluice drop` put ended up, read from the local stack's trace.

Each root of the trace is one dropped object (its `s3 PutObject Bucket/key` activity); everything
under it is what that object caused. The S3 writes in that subtree (their titles name the bucket by
logical id and the key, see `sluice.local.trace`) say where data went; `read_object` tells which of
those objects still exist (staged parts are deleted on publish) and reads a quarantine's
`reason.json`. A write into a bucket whose name says "quarantine" sets the object aside.

Example:
    >>> fates = object_fates(stack.trace.since(mark), read_object=reader(stack))
    >>> [(fate.key, fate.outcome) for fate in fates]
    [('incoming/orders.csv', 'published'), ('incoming/bad.csv', 'quarantined')]
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from sluice import json_text
from sluice.local.trace import FAILED, Activity
from sluice.report.model import IGNORED, OBJECT_FAILED, PROCESSED, PUBLISHED, QUARANTINED, ObjectFate, Write

ReadObject = Callable[[str, str], bytes | None]  # (bucket, key) -> content, None when absent
_S3_WRITE = re.compile(r"^s3 (?P<operation>\w+) (?P<bucket>[^/\s]+)(?:/(?P<key>.+)|(?P<rest> .*))?$")
MAX_REASON_BYTES = 16_384
_REACTIONS = ("invoke", "execution", "delivery", "batch")  # work an object caused


def object_fates(roots: Iterable[Activity], read_object: ReadObject | None = None) -> list[ObjectFate]:
    """One fate per dropped object (a root `s3 PutObject` activity), in drop order."""
    fates = []
    for root in roots:
        dropped = _write(root)
        if root.kind != "call" or dropped is None:
            continue
        writes = [write for activity in root.walk() if activity is not root and activity.kind == "call"
                  and activity.status != FAILED and (write := _write(activity, read_object)) is not None]
        executions = [activity.ref for activity in root.walk() if activity.kind == "execution" and activity.ref]
        quarantined = [write for write in writes if "quarantine" in write.bucket.lower()]
        if quarantined:
            outcome, reason = QUARANTINED, _reason(quarantined, read_object) or _failure(root, executions)
        elif any(execution.status not in ("SUCCEEDED", "RUNNING") for execution in executions) \
                or (not executions and not root.ok):  # a retried invocation that then succeeded is no failure
            outcome, reason = OBJECT_FAILED, _failure(root, executions)
        elif not writes and not any(activity.kind in _REACTIONS for activity in root.walk()):
            outcome, reason = IGNORED, "nothing reacted to the object (no rule or notification matched)"
        else:
            published = any(write.exists and write.bucket != dropped.bucket for write in writes)
            outcome, reason = (PUBLISHED if published else PROCESSED), None
        fates.append(ObjectFate(dropped.bucket, dropped.key, outcome, writes, reason,
                                [str(execution.arn) for execution in executions]))
    return fates


def _write(activity: Activity, read_object: ReadObject | None = None) -> Write | None:
    match = _S3_WRITE.match(activity.title)
    if match is None:
        return None
    operation, bucket, key = match["operation"], match["bucket"], match["key"] or (match["rest"] or "").strip()
    exists = None
    if read_object is not None and match["key"] and not operation.startswith("Delete"):
        exists = read_object(bucket, key) is not None
    return Write(operation, bucket, key, exists)


def _reason(quarantined: list[Write], read_object: ReadObject | None) -> str | None:
    """The quarantine's `reason.json`, pretty-printed."""
    for write in quarantined:
        if write.key.endswith("reason.json") and read_object is not None:
            content = read_object(write.bucket, write.key)
            if content is None:
                continue
            text = content[:MAX_REASON_BYTES].decode("utf-8", errors="replace")
            try:
                return json.dumps(json_text.loads(text), indent=2, ensure_ascii=False)
            except json.JSONDecodeError:
                return text
    return None


def _failure(root: Activity, executions: list[Any]) -> str | None:
    """The failed execution's error and cause, else the first failed activity's title."""
    for execution in executions:
        if getattr(execution, "error", None):
            return f"{execution.error}: {execution.cause}" if execution.cause else str(execution.error)
    failed = next((activity for activity in root.walk() if activity.status == FAILED), None)
    return failed.title if failed is not None else None
