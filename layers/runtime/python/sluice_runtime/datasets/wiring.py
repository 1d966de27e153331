"""Runtime objects of the pipeline task functions, built from the environment once per Lambda environment.

| variable            | used by                                                          |
|---------------------|------------------------------------------------------------------|
| `RAW_BUCKET`        | backfill (default bucket to list)                                |
| `STAGING_BUCKET`    | chunk, quality, publish, compensate, stream sink, backfill       |
| `CURATED_BUCKET`    | validate (already published?), publish, compensate, freshness    |
| `QUARANTINE_BUCKET` | quarantine, stream sink                                          |
| `ALERTS_TOPIC_ARN`  | freshness                                                        |
| `STREAM_SINK_TABLE` | stream sink                                                      |
| `FILE_PIPELINE_ARN` | backfill (only keys routed to the file pipeline are re-run)      |
| `SLUICE_CATALOG`    | dataset catalog override (default: the packaged catalog.json)    |

A step asks for what it needs with `setting("CURATED_BUCKET")`; a missing variable is a
`ConfigurationError` naming it (the Task fails and is not retried: a redeploy is needed).

Example:
    >>> store().write_json(setting("CURATED_BUCKET"), key, marker)   # doctest: +SKIP
"""

from __future__ import annotations

import functools
import os

from sluice_runtime import clients
from sluice_runtime.datasets.catalog import Catalog, load_catalog
from sluice_runtime.datasets.storage import ObjectStore
from sluice_runtime.errors import ConfigurationError


def setting(name: str) -> str:
    """A required environment variable of this function."""
    value = os.environ.get(name)
    if not value:
        raise ConfigurationError(f"environment variable {name} is not set", variable=name)
    return value


@functools.cache
def store() -> ObjectStore:
    return ObjectStore(clients.s3())


def catalog() -> Catalog:
    """The dataset catalog (re-read only when the file changes)."""
    return load_catalog()


def reset() -> None:
    """Forget the cached store and boto3 clients (tests, after changing the environment)."""
    store.cache_clear()
    clients.reset()
