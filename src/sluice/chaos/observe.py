"""Read what a chaos run left behind in the local stack into a `World` for the invariants.

Example:
    >>> world = observe(stack, drops=dropped, puts=puts, commands=workload.commands)   # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

from sluice import json_text
from sluice.chaos.invariants import FILE_PIPELINE, STREAM_PIPELINE, Dropped, Put, World
from sluice.chaos.workload import FifoCommand
from sluice.local.stack import LocalStack

BUCKETS = ("CuratedBucket", "QuarantineBucket")


def observe(stack: LocalStack, *, drops: list[Dropped], puts: list[Put], commands: list[FifoCommand],
            replays: list[tuple[str, str]]) -> World:
    return World(
        drops=drops,
        puts=puts,
        commands=commands,
        replays=replays,
        objects={bucket: stack.objects(bucket) for bucket in BUCKETS},
        marker_versions=_marker_versions(stack),
        executions={machine: stack.executions(machine) for machine in (FILE_PIPELINE, STREAM_PIPELINE)},
        sink_items=stack.items("StreamSinkTable"),
        dead_letters=[message.body for message in stack.messages("OrderedDeadLetterQueue")],
        parked=[message.body for message in stack.messages("FailureQueue")],
        failed_invocations=[invocation for invocation in stack.invocations() if not invocation.ok],
        faulted_requests={str(fault.detail["request_id"]) for fault in stack.faults.injected
                          if "request_id" in fault.detail},
    )


def _marker_versions(stack: LocalStack) -> dict[str, list[dict[str, Any]]]:
    """Every version ever written of every `_SUCCESS` marker (the curated bucket is versioned), oldest
    first: a publish that was later replaced still counts as a publish."""
    s3 = stack.client("s3")
    bucket = stack.bucket("CuratedBucket")
    found: dict[str, list[tuple[Any, dict[str, Any]]]] = {}
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        for version in page.get("Versions", []):
            key = version["Key"]
            if not key.endswith("/_SUCCESS"):
                continue
            body = s3.get_object(Bucket=bucket, Key=key, VersionId=version["VersionId"])["Body"].read()
            found.setdefault(key, []).append((version["LastModified"], json_text.loads(body)))
    return {key: [doc for _, doc in sorted(entries, key=lambda entry: entry[0])] for key, entries in found.items()}
