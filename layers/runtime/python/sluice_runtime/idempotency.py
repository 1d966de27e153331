"""Idempotency keys and the claim ledger, built on Powertools' DynamoDB persistence layer.

Powertools supplies the hard part: a conditional `PutItem` that succeeds only if the key is absent,
expired, or an INPROGRESS claim whose `in_progress_expiration` (the claimant's remaining Lambda time)
has passed; `ReturnValuesOnConditionCheckFailure=ALL_OLD` returns the existing record, so a duplicate
costs exactly one write; payload validation; TTL (`expiration`). We use its public persistence methods
(`save_inprogress` / `save_success` / `delete_record`) directly because a Kinesis micro-batch claims
many records for one `StartExecution`, and close its gaps:

* **Stable keys.** Powertools prefixes keys with the Lambda function name; we pass `key_prefix`
  `sluice.<pipeline>` instead, so renaming or redeploying a function never re-opens old keys.
* **Distinct inputs, distinct keys.** A key renders each field as `path=<canonical JSON of the value>`
  joined by `|`: JSON quotes strings, so a value holding `|` or `=` cannot imitate another field, and
  `"2"` stays distinct from `2`. The rendering is injective for a pipeline's fixed field list (each
  JSON text ends where it ends). A value longer than `MAX_VALUE_CHARS` is rendered
  `path~sha256=<hex>` (collision-free in practice, and `~` never follows a path in the other form), so
  keys stay short in execution input and logs; the DynamoDB item id is a sha256 of the whole key
  anyway (`sluice.<pipeline>#<hash>`), far below the 2048-byte partition-key limit.
* **Loud conflicts.** The content fields are validated on every claim: same key, different content
  raises `IdempotencyConflict` (set aside with a reason), never a silent skip.
* **Crash safety.** The claim alone cannot make `StartExecution` exactly-once (a crash between the two
  leaves an expired INPROGRESS claim that a redelivery re-takes); the deterministic execution name
  (`execution_names`) closes that window for Standard workflows.
* **Replays.** An explicit replay token is part of the key, so a backfill starts a new, visibly named run.

Example:
    >>> ledger = Ledger("IdempotencyTable", clients.dynamodb(), 7 * 86400)         # doctest: +SKIP
    >>> claim = ledger.claim(key, context.get_remaining_time_in_millis())         # doctest: +SKIP
    >>> if claim.state is ClaimState.NEW: ...start...; ledger.complete(key, {"execution_arn": arn})
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from sluice_runtime.aws_errors import transient_errors
from sluice_runtime.errors import ClaimInProgress, IdempotencyConflict, InvalidJson
from sluice_runtime.fields import lookup

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer
    from mypy_boto3_dynamodb import DynamoDBClient

    from sluice_runtime.registry import Pipeline

MAX_VALUE_CHARS = 256  # longer rendered values are hashed, so keys stay readable in inputs and logs


class IdempotencyKey(BaseModel):
    """A readable key plus the content that must not change under it.

    `value` is `pipeline|path=<json>|...[|replay=<token>][|after=<execution name>]`: `after` names the
    failed run that a content duplicate re-runs (`superseding`), so the re-run has a key, and thus an
    execution name, of its own.
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    pipeline: str
    identity: str
    content: str
    replay_token: str | None = None
    supersedes: str | None = None

    @property
    def value(self) -> str:
        parts = [self.pipeline, self.identity]
        if self.replay_token:
            parts.append(f"replay={self.replay_token}")
        if self.supersedes:
            parts.append(f"after={self.supersedes}")
        return "|".join(parts)

    def superseding(self, failed_execution: str) -> IdempotencyKey:
        """The key under which an input re-runs the content of `failed_execution` (a failed run)."""
        return self.model_copy(update={"supersedes": failed_execution})

    def payload(self) -> dict[str, str]:
        """The document Powertools hashes: `key` -> record id, `content` -> validation hash."""
        return {"key": self.value, "content": self.content}


def key_for(pipeline: Pipeline, view: Mapping[str, Any], replay_token: str | None = None) -> IdempotencyKey:
    """Build the key of a trigger from its pipeline's key / content fields (missing field: `InvalidEvent`)."""
    identity = render(pipeline.key_fields, view)
    content = render(pipeline.content_fields, view)
    return IdempotencyKey(pipeline=pipeline.name, identity=identity, content=content, replay_token=replay_token)


