"""The faults of one chaos run: a seeded random plan over the calls, functions and event deliveries
of the project's pipelines (`sluice.local.faults.random_plan`), applied to the run's stack.

Every kind of fault the fault-injection API knows is in the pool: transient AWS errors and
throttles on the calls the handlers make, function errors, timeouts and crashes before or after
those calls, and duplicated, concurrent, late and reordered deliveries to the functions that take
events. The invariants must hold whatever is drawn.

Example:
    >>> schedule = FaultSchedule.draw(random.Random(3), stack)      # doctest: +SKIP
    >>> schedule.injected                                            # doctest: +SKIP
    0
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sluice.local.faults import random_plan

if TYPE_CHECKING:
    from sluice.local.stack import LocalStack

CALLS = (
    "s3:GetObject", "s3:HeadObject", "s3:PutObject", "s3:CopyObject", "s3:ListObjectsV2",
    "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:GetItem",
    "states:StartExecution", "states:StartSyncExecution", "sqs:SendMessage",
)
FUNCTIONS = (
    "IngestFunction", "StreamFunction", "OrderedFunction", "FileValidateFunction", "FileChunkFunction",
    "FileReduceFunction", "FileQualityFunction", "FilePublishFunction", "FileQuarantineFunction", "StreamSinkFunction",
)
TARGETS = ("IngestFunction", "StreamFunction", "OrderedFunction")
MAX_RULES = 8


@dataclass
class FaultSchedule:
    stack: LocalStack

    @classmethod
    def draw(cls, rng: random.Random, stack: LocalStack) -> FaultSchedule:
        """Add 2..MAX_RULES random rules to the stack's faults."""
        plan = random_plan(rng.randrange(2**31), calls=CALLS, functions=FUNCTIONS, targets=TARGETS,
                           count=rng.randint(2, MAX_RULES))
        stack.faults.apply(plan)
        return cls(stack)

    def settle(self) -> None:
        """Stop injecting, so that what was left to retry can finish (a rule that fires forever would
        be an outage, not a fault), and run until idle again."""
        self.stack.faults.clear()
        self.stack.run_until_idle()

    @property
    def injected(self) -> int:
        return len(self.stack.faults.injected)
