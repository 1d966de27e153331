"""Filter attributes of SNS subscriptions made at run time: checked as SNS checks them, and a change
made with `SetSubscriptionAttributes` followed by the delivery (`sluice.local.sns.attributes`). Found by
the API campaign: moto crashed on a filter policy that is a list (AttributeError), took `{}` and let a
sluice PatternError out of the call, and a policy changed after `Subscribe` was never applied."""

from __future__ import annotations

import doctest
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from sluice.local.sns import attributes
from sluice.local.stack import LocalStack

TEMPLATE = """\
Resources:
  Topic: {Type: AWS::SNS::Topic}
  Queue: {Type: AWS::SQS::Queue}
"""


@pytest.fixture
def stack(write_template: Callable[..., Path]) -> Iterator[LocalStack]:
    with LocalStack.from_template(write_template(TEMPLATE), use_config=False) as opened:
        yield opened


def _subscribe(stack: LocalStack, **attributes_: str) -> str:
    arn: str = stack.client("sns").subscribe(TopicArn=stack.arn("Topic"), Protocol="sqs", Endpoint=stack.arn("Queue"),
                                             Attributes=attributes_, ReturnSubscriptionArn=True)["SubscriptionArn"]
    return arn


def _delivered(stack: LocalStack, store: str) -> int:
    sns, sqs = stack.client("sns"), stack.client("sqs")
    sns.publish(TopicArn=stack.arn("Topic"), Message=store,
                MessageAttributes={"store": {"DataType": "String", "StringValue": store}})
    stack.run_until_idle()
    messages: list[Any] = sqs.receive_message(QueueUrl=stack.queue_url("Queue"), MaxNumberOfMessages=10).get(
        "Messages", [])
    for message in messages:
        sqs.delete_message(QueueUrl=stack.queue_url("Queue"), ReceiptHandle=message["ReceiptHandle"])
    return len(messages)


def test_the_module_examples_hold() -> None:
    assert doctest.testmod(attributes).failed == 0


@pytest.mark.parametrize(("policy", "reason"), [
    ("[1]", "FilterPolicy: a pattern must be a non-empty JSON object, not an array"),
    ("{}", "FilterPolicy: a pattern must be a non-empty JSON object"),
    ("{", "FilterPolicy: failed to parse JSON: Expecting property name enclosed in double quotes"),
])
def test_an_invalid_filter_policy_is_refused_with_invalid_parameter(stack: LocalStack, policy: str,
                                                                   reason: str) -> None:
    with pytest.raises(ClientError) as refused:
        _subscribe(stack, FilterPolicy=policy)
    error = refused.value.response["Error"]
    assert error["Code"] == "InvalidParameter" and error["Message"].startswith(f"Invalid parameter: {reason}")
    assert stack.client("sns").list_subscriptions()["Subscriptions"] == []  # nothing was subscribed


def test_a_filter_policy_set_after_subscribing_is_what_delivery_follows(stack: LocalStack) -> None:
    arn = _subscribe(stack, FilterPolicy='{"store": ["a"]}')
    assert (_delivered(stack, "a"), _delivered(stack, "b")) == (1, 0)
    sns = stack.client("sns")
    sns.set_subscription_attributes(SubscriptionArn=arn, AttributeName="FilterPolicy",
                                    AttributeValue='{"store": ["b"]}')
    assert (_delivered(stack, "a"), _delivered(stack, "b")) == (0, 1)
    sns.set_subscription_attributes(SubscriptionArn=arn, AttributeName="FilterPolicy", AttributeValue="")
    assert (_delivered(stack, "a"), _delivered(stack, "b")) == (1, 1)  # an empty policy removes the filter


def test_a_scope_sns_does_not_know_is_refused(stack: LocalStack) -> None:
    arn = _subscribe(stack)
    with pytest.raises(ClientError, match=r"Invalid parameter: FilterPolicyScope: must be one of MessageAttributes, "
                                          r"MessageBody"):
        stack.client("sns").set_subscription_attributes(SubscriptionArn=arn, AttributeName="FilterPolicyScope",
                                                        AttributeValue="Headers")
