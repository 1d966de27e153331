"""Kinesis Data Streams as the local stack runs them.

- `resources`: streams — provisioned or on-demand, created in moto;
- `poller`: Lambda's event source mapping on a stream — one poller per shard, in order, with
  retries, bisection, partial batch responses, record age and the on-failure destination.
"""
