"""Where integrations get their AWS clients: an injectable factory, boto3 by default, built lazily.

The local stack passes its own factory (clients wired to its in-process services); tests use
`BotoClients()` inside `moto.mock_aws()`; `sluice serve` builds one from the environment, honouring
Step Functions Local's per-service endpoint variables (`DYNAMODB_ENDPOINT`, `SQS_ENDPOINT`, …).
Nothing here imports boto3 until the first client is asked for.

Example:
    >>> clients = BotoClients(region_name="us-east-1", endpoint_urls={"dynamodb": "http://localhost:8000"})
    >>> clients.client("dynamodb").meta.endpoint_url
    'http://localhost:8000'
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Protocol

# Step Functions Local's endpoint variables and the boto3 services they point.
ENDPOINT_VARIABLES = {
    "LAMBDA_ENDPOINT": "lambda",
    "BATCH_ENDPOINT": "batch",
    "DYNAMODB_ENDPOINT": "dynamodb",
    "ECS_ENDPOINT": "ecs",
    "GLUE_ENDPOINT": "glue",
    "SAGEMAKER_ENDPOINT": "sagemaker",
    "SQS_ENDPOINT": "sqs",
    "SNS_ENDPOINT": "sns",
    "EVENTBRIDGE_ENDPOINT": "events",
    "S3_ENDPOINT": "s3",
}


class ClientFactory(Protocol):
    """Anything that hands out a boto3-compatible client per service name (`"dynamodb"`)."""

    def client(self, service_name: str) -> Any: ...


class BotoClients:
    """boto3 clients, created on first use and cached per service."""

    def __init__(self, session: Any = None, *, region_name: str | None = None,
                 endpoint_urls: Mapping[str, str] | None = None, **client_kwargs: Any) -> None:
        self._session = session
        self._region_name = region_name
        self._endpoint_urls = dict(endpoint_urls or {})
        self._client_kwargs = client_kwargs
        self._clients: dict[str, Any] = {}

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None, **kwargs: Any) -> BotoClients:
        """Clients honouring Step Functions Local's `<SERVICE>_ENDPOINT` variables."""
        environ = os.environ if environ is None else environ
        endpoints = {service: environ[name] for name, service in ENDPOINT_VARIABLES.items() if environ.get(name)}
        return cls(endpoint_urls=endpoints, region_name=environ.get("AWS_DEFAULT_REGION"), **kwargs)

    def client(self, service_name: str) -> Any:
        client = self._clients.get(service_name)
        if client is None:
            session = self._session
            if session is None:
                import boto3  # noqa: PLC0415 - the engine starts without boto3

                session = self._session = boto3.session.Session()
            kwargs = dict(self._client_kwargs)
            if self._region_name:
                kwargs.setdefault("region_name", self._region_name)
            if service_name in self._endpoint_urls:
                kwargs["endpoint_url"] = self._endpoint_urls[service_name]
            client = self._clients[service_name] = session.client(service_name, **kwargs)
        return client
