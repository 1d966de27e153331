"""Idempotency keys and the claim ledger, built on Powertools' DynamoDB persistence layer.

Powertools supplies the hard part: a conditional `PutItem` that succeeds only if the key is absent,
expired, or an INPROGRESS claim whose `in_progress_expiration` (the claimant's remaining Lambda time)
has passed; `ReturnValuesOnConditionCheckFailure=ALL_OLD` returns the existing record, so a duplicate
costs exactly one write; payload validation; TTL (`expiration`). We use its public persistence methods
(`save_inprogress` / `save_success` / `delete_record`) directly because a Kinesis micro-batch claims
many records for one `StartExecution`, and close its gaps:

* **Stable keys.** Powertools prefixes keys with the Lambda function name; we pass `key_prefix`
  `sluice.<pipeline>` instead, so renaming or redeploying a function never re-opens old keys.
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

import json
import threading
from collections.abc import Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from sluice_runtime.errors import ClaimInProgress, IdempotencyConflict
from sluice_runtime.fields import lookup

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer
    from mypy_boto3_dynamodb import DynamoDBClient

    from sluice_runtime.registry import Pipeline


class IdempotencyKey(BaseModel):
    """A readable key (`pipeline|field=value|...[|replay=token]`) plus the content that must not change."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    pipeline: str
    identity: str
    content: str
    replay_token: str | None = None

    @property
    def value(self) -> str:
        suffix = f"|replay={self.replay_token}" if self.replay_token else ""
        return f"{self.pipeline}|{self.identity}{suffix}"

    def payload(self) -> dict[str, str]:
        """The document Powertools hashes: `key` -> record id, `content` -> validation hash."""
        return {"key": self.value, "content": self.content}


def key_for(pipeline: Pipeline, view: Mapping[str, Any], replay_token: str | None = None) -> IdempotencyKey:
    """Build the key of a trigger from its pipeline's key / content fields (missing field: `InvalidEvent`)."""
    identity = "|".join(f"{path}={_text(lookup(view, path))}" for path in pipeline.key_fields)
    content = "|".join(f"{path}={_text(lookup(view, path))}" for path in pipeline.content_fields)
    return IdempotencyKey(pipeline=pipeline.name, identity=identity, content=content, replay_token=replay_token)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, separators=(",", ":"))


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
        self._layer(key.pipeline, ttl_seconds).save_success(data=key.payload(), result=dict(result))

    def release(self, key: IdempotencyKey, error: Exception, ttl_seconds: int | None = None) -> None:
        """Give a claimed key back after a failure, so a redelivery can try again immediately."""
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
