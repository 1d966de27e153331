"""Event sources that name a queue or stream made outside the template (by another stack, Terraform, or
RDS Database Activity Streams), as public applications do: the stack starts, the source is created
locally and empty, and what is sent to it reaches the function. Found with serverless-samples'
`das-lambda-java-sam`, whose start failed with botocore's `ResourceNotFoundException`, and reproduced for
SQS, whose start failed with "The specified queue does not exist"."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sluice.local.stack import LocalStack
from tests.local.templates import function, sam_template

HANDLER = """\
def handler(event, context):
    return sorted(record.get("body") or record["kinesis"]["partitionKey"] for record in event["Records"])
"""


def consumer(source: str) -> str:
    return sam_template("Consumes what another stack makes", Runtime="python3.13", CodeUri="src/") + function(
        "Consumer", handler="app.handler", properties=f"""\
      Events:
        Source:
{source}""")


@pytest.mark.parametrize(("source", "send"), [
    ("""          Type: SQS
          Properties:
            Queue: !Sub arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:made-elsewhere
""", lambda stack: stack.client("sqs").send_message(
        QueueUrl=stack.client("sqs").get_queue_url(QueueName="made-elsewhere")["QueueUrl"], MessageBody="hello")),
    ("""          Type: SQS
          Properties:
            Queue: !Sub arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:made-elsewhere.fifo
""", lambda stack: stack.client("sqs").send_message(
        QueueUrl=stack.client("sqs").get_queue_url(QueueName="made-elsewhere.fifo")["QueueUrl"], MessageBody="hello",
        MessageGroupId="g", MessageDeduplicationId="1")),
    ("""          Type: Kinesis
          Properties:
            Stream: !Sub arn:aws:kinesis:${AWS::Region}:${AWS::AccountId}:stream/aws-rds-das-cluster-ABC
            StartingPosition: LATEST
""", lambda stack: stack.client("kinesis").put_record(StreamName="aws-rds-das-cluster-ABC", Data=b"{}",
                                                      PartitionKey="hello")),
], ids=["queue", "fifo-queue", "stream"])
def test_a_source_made_outside_the_stack_is_created_locally_and_polled(
        start_stack: Callable[..., LocalStack], source: str, send: Callable[[LocalStack], object]) -> None:
    stack = start_stack(consumer(source), {"src/app.py": HANDLER})
    assert any("is not declared in the template" in warning and "created locally, empty" in warning
               for warning in stack.warnings), stack.warnings

    send(stack)
    stack.run_until_idle()

    assert [invocation.result for invocation in stack.invocations("Consumer")] == [["hello"]]


def test_a_source_in_another_account_is_said_and_not_polled(start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(consumer("""\
          Type: SQS
          Properties:
            Queue: arn:aws:sqs:eu-west-1:111122223333:partner-orders
"""), {"src/app.py": HANDLER})

    assert any("in another account or region" in warning and "not polled" in warning for warning in stack.warnings)
    assert stack.invoke("Consumer", {"Records": [{"body": "direct"}]}).result == ["direct"]


def test_an_enhanced_fan_out_consumer_is_read_as_its_stream(start_stack: Callable[..., LocalStack]) -> None:
    """serverless-patterns' kinesis-lambda-efo maps `!GetAtt Consumer.ConsumerARN`: its start failed as the
    consumer was a placeholder, not an ARN. Lambda reads the consumer's stream's records."""
    template = consumer("""\
          Type: Kinesis
          Properties:
            Stream: !GetAtt FanOut.ConsumerARN
            StartingPosition: TRIM_HORIZON
""") + """\
  Clicks:
    Type: AWS::Kinesis::Stream
    Properties: {ShardCount: 1}
  FanOut:
    Type: AWS::Kinesis::StreamConsumer
    Properties:
      StreamARN: !GetAtt Clicks.Arn
      ConsumerName: app
"""
    stack = start_stack(template, {"src/app.py": HANDLER})
    arn = stack.template.ref("FanOut")
    assert arn.startswith(stack.arn("Clicks") + "/consumer/app:")

    stack.put_record("Clicks", b"{}", partition_key="hello")
    stack.run_until_idle()

    [invocation] = stack.invocations("Consumer")
    assert invocation.result == ["hello"]
    assert invocation.event["Records"][0]["eventSourceARN"] == stack.arn("Clicks")
