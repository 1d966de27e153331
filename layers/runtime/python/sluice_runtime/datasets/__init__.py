"""Pipeline task logic of the reference pipelines (`statemachines/*.asl.json`).

Data and rules:

* `catalog` (+ `catalog.json`) - the datasets: key patterns, formats, schemas, partitions, chunking,
  quality rules, freshness SLAs; stream datasets per registry pipeline
* `columns` - column types: parse and normalize values, validate records
* `formats` - CSV / JSON Lines: the streaming scan that plans chunks, and the chunk reader
* `layout` - deterministic staging / curated / quarantine keys of a run
* `storage` - S3 access with the transient-error policy and conditional writes
* `jobs` - the documents the states hand each other

File pipeline steps (one task function each): `validate` -> `transform` (per chunk) -> `reduce` ->
`quality` -> `publish` -> `notify`; on failure `compensate` and `setaside` (quarantine).
Other pipelines: `stream_sink` (stream batch), `backfill` (plan / prepare / summarize), `freshness`.
Support: `errors`, `metrics`, `wiring`.

Deployed code: imports only the layer's own dependencies (boto3, Powertools, pydantic).
"""
