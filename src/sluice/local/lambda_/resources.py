"""Lambda's resources: functions, their versions and aliases, layers and event source mappings —
names and ARNs. None is created in moto: functions run in-process (`sluice.local.lambda_.runtime`),
their API is sluice's own (`sluice.local.lambda_.api`), mappings run as pollers
(`sluice.local.sqs.poller`, `sluice.local.kinesis.poller`)."""

from __future__ import annotations

import base64
import hashlib
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from sluice.local.resources.base import Kind

if TYPE_CHECKING:
    from sluice.local.template.model import ResourceDecl, SamTemplate

FIRST_VERSION = "1"
FUNCTION_URL = "AWS::Lambda::Url"
_URL_ID_LENGTH = 32


class FunctionKind(Kind):
    types = ("AWS::Serverless::Function", "AWS::Lambda::Function")
    service = "lambda"
    name_property = "FunctionName"
    arn_resource = "function:{name}"


class _QualifiedFunctionKind(Kind, ABC):
    """What a function's version or alias is named by — physical name, `Ref` and ARN — is the
    function's ARN with its qualifier (`…:function:name:qualifier`)."""

    service = "lambda"
    ref_is_arn = True

    @abstractmethod
    def qualifier(self, decl: ResourceDecl, template: SamTemplate) -> str:
        """The version number or alias name."""

    def physical_name(self, decl: ResourceDecl, template: SamTemplate) -> str:
        return self.arn(decl, template)

    def arn(self, decl: ResourceDecl, template: SamTemplate) -> str:
        return f"{function_arn(template, template.prop(decl, 'FunctionName'))}:{self.qualifier(decl, template)}"


class FunctionVersionKind(_QualifiedFunctionKind):
    """`AWS::Lambda::Version`: `Ref` and `FunctionArn` are the version's ARN, `Version` its number.

    CloudFormation publishes the function as it is at deploy time, and `PublishVersion` of a function
    unchanged since its last version returns that version: every version a template declares for a
    function is therefore version 1 (`sluice.local.lambda_.catalog` warns about a second one, which
    CloudFormation refuses: "A version for this Lambda function exists ( 1 )").
    """

    types = ("AWS::Lambda::Version",)
    arn_attribute = "FunctionArn"

    def qualifier(self, decl: ResourceDecl, template: SamTemplate) -> str:
        return FIRST_VERSION

    def attributes(self, decl: ResourceDecl, template: SamTemplate) -> Mapping[str, Callable[[], Any]]:
        return {**super().attributes(decl, template), "Version": lambda: FIRST_VERSION}


class FunctionAliasKind(_QualifiedFunctionKind):
    """`AWS::Lambda::Alias`: `Ref` and `AliasArn` are the alias's ARN (`…:function:name:alias`)."""

    types = ("AWS::Lambda::Alias",)
    arn_attribute = "AliasArn"

    def qualifier(self, decl: ResourceDecl, template: SamTemplate) -> str:
        return str(template.prop(decl, "Name"))


def function_arn(template: SamTemplate, reference: Any) -> str:
    """The unqualified ARN of the function a `FunctionName` property names (name, partial or full
    ARN, qualified or not)."""
    return (f"arn:{template.partition}:lambda:{template.region}:{template.account}:function:"
            f"{function_name(str(reference))}")


def function_arns(template: SamTemplate) -> frozenset[str]:
    """The unqualified ARNs of the template's functions (what an integration or a ServiceToken may name)."""
    return frozenset(str(template.get_att(decl.logical_id, "Arn")) for decl in template.of_type(*FunctionKind.types))


def unqualified(arn: str) -> str:
    """A function ARN without its version or alias qualifier (`…:function:name:live` → `…:function:name`)."""
    return ":".join(arn.split(":")[:7])


def function_name(reference: str) -> str:
    """`name`, `name:qualifier`, `account:function:name[:qualifier]` or a full ARN → `name`."""
    return reference.split(":function:", 1)[1].split(":", 1)[0] if ":function:" in reference \
        else reference.split(":", 1)[0]


def url_id(template: SamTemplate, logical_id: str) -> str:
    """A function URL's id, the first label of its host: 32 lowercase alphanumerics, as Lambda makes them,
    stable for a stack and logical id."""
    digest = hashlib.sha256(f"{template.stack_name}/{logical_id}/lambda-url".encode()).digest()
    return base64.b32encode(digest).decode("ascii").lower()[:_URL_ID_LENGTH]


def url_target(template: SamTemplate, decl: ResourceDecl) -> str:
    """The ARN a function URL invokes: `TargetFunctionArn` (a name or ARN, an alias's with SAM's
    `AutoPublishAlias`), qualified by `Qualifier` when it has one."""
    target = str(template.prop(decl, "TargetFunctionArn"))
    qualifier = template.prop(decl, "Qualifier")
    named = target.split(":function:", 1)[1] if ":function:" in target else target
    arn = function_arn(template, target)
    if qualifier is None and ":" in named:
        qualifier = named.split(":", 1)[1]
    return f"{arn}:{qualifier}" if qualifier else arn


class FunctionUrlKind(Kind):
    """`AWS::Lambda::Url` (and SAM's `FunctionUrlConfig`, `<Function>Url`): `Ref` and `FunctionArn` are
    the ARN of the function it invokes, `FunctionUrl` its endpoint, `https://<url-id>.lambda-url.<region>.on.aws/`
    (CloudFormation: AWS::Lambda::Url, return values). Served in-process (`sluice.local.lambda_.urls`)."""

    types = (FUNCTION_URL,)
    service = "lambda"
    ref_is_arn = True
    arn_attribute = "FunctionArn"

    def physical_name(self, decl: ResourceDecl, template: SamTemplate) -> str:
        return url_id(template, decl.logical_id)

    def arn(self, decl: ResourceDecl, template: SamTemplate) -> str:
        return url_target(template, decl)

    def attributes(self, decl: ResourceDecl, template: SamTemplate) -> Mapping[str, Callable[[], Any]]:
        endpoint = f"https://{url_id(template, decl.logical_id)}.lambda-url.{template.region}.on.aws/"
        return {**super().attributes(decl, template), "FunctionUrl": lambda: endpoint}


class LayerKind(Kind):
    types = ("AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion")
    service = "lambda"
    name_property = "LayerName"
    max_name_length = 140

    ref_is_arn = True
    arn_resource = "layer:{name}:1"

    def physical_name(self, decl: ResourceDecl, template: SamTemplate) -> str:
        explicit = template.prop(decl, "LayerName")
        return str(explicit) if explicit is not None else decl.logical_id


class EventSourceMappingKind(Kind):
    types = ("AWS::Lambda::EventSourceMapping",)
    service = "lambda"
    arn_resource = "event-source-mapping:{name}"

    def physical_name(self, decl: ResourceDecl, template: SamTemplate) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{template.stack_name}/{decl.logical_id}"))
