"""What an API is named by — its id, as `Ref` answers it — and the APIs SAM's transform creates.

API Gateway ids are 10 lowercase alphanumerics (LocalStack makes them the same way); sluice derives
each from the stack and logical id, so a template always gets the same ids and the URLs in its
Outputs (`!Sub "https://${ServerlessRestApi}.execute-api.${AWS::Region}.amazonaws.com/Prod/hello/"`)
are the ones `stack.api_request` and `sluice up` answer.

SAM adds `ServerlessRestApi` (stage `Prod`) when a function has an `Api` event without `RestApiId`,
and `ServerlessHttpApi` (stage `$default`) for an `HttpApi` event without `ApiId`, with the
template's `Globals.Api` / `Globals.HttpApi` settings (AWS SAM docs: "AWS::Serverless::Api" /
"AWS::Serverless::HttpApi", implicit APIs), and each API's stage (`MyApiProdStage`, `MyApi.Stage`).

Example:
    >>> add_implicit_apis(template)
    >>> template.ref("ServerlessRestApi")
    'k3j9x0a2qz'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from sluice.local.errors import StackError
from sluice.local.resources.base import Kind, name_suffix

if TYPE_CHECKING:
    from sluice.local.template.model import ResourceDecl, SamTemplate

REST_API = "AWS::Serverless::Api"
HTTP_API = "AWS::Serverless::HttpApi"
#: APIs declared with CloudFormation's own resources (`sluice.local.apigateway.raw`).
RAW_REST_API = "AWS::ApiGateway::RestApi"
RAW_HTTP_API = "AWS::ApiGatewayV2::Api"
IMPLICIT_REST_API = "ServerlessRestApi"
IMPLICIT_HTTP_API = "ServerlessHttpApi"
#: SAM's implicit REST API is deployed to this stage; an HTTP API's default stage is `$default`.
IMPLICIT_REST_STAGE = "Prod"
DEFAULT_STAGE = "$default"
_ID_LENGTH = 10


class NamedApi(Protocol):
    """What names an API: its logical id and its API id."""

    @property
    def logical_id(self) -> str: ...

    @property
    def api_id(self) -> str: ...


A = TypeVar("A", bound=NamedApi)


def find_api(apis: Sequence[A], reference: str | None, *, kind: str = "API") -> A:
    """An API by logical id or API id; the only one when `reference` is None; `StackError` naming the
    template's APIs otherwise."""
    listing = ", ".join(f"{api.logical_id} ({api.api_id})" for api in apis) or "none"
    if reference is None:
        if len(apis) == 1:
            return apis[0]
        raise StackError(f"the template has {len(apis)} {kind}s: name one with api= ({listing})")
    for api in apis:
        if reference in (api.logical_id, api.api_id):
            return api
    raise StackError(f"no {kind} {reference!r} in the template ({kind}s: {listing})")


def api_id(template: SamTemplate, logical_id: str) -> str:
    """The API's id: 10 lowercase alphanumerics, stable for a stack and logical id."""
    return name_suffix(template.stack_name, logical_id, "apigateway").lower()[:_ID_LENGTH]


class ApiKind(Kind):
    """`AWS::Serverless::Api` and `AWS::Serverless::HttpApi`, and the raw `AWS::ApiGateway::RestApi` and
    `AWS::ApiGatewayV2::Api`: `Ref` is the API id; `RootResourceId` (REST) and `ApiEndpoint` (HTTP) answer
    as CloudFormation does. Served in-process, nothing in moto."""

    types = (REST_API, HTTP_API, RAW_REST_API, RAW_HTTP_API)
    service = "apigateway"

    def physical_name(self, decl: ResourceDecl, template: SamTemplate) -> str:
        return api_id(template, decl.logical_id)

    def arn(self, decl: ResourceDecl, template: SamTemplate) -> str:
        # An API's ARN has no account: arn:aws:apigateway:<region>::/restapis/<id> (or /apis/<id>).
        collection = "restapis" if decl.type in (REST_API, RAW_REST_API) else "apis"
        identifier = self.physical_name(decl, template)
        return f"arn:{template.partition}:apigateway:{template.region}::/{collection}/{identifier}"

    def attributes(self, decl: ResourceDecl, template: SamTemplate) -> Mapping[str, Callable[[], Any]]:
        identifier = self.physical_name(decl, template)
        if decl.type in (REST_API, RAW_REST_API):
            return {"RootResourceId": lambda: name_suffix(identifier, "/").lower()[:_ID_LENGTH]}
        return {"ApiEndpoint": lambda: f"https://{identifier}.execute-api.{template.region}.amazonaws.com"}


