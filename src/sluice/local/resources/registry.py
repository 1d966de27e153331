"""Resource kinds by CloudFormation type, gathered from every service package.

Three groups:
- emulated: created in moto, run in-process, or wired by the local event router;
- accepted: no local behaviour, and none is missed (IAM, policies, alarms, permissions…);
- everything else: accepted with a warning that it is not emulated (`Ref`/`Fn::GetAtt` still
  answer with placeholder names, so the rest of the template runs).

Example:
    >>> kind_for("AWS::S3::Bucket").service
    's3'
"""

from __future__ import annotations

from sluice.local.apigateway.resources import ApiKind, StageKind
from sluice.local.cloudformation.resources import CustomResourceKind, is_custom
from sluice.local.dynamodb.resources import SimpleTableKind, TableKind
from sluice.local.eventbridge.pipes.resources import PipeKind
from sluice.local.eventbridge.resources import EventBusKind, RuleKind
from sluice.local.eventbridge.scheduler.resources import ScheduleGroupKind, ScheduleKind
from sluice.local.kinesis.resources import StreamConsumerKind, StreamKind
from sluice.local.lambda_.resources import (
    EventSourceMappingKind,
    FunctionAliasKind,
    FunctionKind,
    FunctionUrlKind,
    FunctionVersionKind,
    LayerKind,
)
from sluice.local.resources.base import InertKind, Kind
from sluice.local.resources.cognito import UserPoolClientKind, UserPoolDomainKind, UserPoolKind
from sluice.local.resources.iam import RoleKind
from sluice.local.resources.kms import AliasKind, KeyKind
from sluice.local.resources.parameters import LogGroupKind, SsmParameterKind
from sluice.local.resources.secrets import SecretKind
from sluice.local.resources.ses import ConfigurationSetKind, EmailIdentityKind
from sluice.local.s3.resources import BucketKind
from sluice.local.sns.resources import SubscriptionKind, TopicKind
from sluice.local.sqs.resources import QueueKind
from sluice.local.stepfunctions.resources import ActivityKind, StateMachineKind

_EMULATED: tuple[Kind, ...] = (
    BucketKind(), TableKind(), SimpleTableKind(), QueueKind(), StreamKind(), StreamConsumerKind(), TopicKind(),
    SubscriptionKind(),
    EventBusKind(), RuleKind(), KeyKind(), AliasKind(), SsmParameterKind(), LogGroupKind(), FunctionKind(),
    LayerKind(), StateMachineKind(), ActivityKind(), EventSourceMappingKind(), RoleKind(), FunctionVersionKind(),
    FunctionAliasKind(), ScheduleKind(), ScheduleGroupKind(), PipeKind(), ApiKind(),
    FunctionUrlKind(), SecretKind(), StageKind(), UserPoolKind(), UserPoolClientKind(), UserPoolDomainKind(),
    EmailIdentityKind(), ConfigurationSetKind(),
)
KINDS: dict[str, Kind] = {resource_type: kind for kind in _EMULATED for resource_type in kind.types}

#: Types with no local behaviour that a pipeline would miss: accepted silently.
QUIET_PREFIXES = (
    "AWS::IAM::", "AWS::CloudWatch::", "AWS::Lambda::Permission", "AWS::Lambda::EventInvokeConfig",
    "AWS::S3::BucketPolicy", "AWS::SQS::QueuePolicy", "AWS::SNS::TopicPolicy", "AWS::SecretsManager::ResourcePolicy",
    "AWS::Logs::MetricFilter", "AWS::Events::Archive", "AWS::XRay::", "AWS::CloudFormation::",
    # SAM connectors only generate IAM policies (AWS SAM docs: "Managing permissions with connectors").
    "AWS::Serverless::Connector",
    # The parts of a raw API, read by `sluice.local.apigateway.raw`, which warns about what it does not serve.
    "AWS::ApiGateway::Resource", "AWS::ApiGateway::Method", "AWS::ApiGateway::Deployment",
    "AWS::ApiGatewayV2::Route", "AWS::ApiGatewayV2::Integration", "AWS::ApiGatewayV2::Deployment",
    # … and of a WebSocket API (`sluice.local.apigateway.websocket`).
    "AWS::ApiGatewayV2::Model", "AWS::ApiGatewayV2::Authorizer",
)

_INERT: dict[str, InertKind] = {}


def kind_for(resource_type: str) -> Kind:
    """The kind for a type; unknown types get an inert kind (see `is_quiet`)."""
    kind = KINDS.get(resource_type)
    if kind is None and is_custom(resource_type):
        kind = _INERT.setdefault(resource_type, CustomResourceKind(resource_type))
    if kind is None:
        kind = _INERT.setdefault(resource_type, InertKind(resource_type))
    return kind


def is_quiet(resource_type: str) -> bool:
    """True for types accepted without a warning."""
    return resource_type in KINDS or resource_type.startswith(QUIET_PREFIXES) or is_custom(resource_type)


__all__ = ["KINDS", "Kind", "is_quiet", "kind_for"]
