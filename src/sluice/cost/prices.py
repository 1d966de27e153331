"""AWS list prices used by `sluice cost`: us-east-1, on-demand, first pricing tier, no free tier.

As of 2026-12-01, from the public pricing pages:
* Step Functions — https://aws.amazon.com/step-functions/pricing/ : Standard $0.025 per 1,000 state
  transitions; Express $1.00 per 1M requests and $0.00001667 per GB-second (first 1,000 hours
  tier), duration rounded up to the next 100 ms, memory billed in 64-MB chunks;
* Lambda — https://aws.amazon.com/lambda/pricing/ : $0.20 per 1M requests; $0.0000166667 per
  GB-second on x86_64, $0.0000133334 on arm64 (first tier), duration rounded up to 1 ms;
* DynamoDB on-demand — https://aws.amazon.com/dynamodb/pricing/on-demand/ : $0.625 per million
  write request units;
* S3 Standard — https://aws.amazon.com/s3/pricing/ : $0.005 per 1,000 PUT, COPY, POST, LIST
  requests; $0.0004 per 1,000 GET, SELECT and other requests;
* Kinesis Data Streams, provisioned — https://aws.amazon.com/kinesis/data-streams/pricing/ : $0.015
  per shard-hour; $0.014 per million PUT payload units (25 KB each).
Update the figures and AS_OF together.

Example:
    >>> PRICES.standard_transition * 1000
    0.025
"""

from __future__ import annotations

from dataclasses import dataclass, field

AS_OF = "2026-12-01"
REGION = "us-east-1"
X86_64, ARM64 = "x86_64", "arm64"


@dataclass(frozen=True)
class Prices:
    """USD per unit."""

    standard_transition: float = 0.025 / 1_000
    express_request: float = 1.00 / 1_000_000
    express_gb_second: float = 0.00001667
    lambda_request: float = 0.20 / 1_000_000
    lambda_gb_second: dict[str, float] = field(default_factory=lambda: {X86_64: 0.0000166667, ARM64: 0.0000133334})
    dynamodb_write_unit: float = 0.625 / 1_000_000
    s3_put_request: float = 0.005 / 1_000
    s3_get_request: float = 0.0004 / 1_000
    kinesis_shard_hour: float = 0.015
    kinesis_put_payload_unit: float = 0.014 / 1_000_000  # 25 KB of a record's payload
    as_of: str = AS_OF
    region: str = REGION


PRICES = Prices()
