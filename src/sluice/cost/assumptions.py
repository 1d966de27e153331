"""What the estimate cannot read from the definition, stated so the output can say it.

Example:
    >>> Assumptions().map_items
    10
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from sluice.cost.prices import X86_64

# Express memory is billed in 64-MB chunks from the execution's payload; small payloads use one.
EXPRESS_MEMORY_MB = 64


class Assumptions(BaseModel, frozen=True):
    executions_per_month: int = Field(default=1_000_000, ge=0)
    # One Task attempt; a shorter TimeoutSeconds caps it.
    task_seconds: float = Field(default=1.0, gt=0)
    map_items: int = Field(default=10, ge=0)  # items per Map state run
    express_memory_mb: int = Field(default=EXPRESS_MEMORY_MB, ge=64)
    # MemorySize of a function the template does not declare (Lambda's default).
    default_memory_mb: int = Field(default=128, ge=128)
    default_architecture: str = X86_64

    def notes(self) -> list[str]:
        return [
            f"each Task attempt takes {self.task_seconds:g} s (or its TimeoutSeconds, if shorter)",
            f"each Map runs {self.map_items} items; Distributed Map children are counted as Standard transitions",
            f"Express executions use {self.express_memory_mb} MB (billed in 64-MB chunks, duration rounded up "
            "to 100 ms)",
            "Wait states with a fixed Seconds wait that long; waits from the input are not counted",
            "retry path: every retrier on the path is exhausted (MaxAttempts), then the attempt succeeds; "
            "back-off waits are the un-jittered upper bound",
            "DynamoDB and S3 requests are those of the Task resources (what Lambda functions do inside is "
            "not visible); 1 write unit per DynamoDB write (items up to 1 KB)",
            "first pricing tier, no free tier",
        ]
