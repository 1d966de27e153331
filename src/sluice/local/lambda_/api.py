"""Serve the Lambda API over the template's functions, in-process: moto knows nothing of them (they
run here, not in Docker), so `ListFunctions`, `GetFunction`, `GetFunctionConfiguration`, `Invoke`,
`ListVersionsByFunction`, `ListAliases` and `GetAlias` are answered from the `FunctionCatalog`;
every other Lambda operation is left to moto. Answers are `(http_response, parsed)` in botocore's
shape, so boto3 clients (and `sluice up`, which serialises them) see what AWS would send.

Example:
    >>> lambda_ = boto3.client("lambda")
    >>> lambda_.invoke(FunctionName="orders-api", Qualifier="live", Payload=b'{"a": 1}')["ExecutedVersion"]
    '1'
    >>> [f["FunctionName"] for f in lambda_.list_functions(MaxItems=2)["Functions"]]
    ['orders-api', 'orders-audit']
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Callable, Sequence
from typing import Any

from botocore.response import StreamingBody

from sluice import json_text
from sluice.local.errors import EventError
from sluice.local.hooks import Answer, ApiCall, answer
from sluice.local.lambda_.async_invoke import AsyncInvoker
from sluice.local.lambda_.catalog import (
    LATEST,
    FunctionCatalog,
    InvalidParameterValue,
    LambdaApiError,
    ResourceNotFound,
    Target,
)
from sluice.local.lambda_.mapping_configurations import configuration
from sluice.local.lambda_.mappings import SourceMapping
from sluice.local.lambda_.runtime import FunctionNotRunnable, LambdaRuntime, Throttled

# "Lambda returns up to 50 functions per call" (ListFunctions), "50 versions per call" (ListVersionsByFunction).
PAGE_LIMIT = 50
# ListEventSourceMappings' MaxItems: "Valid Range: Minimum value of 1. Maximum value of 10000."
MAPPING_PAGE_LIMIT = 10_000


class LambdaApi:
    """The Lambda operations sluice answers itself (`intercept` returns None for the others)."""

    def __init__(self, catalog: FunctionCatalog, runtime: LambdaRuntime, invoker: AsyncInvoker,
                 mappings: Sequence[SourceMapping] = (), *, created_at: float = 0.0) -> None:
        self.catalog = catalog
        self.runtime = runtime
        self.invoker = invoker
        #: The template's event source mappings (sluice's pollers run them; moto never sees them).
        self.mappings = list(mappings)
        self.created_at = created_at  # when the template made them (the stack's start)
        self._operations: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "ListFunctions": self._list_functions,
            "GetFunction": self._get_function,
            "GetFunctionConfiguration": self._get_function_configuration,
            "ListVersionsByFunction": self._list_versions,
            "ListAliases": self._list_aliases,
            "GetAlias": self._get_alias,
            "ListEventSourceMappings": self._list_mappings,
            "GetEventSourceMapping": self._get_mapping,
        }

    def intercept(self, call: ApiCall) -> Answer | None:
        if call.operation == "Invoke":
            return self.invoke(call)
        operation = self._operations.get(call.operation)
        if operation is None:
            return None
        try:
            return _response(200, operation(call.params))
        except LambdaApiError as error:
            return _error(error.status, error.code, str(error))

    def invoke(self, call: ApiCall) -> Answer:
        params = call.params
        kind = params.get("InvocationType", "RequestResponse")
        try:
            target = self.catalog.target(str(params.get("FunctionName", "")), params.get("Qualifier"), invoking=True)
            event = _payload(params.get("Payload"))
            if kind == "DryRun":
                return _response(204, {"StatusCode": 204, "Payload": _body(b"")})
            if kind == "Event":
                self.invoker.submit(target.entry.spec.logical_id, event, version=target.version,
                                    invoked_arn=target.arn)
                return _response(202, {"StatusCode": 202, "Payload": _body(b"")})
            invocation = self.runtime.call(target.entry.spec.logical_id, event, version=target.version,
                                           invoked_arn=target.arn)
        except LambdaApiError as error:
            return _error(error.status, error.code, str(error))
        except Throttled as error:
            return _error(429, "TooManyRequestsException", f"Rate Exceeded. {error}")
        except FunctionNotRunnable as error:
            return _error(500, "ServiceException", str(error))
        except EventError as error:
            return _error(400, "InvalidRequestContentException", str(error))
        parsed: dict[str, Any] = {"StatusCode": 200, "ExecutedVersion": invocation.version,
                                  "Payload": _body(json.dumps(invocation.response).encode())}
        if not invocation.ok:
            parsed["FunctionError"] = "Unhandled"
        if params.get("LogType") == "Tail":
            parsed["LogResult"] = base64.b64encode(invocation.logs.encode()[-4096:]).decode()
        return _response(200, parsed)

    # -- read operations -----------------------------------------------------------------------

    def _list_functions(self, params: dict[str, Any]) -> dict[str, Any]:
        """`FunctionVersion=ALL` lists published versions too, each after its `$LATEST`."""
        configurations: list[dict[str, Any]] = []
        for entry in self.catalog.functions():
            if params.get("FunctionVersion") == "ALL":
                configurations.extend(self.catalog.versions(entry))
            else:
                configurations.append(self.catalog.configuration(Target(entry, LATEST, entry.spec.arn)))
        page, marker = _page(configurations, lambda item: str(item["FunctionArn"]), params, limit=PAGE_LIMIT)
        return {"Functions": page, **({"NextMarker": marker} if marker else {})}

    def _get_function(self, params: dict[str, Any]) -> dict[str, Any]:
        target = self.catalog.target(str(params["FunctionName"]), params.get("Qualifier"))
        spec = target.entry.spec
        answer: dict[str, Any] = {
            "Configuration": self.catalog.configuration(target),
            # AWS answers a presigned URL of the deployment package; the local package is this directory.
            "Code": {"RepositoryType": "S3", "Location": spec.code_dir.as_uri()},
            "Tags": dict(target.entry.tags),
        }
        if spec.reserved_concurrency is not None:
            answer["Concurrency"] = {"ReservedConcurrentExecutions": spec.reserved_concurrency}
        return answer

    def _get_function_configuration(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.catalog.configuration(self.catalog.target(str(params["FunctionName"]), params.get("Qualifier")))

    def _list_versions(self, params: dict[str, Any]) -> dict[str, Any]:
        versions = self.catalog.versions(self.catalog.entry(str(params["FunctionName"])))
        page, marker = _page(versions, lambda item: str(item["Version"]), params, limit=PAGE_LIMIT)
        return {"Versions": page, **({"NextMarker": marker} if marker else {})}

    def _list_aliases(self, params: dict[str, Any]) -> dict[str, Any]:
        entry = self.catalog.entry(str(params["FunctionName"]))
        version = params.get("FunctionVersion")
        aliases = [self.catalog.alias(entry, name) for name in sorted(entry.aliases)
                   if version is None or entry.aliases[name].function_version == version]
        page, marker = _page(aliases, lambda item: str(item["Name"]), params, limit=None)
        return {"Aliases": page, **({"NextMarker": marker} if marker else {})}

    def _get_alias(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.catalog.alias(self.catalog.entry(str(params["FunctionName"])), str(params["Name"]))

    def _list_mappings(self, params: dict[str, Any]) -> dict[str, Any]:
        wanted = self.catalog.entry(str(params["FunctionName"])).spec.name if params.get("FunctionName") else None
        source = params.get("EventSourceArn")
        described = [self._mapping(mapping) for mapping in self.mappings
                     if (source is None or mapping.source_arn == source)
                     and (wanted is None or self.catalog.entry(mapping.function).spec.name == wanted)]
        page, marker = _page(sorted(described, key=lambda item: str(item["UUID"])), lambda item: str(item["UUID"]),
                             params, limit=MAPPING_PAGE_LIMIT)
        return {"EventSourceMappings": page, **({"NextMarker": marker} if marker else {})}

    def _get_mapping(self, params: dict[str, Any]) -> dict[str, Any]:
        for mapping in self.mappings:
            if mapping.uuid == params.get("UUID"):
                return self._mapping(mapping)
        raise ResourceNotFound(f"The resource you requested does not exist. (Service: Lambda, "
                               f"Status Code: 404, Request ID: {params.get('UUID')})")

    def _mapping(self, mapping: SourceMapping) -> dict[str, Any]:
        target = self.catalog.target(mapping.function)
        return configuration(mapping, target.arn, partition=self.catalog.partition, region=self.catalog.region,
                             account=self.catalog.account, last_modified=self.created_at)


def _page(items: Sequence[dict[str, Any]], key: Callable[[dict[str, Any]], str], params: dict[str, Any], *,
          limit: int | None) -> tuple[list[dict[str, Any]], str | None]:
    """One page from `Marker` (the key of its first item, as the previous page's `NextMarker`
    said) and at most `MaxItems` items — never more than `limit`, as Lambda caps some listings."""
    start = 0
    marker = params.get("Marker")
    if marker:
        keys = [key(item) for item in items]
        if marker not in keys:
            raise InvalidParameterValue(f"Invalid Marker {marker!r}: pass the NextMarker of the previous page")
        start = keys.index(marker)
    size = int(params.get("MaxItems") or limit or len(items) or 1)
    size = min(size, limit) if limit else size
    page = list(items[start:start + size])
    following = items[start + size:start + size + 1]
    return page, key(following[0]) if following else None


def _payload(raw: Any) -> Any:
    if raw is None:
        return {}
    if hasattr(raw, "read"):
        raw = raw.read()
    try:
        text = raw.decode() if isinstance(raw, bytes | bytearray) else str(raw)
    except UnicodeDecodeError as error:  # Lambda reads the payload as UTF-8 JSON
        raise EventError(f"Could not parse request body into json: Invalid UTF-8 start byte "
                         f"{raw[error.start]:#04x}") from None
    if not text:
        return {}
    try:
        return json_text.loads(text)
    except json.JSONDecodeError as error:
        raise EventError(f"Could not parse request body into json: {error.msg}") from None


def _body(data: bytes) -> StreamingBody:
    return StreamingBody(io.BytesIO(data), len(data))


def _response(status: int, parsed: dict[str, Any]) -> Answer:
    return answer("lambda", parsed, status=status)


def _error(status: int, code: str, message: str) -> Answer:
    # Lambda's error body carries `Type` ("User" for the caller's mistakes) and `Message`.
    fault = {"Type": "User", "Message": message} if status < 500 else {"Message": message}
    return _response(status, {"Error": {"Code": code, "Message": message}, **fault})
