"""Deterministic Step Functions execution names derived from idempotency keys.

StartExecution names are 1-80 characters and must not contain whitespace, brackets, wildcards,
`" # % \\ ^ | ~ ` $ & , ; : /` or control characters; CloudWatch Logs integration further wants only
`0-9 A-Z a-z - _` (StartExecution API reference). We therefore emit only `[A-Za-z0-9_-]`.

Because the name is a pure function of the idempotency key, a redelivery after a crash between the
DynamoDB claim and `StartExecution` reuses the same name, and a Standard state machine refuses to start
a second execution with it for 90 days (`ExecutionAlreadyExists`, or the original response while the
execution is still running with the same input).

Layout: `<pipeline>-<28 hex of sha256(key)>[-r-<replay token>]`, at most 32 + 1 + 28 + 3 + 16 = 80.

Example:
    >>> name = execution_name("raw-objects", "raw-objects|bucket=raw|key=a.csv|version_id=null")
    >>> name.startswith("raw-objects-") and len(name) == len("raw-objects-") + 28
    True
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

MAX_LENGTH = 80
DIGEST_CHARS = 28  # 112 bits: collision-free for any realistic number of executions
PIPELINE_NAME_PATTERN = r"^[a-z][a-z0-9-]{0,31}$"
REPLAY_TOKEN_PATTERN = r"^[A-Za-z0-9_-]{1,16}$"
_LEGAL = re.compile(r"^[A-Za-z0-9_-]{1,80}$")


def execution_name(pipeline: str, key: str, replay_token: str | None = None) -> str:
    """Name of the single execution a pipeline may start for idempotency key `key`."""
    return _compose(pipeline, hashlib.sha256(key.encode()).hexdigest(), replay_token)


def batch_execution_name(pipeline: str, member_keys: Iterable[str]) -> str:
    """Name of a micro-batch execution: a digest of its members' keys, in order."""
    digest = hashlib.sha256("\n".join(member_keys).encode()).hexdigest()
    return _compose(pipeline, digest, None)


def is_legal(name: str) -> bool:
    """True when `name` is accepted by StartExecution (and safe for CloudWatch Logs)."""
    return _LEGAL.fullmatch(name) is not None


def _compose(pipeline: str, digest: str, replay_token: str | None) -> str:
    if re.fullmatch(PIPELINE_NAME_PATTERN, pipeline) is None:
        raise ValueError(f"pipeline name {pipeline!r} does not match {PIPELINE_NAME_PATTERN}")
    name = f"{pipeline}-{digest[:DIGEST_CHARS]}"
    if replay_token is not None:
        if re.fullmatch(REPLAY_TOKEN_PATTERN, replay_token) is None:
            raise ValueError(f"replay token {replay_token!r} does not match {REPLAY_TOKEN_PATTERN}")
        name = f"{name}-r-{replay_token}"
    return name
