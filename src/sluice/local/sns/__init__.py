"""SNS as the local stack runs it: topic subscriptions read from the template, filter policies,
and delivery of each published message to Lambda subscribers and into SQS queues.

moto keeps the topics and answers `Publish`; what a published message then reaches is decided
here ("Amazon SNS message filtering", "Amazon SNS raw message delivery", "Fanout to Amazon SQS
queues", "Message ordering and deduplication strategies for FIFO topics").

- `resources`: topics and subscriptions — names, ARNs, creation in moto;
- `subscriptions`: the subscriptions a template declares, and the queues SAM generates for them;
- `filter_policy`: subscription filter policies; `fanout`: delivery of each published message.
"""
