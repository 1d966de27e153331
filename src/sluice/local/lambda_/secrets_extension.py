"""The AWS Parameters and Secrets Lambda Extension, for functions whose `Layers` name it.

On Lambda the extension is a companion process serving `http://localhost:2773` (or the port in the
function's `PARAMETERS_SECRETS_EXTENSION_HTTP_PORT`) to the function, with a cache in front of Secrets
Manager and Parameter Store (Secrets Manager user guide: "Use AWS Secrets Manager secrets in AWS Lambda
functions"; Systems Manager user guide: "Parameter Store integration with Lambda extensions"):

- `GET /secretsmanager/get?secretId=…[&versionId=…|&versionStage=…]` answers `GetSecretValue`'s JSON;
- `GET /systemsmanager/parameters/get?name=…[&version=…|&label=…][&withDecryption=true]` answers
  `GetParameter`'s JSON;
- a request without the function's session token in `X-Aws-Parameters-Secrets-Token` is refused (401);
- answers are cached for `SECRETS_MANAGER_TTL` / `SSM_PARAMETER_STORE_TTL` seconds (300 by default, 0
  to not cache; `PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED=false` turns the cache off), on the stack's clock.

Here the endpoint is one HTTP server per port while the stack is open, reading the local backend; the
functions using a port share its cache (on Lambda each execution environment has its own). A port
another process holds is warned about, and those functions' requests fail as they would without the
extension.

Example:
    >>> from types import SimpleNamespace
    >>> backend = SimpleNamespace(get_secret_value=lambda **asked: {"Name": asked["SecretId"], "SecretString": "pw"})
    >>> cache = ExtensionCache(client=lambda service: backend, now=lambda: 0.0, token="t", settings={})
    >>> cache.answer("/secretsmanager/get", "secretId=db", {"X-Aws-Parameters-Secrets-Token": "t"})
    (200, {'Name': 'db', 'SecretString': 'pw'})
    >>> cache.answer("/secretsmanager/get", "secretId=db", {})[0]
    401
"""

from __future__ import annotations

import base64
import json
import logging
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from botocore.exceptions import ClientError

from sluice.http_endpoint import HttpService, endpoint_of
from sluice.local.lambda_.public_layers import is_extension_layer
from sluice.local.lambda_.resources import FunctionKind

if TYPE_CHECKING:
    from contextlib import ExitStack

    from sluice.local.lambda_.spec import FunctionSpec
    from sluice.local.template.model import SamTemplate

LOG = logging.getLogger("sluice.lambda")
DEFAULT_PORT = 2773
PORT_VARIABLE = "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"
TOKEN_HEADER = "X-Aws-Parameters-Secrets-Token"
_DEFAULT_TTL = 300.0


def extension_ports(specs: Mapping[str, FunctionSpec], layers: Mapping[str, list[Any]]) -> dict[int, FunctionSpec]:
    """Each port the extension serves, with the first function using it (whose settings it takes)."""
    ports: dict[int, FunctionSpec] = {}
    for logical_id, spec in specs.items():
        if any(is_extension_layer(arn) for arn in layers.get(logical_id, ())):
            raw = spec.environment.get(PORT_VARIABLE, str(DEFAULT_PORT))
            ports.setdefault(int(raw) if raw.isdigit() else DEFAULT_PORT, spec)
    return ports


def start_extensions(template: SamTemplate, specs: Mapping[str, FunctionSpec], *, client: Callable[[str], Any],
                     now: Callable[[], float], token: str, exit: ExitStack) -> list[int]:
    """Serve the extension on each port the template's functions use, until `exit` closes; return the ports."""
    layers = {decl.logical_id: list(template.prop(decl, "Layers") or [])
              for decl in template.of_type(*FunctionKind.types)}
    served = []
    for port, spec in extension_ports(specs, layers).items():
        cache = ExtensionCache(client=client, now=now, token=token, settings=spec.environment)
        try:
            server = ExtensionServer(port, cache)
        except OSError as error:
            template.warnings.append(f"the AWS Parameters and Secrets Lambda Extension of {spec.logical_id} cannot "
                                     f"listen on localhost:{port} ({error.strerror}): its requests will fail; set "
                                     f"{PORT_VARIABLE} to a free port")
            continue
        server.start()
        exit.callback(server.stop)
        served.append(port)
    return served


