"""boto3 clients of a stack's region, served by the local backend while the stack is open.

All stacks share one boto3 session, so its clients' loaded service models are reused; each stack
caches one client per service.

Example:
    >>> Clients("eu-west-1").client("s3").meta.region_name
    'eu-west-1'
"""

from __future__ import annotations

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
