"""DynamoDB as the local stack runs it.

- `resources`: tables (keys, indexes, streams, TTL, billing mode), created in moto;
- `records`: stream records in AWS's shape (INSERT/MODIFY/REMOVE, view types, sizes);
- `streams`: the stack's stream records — made on every write, served by moto's DynamoDB Streams
  API — and the watchers woken when a stream grows (Lambda's pollers, EventBridge Pipes);
- `poller`: Lambda's event source mapping on a table's stream (the shard poller of
  `sluice.local.lambda_.stream_poller`);
- `ttl`: Time to Live — expired items deleted as the service does, with their `REMOVE` records.
"""
