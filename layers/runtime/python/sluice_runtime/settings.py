"""The runtime's environment, validated once per execution environment.

| variable                  | meaning                                                  |
|---------------------------|----------------------------------------------------------|
| `IDEMPOTENCY_TABLE`       | DynamoDB table (pk `id`, TTL attribute `expiration`)     |
| `IDEMPOTENCY_TTL_SECONDS` | record lifetime after completion (default 7 days)        |
| `QUARANTINE_BUCKET`       | where permanently failing inputs are set aside           |
| `STAGING_BUCKET`          | where large payloads are offloaded (passed by reference) |
| `ALERTS_TOPIC_ARN`        | optional SNS topic announcing every set-aside input      |
| `ORDERED_DLQ_URL`         | FIFO dead-letter queue of the ordered function           |
| `SLUICE_PIPELINES`        | registry file override (default: the packaged one)       |

The state machines, buckets, stream and queue that the registry references as `${VAR}` are read
when an event is routed (`registry.resolve`).

Example:
    >>> Settings.from_env().idempotency_table   # doctest: +SKIP
    'sluice-IdempotencyTable-1A2B3C'
"""

from __future__ import annotations

import os

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sluice_runtime.errors import ConfigurationError


class Settings(BaseModel):
    """The variables in the table above; a missing `IDEMPOTENCY_TABLE` is a configuration error."""

    model_config = ConfigDict(defer_build=True)

    idempotency_table: str = Field(min_length=1)
    idempotency_ttl_seconds: int = Field(default=7 * 24 * 3600, ge=60)
    quarantine_bucket: str | None = None
    staging_bucket: str | None = None
    alerts_topic_arn: str | None = None
    ordered_dlq_url: str | None = None

    @classmethod
    def from_env(cls) -> Settings:
        values = {name: os.environ.get(name.upper()) for name in cls.model_fields}
        try:
            return cls.model_validate({name: value for name, value in values.items() if value})
        except ValidationError as exc:
            problems = "; ".join(f"{str(err['loc'][0]).upper()}: {err['msg']}" for err in exc.errors())
            raise ConfigurationError(f"runtime environment is incomplete: {problems}") from exc
