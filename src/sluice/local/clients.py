"""boto3 clients of a stack's region, served by the local backend while the stack is open.

All stacks share one boto3 session, so its clients' loaded service models are reused; each stack
caches one client per service. While a stack is open, every botocore session made in the process
(ours, boto3's default one the handlers' clients come from, moto's) reads service models through
one shared loader (`shared_model_loader`).

Example:
    >>> Clients("eu-west-1").client("s3").meta.region_name
    'eu-west-1'
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

_SESSION: Any = None


class Clients:
    """A boto3 client per service name (the `ClientFactory` service integrations need)."""

    def __init__(self, region: str) -> None:
        self.region = region
        self._clients: dict[str, Any] = {}

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = _session().client(service, region_name=self.region)
        return self._clients[service]


def _session() -> Any:
    """One boto3 session for all stacks: its clients (and their loaded models) are reused."""
    global _SESSION
    if _SESSION is None:
        import boto3  # noqa: PLC0415

        _SESSION = boto3.session.Session(aws_access_key_id="sluice", aws_secret_access_key="sluice")
    return _SESSION


@contextmanager
def shared_model_loader() -> Iterator[None]:
    """Sessions created inside the block share one botocore `Loader` per data path.

    Why: a `Loader` caches what it read (the list of services, each parsed model file) for its own
    session only, so each new session lists botocore's data directory again and parses again every
    model it needs - and a stack makes several (ours, boto3's default session its handlers use,
    moto's). Models are read-only data, shared as botocore already shares them between the clients
    of one session. `AWS_DATA_PATH` (the `data_path` setting) still selects the loader.
    """
    import botocore.session  # noqa: PLC0415

    original = botocore.session.create_loader
    botocore.session.create_loader = _loader
    try:
        yield
    finally:
        botocore.session.create_loader = original


@cache
def _loader(search_path_string: str | None = None) -> Any:
    from botocore.loaders import create_loader  # noqa: PLC0415

    from sluice.local.adapters.botocore_loader import local_loader, model_cache  # noqa: PLC0415

    # The same search paths as botocore's own loader; the files found and parsed faster, and parsed
    # once per machine (see the adapter).
    return local_loader(create_loader(search_path_string).search_paths, model_cache())
