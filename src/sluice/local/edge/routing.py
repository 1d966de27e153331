"""Which service and operation an HTTP request is, read the way AWS's front ends read it.

- The service is the one the request is signed for: the SigV4 credential scope
  (`Authorization: AWS4-HMAC-SHA256 Credential=AKID/20240611/us-east-1/s3/aws4_request, …`, or
  `X-Amz-Credential` of a presigned URL) names its signing name (`states` is Step Functions). An
  unsigned request is told by its `X-Amz-Target` (JSON protocols), else taken for S3 (`curl` of an
  object).
- The operation: `X-Amz-Target: <prefix>.<Operation>` (JSON protocols), the `Action` parameter
  (query protocol: SNS; and SQS, whose JSON protocol still takes the query protocol's form, with the
  queue as the path `/<account>/<queue>`, as older SDKs and API Gateway's `sqs:path/` integrations
  send it: "Amazon SQS query API requests"), else the operation whose `requestUri` template and method match the
  request (REST protocols: S3, Lambda, Scheduler). Several S3 operations share a URI
  (`PUT /{Bucket}/{Key+}` is PutObject, UploadPart or CopyObject): the one whose required query
  parameters and headers are all present, with the most of them, wins — what tells them apart on AWS.
- S3 virtual-hosted-style requests (`Host: bucket.s3.<anything>` or `bucket.localhost`) are
  rewritten to path style (`/bucket/key`), which is what the AWS CLI sends to an `--endpoint-url`.

Example:
    >>> route = identify(HttpRequest("GET", "/raw", "list-type=2", {"Authorization": SIGNED_FOR_S3}, b""))
    >>> route.service, route.operation.name
    ('s3', 'ListObjectsV2')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from sluice.local.edge.messages import EdgeError, HttpRequest

if TYPE_CHECKING:
    from botocore.model import OperationModel, ServiceModel

#: botocore names of the services `sluice up` serves.
SERVICES = ("s3", "dynamodb", "sqs", "sns", "kinesis", "events", "scheduler", "pipes", "lambda", "stepfunctions",
            "logs", "ssm", "secretsmanager", "kms", "sts", "ses", "cognito-idp", "firehose", "apigatewaymanagementapi")
# JSON services that still answer the query protocol's form (botocore moved SQS to JSON in 2023).
_QUERY_FORM_TOO = frozenset({"sqs"})
_CREDENTIAL = re.compile(r"Credential=[^/,\s]+/\d{8}/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request")
_LABEL = re.compile(r"\{([^}]+?)(\+?)\}")
# `bucket.s3.amazonaws.com`, `bucket.s3.us-east-1.localhost.localstack.cloud`, `bucket.localhost`.
_VIRTUAL_HOST = re.compile(r"^(?P<bucket>[a-z0-9][a-z0-9.-]*?)\.(?:s3[.-]|localhost$)")


@dataclass(frozen=True)
class Route:
    """The request's service (botocore name), its operation and the values of the URI's labels."""

    service: str
    operation: OperationModel
    labels: dict[str, str]
    request: HttpRequest
    #: The request is the query protocol's form (`Action=SendMessage&MessageBody=…`) to a JSON service.
    form: bool = False


def identify(request: HttpRequest) -> Route:
    """The route of `request`; `EdgeError` when it names no operation of a served service."""
    service = _service(request)
    model = service_model(service)
    if model.protocol == "json" and service in _QUERY_FORM_TOO and not request.header("X-Amz-Target"):
        return Route(service, _query_operation(model, request), {}, request, form=True)
    if model.protocol == "json":
        return Route(service, _json_operation(model, request), {}, request)
    if model.protocol == "query":
        return Route(service, _query_operation(model, request), {}, request)
    if service == "s3":
        request = _path_style(request)
    operation, labels = _rest_operation(model, request)
    return Route(service, operation, labels, request)


@cache
def service_model(service: str) -> ServiceModel:
    """The service's model as botocore ships it, read by a loader of the edge's own: botocore's S3 clients
    rewrite the model they share (`remove_bucket_from_url_paths_from_model` drops `/{Bucket}` from each
    operation's `requestUri` on its first call), and inside a stack every client shares one loader's
    data (ADR 0010), so the shared model stops naming the bucket once the stack has made an S3 call.
    The edge's loader reads the machine's parsed models (`model_cache`), each read a fresh copy."""
    from botocore.model import ServiceModel  # noqa: PLC0415 - the edge's path only

    return ServiceModel(_loader().load_service_model(service, "service-2"), service_name=service)


@cache
def _loader() -> Any:
    from botocore.loaders import create_loader  # noqa: PLC0415

    from sluice.local.adapters.botocore_loader import local_loader, model_cache  # noqa: PLC0415

    return local_loader(create_loader().search_paths, model_cache())


@cache
def signing_names() -> dict[str, str]:
    """botocore's name of each served service, by the name requests are signed for (`states`)."""
    return {service_model(service).signing_name or service: service for service in SERVICES}


@cache
def _target_prefixes() -> dict[str, str]:
    return {str(service_model(service).metadata["targetPrefix"]): service for service in SERVICES
            if "targetPrefix" in service_model(service).metadata}


def credential_scope(request: HttpRequest) -> re.Match[str] | None:
    """The SigV4 credential scope the request is signed with (`region` and `service` groups), from its
    `Authorization` header or a presigned URL's `X-Amz-Credential`."""
    return _CREDENTIAL.search(request.header("Authorization")) or \
        _CREDENTIAL.search("Credential=" + dict(request.query_pairs()).get("X-Amz-Credential", ""))


def _service(request: HttpRequest) -> str:
    signed = credential_scope(request)
    if signed is not None:
        name = signed["service"]
        if name in signing_names():
            return signing_names()[name]
        # Another service botocore knows by the name it signs for (transcribe, translate, rekognition…):
        # replayed as any call is, to moto, which answers what it implements.
        if name in _loader().list_available_services("service-2"):
            return name
        raise EdgeError("UnknownService", f"the local stack does not serve the {name!r} service (it serves "
                                          f"{', '.join(SERVICES)}, and others of botocore's by their own name)")
    prefix = request.header("X-Amz-Target").partition(".")[0]
    return _target_prefixes().get(prefix, "s3")


def _json_operation(model: ServiceModel, request: HttpRequest) -> OperationModel:
    target = request.header("X-Amz-Target")
    prefix, _, name = target.partition(".")
    if prefix != model.metadata.get("targetPrefix") or name not in model.operation_names:
        raise EdgeError("UnknownOperationException", f"Missing or unknown X-Amz-Target header: {target!r}",
                        service=model.service_name)
    return model.operation_model(name)


def _query_operation(model: ServiceModel, request: HttpRequest) -> OperationModel:
    from sluice.local.edge.requests import form  # noqa: PLC0415 - requests imports this module

    name = form(request).get("Action", "")
    if name not in model.operation_names:
        raise EdgeError("InvalidAction", f"The action {name or '(none)'} is not valid for this endpoint.",
                        service=model.service_name)
    return model.operation_model(name)


def _path_style(request: HttpRequest) -> HttpRequest:
    host = request.header("Host").rsplit(":", 1)[0]
    virtual = _VIRTUAL_HOST.match(host)
    if virtual is None:
        return request
    return replace(request, path=f"/{virtual.group('bucket')}{request.path if request.path != '/' else ''}")


@dataclass(frozen=True)
class _Template:
    operation: OperationModel
    method: str
    pattern: re.Pattern[str]
    labels: tuple[str, ...]
    literal_query: tuple[tuple[str, str], ...]


@cache
def _templates(service: str) -> tuple[_Template, ...]:
    model = service_model(service)
    templates = []
    for name in model.operation_names:
        operation = model.operation_model(name)
        path, _, query = str(operation.http["requestUri"]).partition("?")
        labels = tuple(match.group(1) for match in _LABEL.finditer(path))
        regex, end = "", 0
        for label in _LABEL.finditer(path):
            regex += re.escape(path[end:label.start()]) + ("(.+)" if label.group(2) else "([^/]+)")
            end = label.end()
        regex += re.escape(path[end:])
        # `/{Bucket}` is also asked for as `/{Bucket}/`.
        pattern = re.compile(f"^{regex}/?$" if path != "/" else "^/$")
        literal = tuple((key, value) for key, _, value in (pair.partition("=") for pair in query.split("&") if pair))
        templates.append(_Template(operation, str(operation.http["method"]), pattern, labels, literal))
    return tuple(templates)


def _rest_operation(model: ServiceModel, request: HttpRequest) -> tuple[OperationModel, dict[str, str]]:
    query = dict(request.query_pairs())
    best: tuple[int, OperationModel, dict[str, str]] | None = None
    for template in _templates(model.service_name):
        match = template.pattern.match(request.path)
        if template.method != request.method or match is None:
            continue
        if any(query.get(key) != value and not (value == "" and key in query) for key, value in template.literal_query):
            continue
        labels = {label: unquote(value) for label, value in zip(template.labels, match.groups(), strict=True)}
        score = _required_present(template.operation, request, query)
        if score is None:
            continue
        score += 10 * len(template.literal_query)
        if best is None or score > best[0]:
            best = (score, template.operation, labels)
    if best is None:
        raise EdgeError("UnknownOperation", f"{model.service_name} has no operation for "
                                            f"{request.method} {request.path}{'?' if request.query else ''}"
                                            f"{request.query}", status=404, service=model.service_name)
    return best[1], best[2]


def _required_present(operation: OperationModel, request: HttpRequest, query: dict[str, str]) -> int | None:
    """How many required query-string and header members the request carries (None: one is missing)."""
    shape = operation.input_shape
    if shape is None:
        return 0
    present = 0
    for name in shape.required_members:
        serialization = shape.members[name].serialization
        location, wire_name = serialization.get("location"), serialization.get("name", name)
        if location == "querystring":
            found = wire_name in query
        elif location == "header":
            found = bool(request.header(wire_name))
        else:
            continue
        if not found:
            return None
        present += 1
    return present
