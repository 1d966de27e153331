"""DynamoDB as the local stack runs it: `resources` — tables (keys, indexes, streams, TTL, billing
mode), created in moto. Stream event source mappings are not emulated yet."""
