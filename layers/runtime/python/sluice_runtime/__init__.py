"""sluice runtime layer: route, dedupe and start Step Functions pipelines from AWS events.

Modules (import what you need; nothing heavy is imported here, to keep cold starts short):

* `registry` - the declarative pipeline registry (`pipelines.json`), validated with pydantic
* `models` - the event shapes we accept and the normalized triggers they become
* `fields` - dotted field paths into a trigger (idempotency, content and ordering keys)
* `idempotency` - keys and the DynamoDB claim ledger (Powertools persistence layer)
* `execution_names` - deterministic, legal Step Functions execution names
* `starter` - StartExecution / StartSyncExecution by name, per execution type
* `dispatcher` - route -> dedupe -> start for one trigger, and the primitives batches reuse
* `stream_batches` - Kinesis records -> micro-batches -> one Express execution each
* `batching`, `payloads` - micro-batch packing and the 256 KiB state limit (S3 offload)
* `errors`, `quarantine` - the error policy and where permanent failures are set aside
* `observability` - Powertools Logger, Metrics and a lazily created Tracer
* `clients`, `settings`, `wiring` - boto3 clients, the environment, and the objects built from them
* `cold_start` - the garbage collector kept out of the cold start (begun here, before any other import)

docs/runtime.md explains the design (exactly-once argument, acknowledgement per pipeline type).
"""

from sluice_runtime import cold_start

cold_start.begin()

__version__ = "0.1.0"