def render(paths: Sequence[str], view: Mapping[str, Any]) -> str:
    """`path=<canonical JSON>|...` for `paths` of `view` (long values as `path~sha256=<hex>`).

    Example:
        >>> render(["key", "size"], {"key": "a|size=1", "size": 1})
        'key="a|size=1"|size=1'
    """
    return "|".join(_component(path, lookup(view, path)) for path in paths)


def _component(path: str, value: Any) -> str:
    try:
        text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except ValueError as exc:  # NaN / Infinity: not JSON, so not a key either
        raise InvalidJson(f"the value at '{path}' is not JSON (RFC 8259): {exc}", path=path) from exc
    if len(text) <= MAX_VALUE_CHARS:
        return f"{path}={text}"
    return f"{path}~sha256={hashlib.sha256(text.encode()).hexdigest()}"


class ClaimState(StrEnum):
    NEW = "new"  # we own the key: start the execution, then complete()
    DUPLICATE = "duplicate"  # a previous delivery completed: `result` holds what it recorded


class Claim(BaseModel):
    model_config = ConfigDict(defer_build=True)

    state: ClaimState
    result: dict[str, Any] | None = None


class Ledger:
    """Claims keys in the idempotency table (pk `id`, TTL attribute `expiration`)."""

    def __init__(self, table_name: str, client: DynamoDBClient, default_ttl_seconds: int) -> None:
        self._table_name = table_name
        self._client = client
        self._default_ttl = default_ttl_seconds
        self._layers: dict[tuple[str, int], DynamoDBPersistenceLayer] = {}
        self._lock = threading.Lock()

    def claim(self, key: IdempotencyKey, remaining_ms: int, ttl_seconds: int | None = None) -> Claim:
        """Take the key (NEW), or report a completed DUPLICATE; raise on conflict or live claim."""
        # Imported on first use: the Powertools idempotency package is ~10 ms of a cold import.
        from aws_lambda_powertools.utilities.idempotency.exceptions import (  # noqa: PLC0415
            IdempotencyItemAlreadyExistsError,
            IdempotencyValidationError,
        )

        layer = self._layer(key.pipeline, ttl_seconds)
        try:
            # DynamoDB throttling and 5xx are TransientError (aws_errors): classified, and redelivered.
            with transient_errors(f"claim {key.value}"):
                layer.save_inprogress(data=key.payload(), remaining_time_in_millis=remaining_ms)
        except IdempotencyValidationError as exc:
            raise IdempotencyConflict(
                f"idempotency key {key.value!r} was seen before with different content", key=key.value
            ) from exc
        except IdempotencyItemAlreadyExistsError as exc:
            # ALL_OLD returns the record that failed the condition: no extra read for a duplicate.
            record = exc.old_data_record
            if record is not None and record.status == "COMPLETED":
                return Claim(state=ClaimState.DUPLICATE, result=record.response_json_as_dict())
            raise ClaimInProgress(
                f"idempotency key {key.value!r} is claimed by another delivery", key=key.value
            ) from exc
        return Claim(state=ClaimState.NEW)

    def complete(self, key: IdempotencyKey, result: Mapping[str, Any], ttl_seconds: int | None = None) -> None:
        """Mark a claimed key COMPLETED with `result` (returned to later duplicates)."""
        with transient_errors(f"complete {key.value}"):
            self._layer(key.pipeline, ttl_seconds).save_success(data=key.payload(), result=dict(result))

    def release(self, key: IdempotencyKey, error: Exception, ttl_seconds: int | None = None) -> None:
        """Give a claimed key back after a failure, so a redelivery can try again immediately."""
        with transient_errors(f"release {key.value}"):
            self._layer(key.pipeline, ttl_seconds).delete_record(data=key.payload(), exception=error)

    def _layer(self, pipeline: str, ttl_seconds: int | None) -> DynamoDBPersistenceLayer:
        # Powertools configures a layer once (TTL, jmespath, prefix), so keep one per pipeline and TTL.
        from aws_lambda_powertools.utilities.idempotency import (  # noqa: PLC0415 - see claim()
            DynamoDBPersistenceLayer,
            IdempotencyConfig,
        )

        ttl = ttl_seconds or self._default_ttl
        with self._lock:
            layer = self._layers.get((pipeline, ttl))
            if layer is None:
                layer = DynamoDBPersistenceLayer(table_name=self._table_name, boto3_client=self._client)
                config = IdempotencyConfig(
                    event_key_jmespath="key",
                    payload_validation_jmespath="content",
                    raise_on_no_idempotency_key=True,
                    expires_after_seconds=ttl,
                    hash_function="sha256",
                )
                layer.configure(config, key_prefix=f"sluice.{pipeline}")
                self._layers[(pipeline, ttl)] = layer
            return layer
