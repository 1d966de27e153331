"""SAM template building blocks for local-stack tests, written the way public SAM examples write them.

Each block is YAML text ending in a newline, meant to be concatenated with the rest of a test's
template (not interpolated: templates are full of `{...}` flow mappings and JSON patterns an
f-string would have to escape), so a template still reads top to bottom.

Example:
    >>> TEMPLATE = sam_template("Clicks flow through a pipe", Runtime="python3.13", CodeUri="src/") + (
    ...     service_role("PipeRole", "pipes.amazonaws.com") + kinesis_stream("ClicksStream"))
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TypeAlias

YamlValue: TypeAlias = "str | int | Mapping[str, YamlValue]"


def sam_template(description: str | None = None, **function_globals: YamlValue) -> str:
    """The head of a SAM template up to `Resources:`: format version, transform, description, and
    the `Globals: Function:` section when `function_globals` are given (nested mappings allowed)."""
    lines = ["AWSTemplateFormatVersion: '2010-09-09'", "Transform: AWS::Serverless-2016-10-31"]
    if description is not None:
        lines += [f"Description: {description}", ""]
    if function_globals:
        lines += ["Globals:", "  Function:", *_yaml_block(function_globals, indent=4), ""]
    return "\n".join([*lines, "Resources:", ""])


def service_role(name: str, service: str, *, properties: str = "") -> str:
    """An IAM role the AWS `service` (e.g. `pipes.amazonaws.com`) may assume; `properties` are more
    lines under `Properties:` (policies)."""
    return f"""\
  {name}:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: {{Service: {service}}}
            Action: sts:AssumeRole
{properties}"""


def kinesis_stream(name: str) -> str:
    """A Kinesis data stream of one shard (so the shard id is `shardId-000000000000`)."""
    return f"""\
  {name}:
    Type: AWS::Kinesis::Stream
    Properties:
      ShardCount: 1
"""


def function(name: str, *, handler: str, properties: str = "") -> str:
    """An `AWS::Serverless::Function` running `handler`; `properties` are more lines under
    `Properties:` (events, event invoke config…), the rest comes from the template's Globals."""
    return f"""\
  {name}:
    Type: AWS::Serverless::Function
    Properties:
      Handler: {handler}
{properties}"""


def kinesis_event(stream: str, **properties: YamlValue) -> str:
    """A function's `Events:` with one Kinesis event source (`Stream`) reading the template's
    `stream` from TRIM_HORIZON; `properties` are its other settings (BatchSize, DestinationConfig…,
    or another StartingPosition)."""
    return "\n".join(["      Events:", "        Stream:", "          Type: Kinesis", "          Properties:",
                      *_yaml_block({"Stream": f"!GetAtt {stream}.Arn", "StartingPosition": "TRIM_HORIZON",
                                    **properties}, indent=12), ""])


def stream_table(name: str, view_type: str) -> str:
    """An on-demand DynamoDB table keyed by `id` with a stream of `view_type` (NEW_IMAGE, KEYS_ONLY…)."""
    return f"""\
  {name}:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{{AttributeName: id, AttributeType: S}}]
      KeySchema: [{{AttributeName: id, KeyType: HASH}}]
      StreamSpecification: {{StreamViewType: {view_type}}}
"""


def websocket_api(name: str, *, stage: str = "production",
                  selection: str = "$request.body.action") -> str:
    """A WebSocket API (`AWS::ApiGatewayV2::Api`, `ProtocolType: WEBSOCKET`) deployed to `stage`, as public
    examples declare it with CloudFormation's own resources."""
    return f"""\
  {name}:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      Name: {name}
      ProtocolType: WEBSOCKET
      RouteSelectionExpression: "{selection}"
  {name}Stage:
    Type: AWS::ApiGatewayV2::Stage
    Properties:
      ApiId: !Ref {name}
      StageName: {stage}
      AutoDeploy: true
"""


def invocation_uri(function: str) -> str:
    """API Gateway's invocation ARN of a template's function, to `!Sub` (Lambda proxy integrations,
    authorizers)."""
    return "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${" + function + ".Arn}/invocations"


def websocket_route(api: str, name: str, key: str, function: str | None = None, *, integration: str = "",
                    two_way: bool = False, route_properties: str = "") -> str:
    """A route of the WebSocket API `api` (`Target: integrations/<id>`): a Lambda proxy integration of
    `function` (the invocation ARN `!Sub`'d), or the integration whose `Properties` lines after `ApiId`
    are `integration` (a service or mock); `two_way` adds its `$default` route response;
    `route_properties` are more lines under the route's `Properties:` (authorization, models)."""
    integrated = integration or f"""\
      IntegrationType: AWS_PROXY
      IntegrationUri: !Sub {invocation_uri(str(function))}
"""
    response = f"""\
  {name}Response:
    Type: AWS::ApiGatewayV2::RouteResponse
    Properties:
      ApiId: !Ref {api}
      RouteId: !Ref {name}Route
      RouteResponseKey: $default
""" if two_way else ""
    return f"""\
  {name}Integration:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref {api}
{integrated}  {name}Route:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref {api}
      RouteKey: {key}
      Target: !Join [/, [integrations, !Ref {name}Integration]]
{route_properties}{response}"""


def _yaml_block(mapping: Mapping[str, YamlValue], *, indent: int) -> Iterator[str]:
    for key, value in mapping.items():
        if isinstance(value, Mapping):
            yield f"{' ' * indent}{key}:"
            yield from _yaml_block(value, indent=indent + 2)
        else:
            yield f"{' ' * indent}{key}: {value}"
