"""SNS as the local stack runs it: topic subscriptions read from the template, filter policies,
and delivery of each published message to Lambda subscribers and into SQS queues.

moto keeps the topics and answers `Publish`; what a published message then reaches is decided
here ("Amazon SNS message filtering", "Amazon SNS raw message delivery", "Fanout to Amazon SQS
queues", "Message ordering and deduplication strategies for FIFO topics").

Example:
    >>> fanout = TopicFanout(topic_subscriptions(template), queues=queues, deliverer=deliverer, ...)
"""

from sluice.local.sns.fanout import TopicFanout
from sluice.local.sns.filter_policy import FilterPolicy
from sluice.local.sns.subscriptions import (
    Subscription,
    content_deduplicated_topics,
    subscription_mappings,
    topic_subscriptions,
)

__all__ = ["FilterPolicy", "Subscription", "TopicFanout", "content_deduplicated_topics", "subscription_mappings",
           "topic_subscriptions"]
