"""`ListEventSourceMappings` and `GetEventSourceMapping` describe the template's mappings in Lambda's
shape (`sluice.local.lambda_.mapping_configurations`): moto never sees them, so before they listed
nothing. AWS behaviour under test: the Lambda API reference's EventSourceMappingConfiguration and
CreateEventSourceMapping's defaults."""

from __future__ import annotations

import doctest
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from sluice.local.lambda_ import mapping_configurations
from sluice.local.stack import LocalStack

TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Globals:
  Function: {Runtime: python3.13, CodeUri: fn, Handler: app.handler}
Resources:
  Jobs: {Type: AWS::SQS::Queue}
  Feed:
    Type: AWS::Kinesis::Stream
    Properties: {ShardCount: 1}
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Work: {Type: SQS, Properties: {Queue: !GetAtt Jobs.Arn, BatchSize: 5, Enabled: false}}
  Reader:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Records:
          Type: Kinesis
          Properties: {Stream: !GetAtt Feed.Arn, StartingPosition: TRIM_HORIZON, ParallelizationFactor: 2,
                       FunctionResponseTypes: [ReportBatchItemFailures]}
"""


@pytest.fixture
def stack(write_template: Callable[..., Path]) -> Iterator[LocalStack]:
    path = write_template(TEMPLATE, {"fn/app.py": "def handler(event, context):\n    return {}\n"})
    with LocalStack.from_template(path, use_config=False) as opened:
        yield opened


def test_the_module_example_holds() -> None:
    assert doctest.testmod(mapping_configurations).failed == 0


def test_the_templates_mappings_are_listed_with_lambdas_defaults(stack: LocalStack) -> None:
    lambda_ = stack.client("lambda")
    listed = {mapping["EventSourceArn"]: mapping for mapping in lambda_.list_event_source_mappings()[
        "EventSourceMappings"]}
    assert set(listed) == {stack.arn("Jobs"), stack.arn("Feed")}
    work, records = listed[stack.arn("Jobs")], listed[stack.arn("Feed")]
    assert work["FunctionArn"] == stack.arn("Worker")
    assert (work["BatchSize"], work["MaximumBatchingWindowInSeconds"], work["State"]) == (5, 0, "Disabled")
    assert "ParallelizationFactor" not in work and isinstance(work["LastModified"], datetime)
    assert (records["BatchSize"], records["StartingPosition"], records["ParallelizationFactor"]) == (
        100, "TRIM_HORIZON", 2)
    assert (records["MaximumRetryAttempts"], records["MaximumRecordAgeInSeconds"]) == (-1, -1)
    assert records["FunctionResponseTypes"] == ["ReportBatchItemFailures"] and records["State"] == "Enabled"
    assert records["EventSourceMappingArn"] == (
        f"arn:aws:lambda:us-east-1:123456789012:event-source-mapping:{records['UUID']}")
    assert lambda_.get_event_source_mapping(UUID=work["UUID"])["EventSourceArn"] == stack.arn("Jobs")


def test_listing_filters_by_function_and_source_and_pages(stack: LocalStack) -> None:
    lambda_ = stack.client("lambda")
    by_function = lambda_.list_event_source_mappings(FunctionName="Reader")["EventSourceMappings"]
    assert [mapping["EventSourceArn"] for mapping in by_function] == [stack.arn("Feed")]
    by_source = lambda_.list_event_source_mappings(EventSourceArn=stack.arn("Jobs"))["EventSourceMappings"]
    assert [mapping["FunctionArn"] for mapping in by_source] == [stack.arn("Worker")]
    first = lambda_.list_event_source_mappings(MaxItems=1)
    second = lambda_.list_event_source_mappings(MaxItems=1, Marker=first["NextMarker"])
    assert len(first["EventSourceMappings"]) == len(second["EventSourceMappings"]) == 1
    assert "NextMarker" not in second


def test_an_unknown_mapping_is_resource_not_found(stack: LocalStack) -> None:
    with pytest.raises(ClientError) as missing:
        stack.client("lambda").get_event_source_mapping(UUID="00000000-0000-4000-8000-000000000000")
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"