class StageKind(Kind):
    """`AWS::ApiGateway::Stage` and `AWS::ApiGatewayV2::Stage`: `Ref` is the stage's name (CloudFormation:
    return values), as a URL in the Outputs uses it (`/${ApiStage}/orders`)."""

    types = ("AWS::ApiGateway::Stage", "AWS::ApiGatewayV2::Stage")
    service = "apigateway"
    name_property = "StageName"


def add_implicit_apis(template: SamTemplate) -> None:
    """Declare the implicit APIs SAM's transform would create for the template's functions' events."""
    from sluice.local.template.model import ResourceDecl  # noqa: PLC0415 - a cycle at import time

    needed = {REST_API: False, HTTP_API: False}
    for function in template.of_type("AWS::Serverless::Function"):
        events = function.properties.get("Events")
        for event in events.values() if isinstance(events, dict) else ():
            if not isinstance(event, dict):
                continue
            properties = event.get("Properties") or {}
            if event.get("Type") == "Api" and "RestApiId" not in properties:
                needed[REST_API] = True
            elif event.get("Type") == "HttpApi" and "ApiId" not in properties:
                needed[HTTP_API] = True
    globals_section = template.document.get("Globals") or {}
    for resource_type, logical_id, section, stage in ((REST_API, IMPLICIT_REST_API, "Api", IMPLICIT_REST_STAGE),
                                                      (HTTP_API, IMPLICIT_HTTP_API, "HttpApi", DEFAULT_STAGE)):
        if needed[resource_type] and logical_id not in template.resources:
            settings = globals_section.get(section) if isinstance(globals_section, dict) else None
            properties = {**(settings if isinstance(settings, dict) else {}), "StageName": stage}
            template.resources[logical_id] = ResourceDecl(logical_id, resource_type, properties, implicit=True)
    for decl in list(template.of_type(REST_API, HTTP_API)):
        _add_stage(template, decl)


def _add_stage(template: SamTemplate, decl: ResourceDecl) -> None:
    """Declare the stage SAM's transform creates for an API, under SAM's logical id (`MyApiProdStage`,
    `MyHttpApiApiGatewayDefaultStage`), and make `!Ref MyApi.Stage` / `${MyApi.Stage}` name it: `Ref`
    of a stage is its name (AWS SAM docs: "Referenceable properties"; CloudFormation: AWS::ApiGateway::Stage)."""
    from samtranslator.translator.logical_id_generator import LogicalIdGenerator  # noqa: PLC0415 - 0.2 s import

    from sluice.local.template.model import ResourceDecl  # noqa: PLC0415 - a cycle at import time

    declared = decl.properties.get("StageName", None if decl.type == REST_API else DEFAULT_STAGE)
    stage = template.prop(decl, "StageName", DEFAULT_STAGE)
    # As SAM names it: a stage name given as an intrinsic is no prefix, one not alphanumeric is hashed.
    prefix = declared if isinstance(declared, str) else ""
    if prefix.isalnum():
        logical_id = f"{decl.logical_id}{prefix}Stage"
    elif prefix == DEFAULT_STAGE and decl.type == HTTP_API:
        logical_id = f"{decl.logical_id}ApiGatewayDefaultStage"
    else:
        logical_id = LogicalIdGenerator(f"{decl.logical_id}Stage", prefix).gen()
    stage_type = "AWS::ApiGateway::Stage" if decl.type == REST_API else "AWS::ApiGatewayV2::Stage"
    template.resources.setdefault(logical_id, ResourceDecl(logical_id, stage_type, {
        "StageName": stage, "ApiId" if decl.type == HTTP_API else "RestApiId": {"Ref": decl.logical_id}},
        implicit=True))
    template.record(logical_id, "Ref", stage)
    template.refer(f"{decl.logical_id}.Stage", logical_id)
