"""What one execution consumes: transitions, duration, Lambda, DynamoDB and S3 requests.

`Usage` values add up along a path and scale with Map items and retries.

Example:
    >>> (Usage(transitions=2, seconds=1.0) + Usage(transitions=1)).scaled(3).transitions
    9
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Usage:
    transitions: int = 0
    seconds: float = 0.0  # wall-clock duration of the execution (Express bills it)
    lambda_requests: Counter[str] = field(default_factory=Counter)  # by architecture
    lambda_gb_seconds: Counter[str] = field(default_factory=Counter)
    dynamodb_write_units: int = 0
    s3_put_requests: int = 0  # PUT, COPY, POST, LIST
    s3_get_requests: int = 0  # GET, HEAD, SELECT

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.transitions + other.transitions,
            self.seconds + other.seconds,
            self.lambda_requests + other.lambda_requests,
            self.lambda_gb_seconds + other.lambda_gb_seconds,
            self.dynamodb_write_units + other.dynamodb_write_units,
            self.s3_put_requests + other.s3_put_requests,
            self.s3_get_requests + other.s3_get_requests,
        )

    def scaled(self, times: int, *, seconds: float | None = None) -> Usage:
        """`times` repetitions (Map items, attempts); `seconds` overrides the duration (parallel runs)."""
        return Usage(
            self.transitions * times,
            self.seconds * times if seconds is None else seconds,
            Counter({arch: n * times for arch, n in self.lambda_requests.items()}),
            Counter({arch: gbs * times for arch, gbs in self.lambda_gb_seconds.items()}),
            self.dynamodb_write_units * times,
            self.s3_put_requests * times,
            self.s3_get_requests * times,
        )

    def waited(self, seconds: float) -> Usage:
        return self + Usage(seconds=seconds)
