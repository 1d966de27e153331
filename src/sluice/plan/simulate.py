"""`sluice plan --simulate`: the target load replayed, at reduced scale, on the local stack.

The stack runs the template for real — records put into its Kinesis streams, its pollers forming
batches, its functions starting executions — one virtual second at a time (`LocalStack.advance`).
What the stack shows per second (records delivered, executions started by type) is scaled back up
(÷ `scale`) and fed to two models, because the local stack runs a handler in zero virtual time and
has no quotas:
* a consumer queue per Kinesis consumer: it finishes at most
  `shards x ParallelizationFactor x BatchSize / function seconds` records a second; what it cannot
  finish is backlog, and backlog ÷ that capacity is the iterator age;
* the StartExecution token bucket of each workflow type (`quotas.py`): tokens refill each second up
  to the bucket; a start with no token left is throttled.
Files (`--files-per-day`) are not replayed: the plan covers them.

Example:
    >>> result = simulate(Path("template.yaml"), Load(records_per_second=5_000), seconds=20)
    >>> result.backlog_starts_at
    1
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel

from sluice.local.stack import LocalStack
from sluice.plan.capacity import TARGET_UTILISATION
from sluice.plan.load import Load
from sluice.plan.quotas import QUOTAS, Quotas
from sluice.plan.topology import KinesisConsumer, read_topology

# At most this many records a (virtual) second are really put: enough to form batches, cheap to run.
MAX_SIMULATED_RATE = 20.0


class Second(BaseModel, frozen=True):
    """One virtual second, in full-scale units."""

    at: int
    records_delivered: float
    backlog_records: float
    iterator_age_seconds: float
    executions_started: dict[str, float]
    executions_throttled: dict[str, float]


class Simulation(BaseModel, frozen=True):
    scale: float
    seconds: int
    records_put: int  # really put into the local stack (scaled down)
    consumer_capacity_per_second: float
    timeline: list[Second]
    backlog_starts_at: int | None  # first second the consumer fell behind
    throttling_starts_at: int | None  # first second a StartExecution was throttled
    notes: list[str]


def default_scale(load: Load) -> float:
    return min(1.0, MAX_SIMULATED_RATE / load.records_per_second) if load.records_per_second else 1.0


def simulate(template: Path, load: Load, *, seconds: int = 30, scale: float | None = None,
             quotas: Quotas = QUOTAS, on_second: Callable[[int], None] | None = None) -> Simulation:
    """Replay `load` for `seconds` virtual seconds at `scale` (default: at most 20 records/s put)."""
    scale = scale or default_scale(load)
    with LocalStack.from_template(template, seed=0) as stack:
        consumers = read_topology(stack.template).kinesis
        capacity = sum(_capacity(consumer, load) for consumer in consumers)
        functions = {consumer.function for consumer in consumers}
        tokens = {kind: bucket.bucket for kind, bucket in quotas.start_execution.items()}
        seen_invocations = seen_executions = 0
        owed, put, backlog = 0.0, 0, 0.0
        timeline: list[Second] = []
        for at in range(1, seconds + 1):
            owed += load.records_per_second * scale
            for consumer in consumers:
                for n in range(put, put + int(owed)):
                    stack.put_record(consumer.stream, {"id": n, "pad": "x" * min(load.payload_bytes, 512)},
                                     partition_key=f"key-{n}")
            put += int(owed)
            owed -= int(owed)
            stack.advance(1.0)
            invocations = stack.invocations()[seen_invocations:]
            seen_invocations += len(invocations)
            delivered = sum(len(invocation.event.get("Records", [])) for invocation in invocations
                            if invocation.function in functions and invocation.attempt == 1
                            and isinstance(invocation.event, dict)) / scale
            executions = stack.executions()[seen_executions:]
            seen_executions += len(executions)
            started = Counter(execution.type for execution in executions)
            throttled: dict[str, float] = {}
            for kind, bucket in quotas.start_execution.items():
                tokens[kind] = min(bucket.bucket, tokens[kind] + bucket.refill_per_second)
                demand = started.get(kind, 0) / scale
                throttled[kind] = max(0.0, demand - tokens[kind])
                tokens[kind] = max(0.0, tokens[kind] - demand)
            backlog = max(0.0, backlog + delivered - capacity)
            timeline.append(Second(
                at=at, records_delivered=delivered, backlog_records=backlog,
                iterator_age_seconds=backlog / capacity if capacity else 0.0,
                executions_started={kind: count / scale for kind, count in started.items()},
                executions_throttled={kind: count for kind, count in throttled.items() if count}))
            if on_second is not None:
                on_second(at)
    return Simulation(
        scale=scale, seconds=seconds, records_put=put * len(consumers), consumer_capacity_per_second=capacity,
        timeline=timeline,
        backlog_starts_at=next((second.at for second in timeline if second.backlog_records > 0), None),
        throttling_starts_at=next((second.at for second in timeline if second.executions_throttled), None),
        notes=[f"scale 1:{1 / scale:,.0f}: {load.records_per_second * scale:g} records/s really put, figures "
               "shown at full scale",
               "handlers run in zero virtual time: consumer capacity is shards x ParallelizationFactor x "
               f"BatchSize / {load.function_seconds:g} s",
               "StartExecution throttling from the token bucket model (quotas.py), on the starts the stack made",
               "files are not replayed"])


def _capacity(consumer: KinesisConsumer, load: Load) -> float:
    """Records a second the consumer finishes: every concurrent batch busy all the time."""
    shards = consumer.shards or max(1, math.ceil(load.records_per_second / (
        consumer.parallelization * consumer.batch_size / load.function_seconds * TARGET_UTILISATION)))
    return shards * consumer.parallelization * consumer.batch_size / load.function_seconds