class ExtensionCache:
    """The extension's answers: from the cache while fresh, else from the backend (`client(service)`)."""

    def __init__(self, *, client: Callable[[str], Any], now: Callable[[], float], token: str,
                 settings: Mapping[str, str]) -> None:
        self._client = client
        self._now = now
        self._token = token
        enabled = settings.get("PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED", "true").lower() != "false"
        self._ttl = {"secretsmanager": _seconds(settings.get("SECRETS_MANAGER_TTL")) if enabled else 0.0,
                     "ssm": _seconds(settings.get("SSM_PARAMETER_STORE_TTL")) if enabled else 0.0}
        self._cached: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def answer(self, path: str, query: str, headers: Mapping[str, str]) -> tuple[int, Any]:
        """`(status, JSON body)` for one request."""
        if {name.lower(): value for name, value in headers.items()}.get(TOKEN_HEADER.lower()) != self._token:
            return 401, {"message": f"{TOKEN_HEADER} is missing or is not the function's AWS_SESSION_TOKEN"}
        parameters = dict(parse_qsl(query, keep_blank_values=True))
        if path == "/secretsmanager/get" and parameters.get("secretId"):
            return self._fetch("secretsmanager", query, lambda: self._secret(parameters))
        if path == "/systemsmanager/parameters/get" and parameters.get("name"):
            return self._fetch("ssm", query, lambda: self._parameter(parameters))
        return 400, {"message": "expected GET /secretsmanager/get?secretId=… or "
                                "/systemsmanager/parameters/get?name=…"}

    def _fetch(self, service: str, query: str, read: Callable[[], dict[str, Any]]) -> tuple[int, Any]:
        key, now = (service, query), self._now()
        with self._lock:
            cached = self._cached.get(key)
            if cached is not None and now < cached[0]:
                return 200, cached[1]
        try:
            body = read()
        except ClientError as error:
            # Both services speak AWS's JSON protocol: a client error is a 400 (moto says 404 for a missing
            # secret), a service fault a 5xx; the extension passes the service's answer on.
            status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400))
            problem = error.response["Error"]
            body = {"__type": problem.get("Code"), "message": problem.get("Message")}
            return (status if status >= 500 else 400), body
        if self._ttl[service] > 0:
            with self._lock:
                self._cached[key] = (now + self._ttl[service], body)
        return 200, body

    def _secret(self, parameters: Mapping[str, str]) -> dict[str, Any]:
        request = {"SecretId": parameters["secretId"]}
        for option, field in (("versionId", "VersionId"), ("versionStage", "VersionStage")):
            if parameters.get(option):
                request[field] = parameters[option]
        return _wire(self._client("secretsmanager").get_secret_value(**request))

    def _parameter(self, parameters: Mapping[str, str]) -> dict[str, Any]:
        name = parameters["name"]
        selector = parameters.get("version") or parameters.get("label")
        decrypt = parameters.get("withDecryption", "false").lower() == "true"
        answer = self._client("ssm").get_parameter(Name=f"{name}:{selector}" if selector else name,
                                                   WithDecryption=decrypt)
        return {"Parameter": _wire(answer["Parameter"]), "ResultMetadata": {}}


def _seconds(value: str | None) -> float:
    try:
        return max(0.0, float(value)) if value is not None else _DEFAULT_TTL
    except ValueError:
        return _DEFAULT_TTL


def _wire(answer: Mapping[str, Any]) -> dict[str, Any]:
    """A boto3 answer as the service's JSON has it: dates as epoch seconds, bytes as base64."""
    def wired(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.timestamp()
        return base64.b64encode(value).decode("ascii") if isinstance(value, bytes) else value

    return {key: wired(value) for key, value in answer.items() if key != "ResponseMetadata"}


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        url = urlsplit(self.path)
        try:
            status, body = endpoint_of(self, ExtensionServer).cache.answer(url.path, url.query,
                                                                           dict(self.headers.items()))
        except Exception as error:  # a sluice bug: answered, logged, and the server carries on
            LOG.exception("parameters and secrets extension: GET %s failed", self.path)
            status, body = 500, {"message": f"{type(error).__name__}: {error}"}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        LOG.debug("parameters and secrets extension: " + format, *args)


class ExtensionServer(HttpService):
    """One port of the extension, on the loopback address, serving from `start()` until `stop()`."""

    def __init__(self, port: int, cache: ExtensionCache) -> None:
        self.cache = cache
        super().__init__(_Handler, host="127.0.0.1", port=port)
