"""SQS as the local stack serves it: sluice's own message state with AWS's semantics.

moto keeps the queues (their names, URLs and attributes: `CreateQueue`, `SetQueueAttributes`,
tags, policies); this package keeps their messages. Every message operation on a queue moto knows
is answered here — whoever calls it, a handler, a test or the Lambda poller — so the FIFO,
deduplication, visibility and dead-letter rules are AWS's, not moto's:

- `messages`: a message, its attributes and its MD5 digests;
- `dedup`: the five-minute deduplication interval, per queue or per message group;
- `fifo`: which messages of a FIFO queue may be received now (group order, blocked groups);
- `queues`: the queues' message state and operations (send, receive, delete, visibility, purge,
  the redrive policy's dead-letter queue);
- `moves`: dead-letter queue redrive (message move tasks);
- `api`: the SQS API operations, answered from `queues` through the botocore hooks;
- `resources`: queues — names, attributes, creation in moto;
- `poller`: Lambda's event source mapping on a queue (batches, partial batch responses, filters).

The queues' configuration is read from moto through `sluice.local.adapters.moto_backends`.

Example:
    >>> queues = Queues(MotoQueueStore(account, region), trace=trace, now=clock.now, seed=0)
    >>> queues.send("orders.fifo", '{"id": 1}', group_id="customer-7", deduplication_id="1")
"""
