"""AWS quotas `sluice plan` checks a load against: us-east-1 defaults, in ONE dated, cited place.

As of 2026-12-01, from the public documentation:
* Step Functions — "Step Functions service quotas"
  (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html), US East (N. Virginia):
  StartExecution token bucket — Standard: bucket 1,300, refill 300/s; Express: bucket 6,000,
  refill 6,000/s. StateTransition token bucket — Standard: bucket 5,000, refill 1,500/s; Express:
  unlimited. Throttling quotas are per account and Region; new accounts start lower.
* Lambda — "Lambda quotas" and "Lambda scaling behavior"
  (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html,
  https://docs.aws.amazon.com/lambda/latest/dg/scaling-behavior.html): 1,000 concurrent executions
  per account and Region; each function scales by at most 1,000 execution environments every 10 s.
  "Using Lambda with Kinesis" (https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html):
  Lambda polls each shard at a base rate of once per second; `BatchSize` up to 10,000;
  `ParallelizationFactor` 1-10 concurrent batches per shard.
* Kinesis Data Streams — "Quotas and limits"
  (https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html): each shard takes
  1 MB/s or 1,000 records/s of writes and serves 2 MB/s of reads; 20,000 shards per account in
  us-east-1 (provisioned mode). "Handle large records"
  (https://docs.aws.amazon.com/streams/latest/dev/large-records.html): a record is at most 1 MiB by
  default, 10 MiB once the stream's maximum record size is raised.
* DynamoDB — "Service, account, and table quotas"
  (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html): on-demand
  tables default to 40,000 write request units per second; one write request unit writes an item of
  up to 1 KB.
Update the figures and AS_OF together.

Example:
    >>> QUOTAS.start_execution[STANDARD].refill_per_second
    300.0
"""

from __future__ import annotations

from dataclasses import dataclass, field

AS_OF = "2026-12-01"
REGION = "us-east-1"
STANDARD, EXPRESS = "STANDARD", "EXPRESS"
MIB = 1024 * 1024


@dataclass(frozen=True)
class TokenBucket:
    """A token bucket: `bucket` tokens at most, `refill_per_second` added back each second; a call
    with no token left is throttled. `math.inf` refill means the API is not throttled this way."""

    bucket: float
    refill_per_second: float


@dataclass(frozen=True)
class Quotas:
    start_execution: dict[str, TokenBucket] = field(default_factory=lambda: {
        STANDARD: TokenBucket(1_300, 300.0), EXPRESS: TokenBucket(6_000, 6_000.0)})
    # Express workflows have no state-transition quota.
    state_transition: dict[str, TokenBucket] = field(default_factory=lambda: {
        STANDARD: TokenBucket(5_000, 1_500.0), EXPRESS: TokenBucket(float("inf"), float("inf"))})
    lambda_concurrency: int = 1_000
    lambda_scaling_per_10s: int = 1_000
    kinesis_poll_seconds: float = 1.0  # Lambda's base poll rate per shard
    kinesis_max_batch: int = 10_000
    kinesis_max_parallelization: int = 10
    kinesis_shard_write_records: int = 1_000
    kinesis_shard_write_bytes: int = MIB
    kinesis_shard_read_bytes: int = 2 * MIB
    kinesis_shards_per_account: int = 20_000
    kinesis_record_default_bytes: int = MIB
    kinesis_record_max_bytes: int = 10 * MIB
    dynamodb_table_write_units: int = 40_000
    dynamodb_write_unit_bytes: int = 1_024
    as_of: str = AS_OF
    region: str = REGION


QUOTAS = Quotas()
