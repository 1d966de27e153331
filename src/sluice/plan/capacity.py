"""The capacity plan: a target `Load` against a template's topology and the quotas of `quotas.py`.

The model, per part (every figure it uses is in `Load` or `Quotas`):
* Kinesis: shards for writes (records/s and bytes/s per shard), for Lambda's reads (2 MB/s per
  shard) and for the consumer to keep up — a shard's consumer finishes at most
  `ParallelizationFactor x BatchSize / function seconds` records/s; past that the iterator age grows.
  A batch holds what arrived in one poll (once a second, or the batching window), up to BatchSize.
* Lambda concurrency: invocations/s x seconds per invocation (Little's law) for each function,
  against the account's 1,000.
* Step Functions: executions/s against the StartExecution token bucket of their type; for Standard,
  executions/s x transitions per execution against the StateTransition bucket. A rate above the
  refill rate is throttled once the bucket is empty (after `bucket / (rate - refill)` seconds).
* DynamoDB: idempotency writes of the triggered functions plus the DynamoDB Tasks of the workflows.
* Monthly cost: `sluice.cost` for each workflow (longest happy path), plus Lambda for the
  triggered functions, Kinesis shard-hours and PUT payload units, and the DynamoDB writes.

Example:
    >>> plan = plan_capacity(SamTemplate.load("template.yaml"), Load(records_per_second=5_000))
    >>> plan.kinesis[0].shards_needed
    5
"""

from __future__ import annotations

import math
from collections import defaultdict

from pydantic import BaseModel

from sluice.cost import Assumptions, estimate_cost
from sluice.cost.paths import HAPPY_LONGEST
from sluice.cost.prices import PRICES, Prices
from sluice.graph.source import Workflow, load_workflow
from sluice.local.template.model import SamTemplate
from sluice.plan.load import SECONDS_PER_MONTH, Load
from sluice.plan.quotas import QUOTAS, STANDARD, Quotas, TokenBucket
from sluice.plan.topology import KinesisConsumer, Topology, read_topology

TARGET_UTILISATION = 0.8  # headroom kept on every consumer, so a burst does not start a backlog
PUT_PAYLOAD_UNIT_BYTES = 25 * 1024
HOURS_PER_MONTH = SECONDS_PER_MONTH / 3_600


class KinesisPlan(BaseModel, frozen=True):
    function: str
    stream: str
    shards_declared: int | None
    shards_needed: int
    shards_for_writes: int
    shards_for_reads: int
    shards_for_consumer: int
    batch_size: int
    records_per_batch: float
    invocations_per_second: float
    consumer_utilisation: float  # at the shards the template declares (or the needed ones)
    concurrency: float


class BucketUse(BaseModel, frozen=True):
    """Use of one token bucket: rate against refill; `throttled_after_seconds` None when it keeps up."""

    api: str
    type: str
    rate_per_second: float
    bucket: float
    refill_per_second: float
    headroom: float  # 1 - rate / refill (negative: throttled)
    throttled_after_seconds: float | None


class WorkflowPlan(BaseModel, frozen=True):
    state_machine: str
    type: str
    executions_per_second: float
    transitions_per_execution: int
    lambda_requests_per_execution: int
    monthly_standard_usd: float
    monthly_express_usd: float


class Plan(BaseModel, frozen=True):
    source: str
    region: str
    quotas_as_of: str
    prices_as_of: str
    load: Load
    kinesis: list[KinesisPlan]
    workflows: list[WorkflowPlan]
    buckets: list[BucketUse]
    lambda_concurrency: dict[str, float]
    lambda_concurrency_total: float
    lambda_concurrency_quota: int
    dynamodb_writes_per_second: dict[str, float]
    dynamodb_table_quota: int
    monthly_usd: dict[str, float]
    warnings: list[str]
    assumptions: list[str]


def plan_capacity(template: SamTemplate | None, load: Load, *, workflow: Workflow | None = None,
                  quotas: Quotas = QUOTAS, prices: Prices = PRICES) -> Plan:
    """The plan for `template` (all its entry points) or, given `workflow`, for one state machine
    started `load.executions_per_second` times a second."""
    topology = read_topology(template) if template is not None else Topology()
    warnings: list[str] = []
    concurrency: defaultdict[str, float] = defaultdict(float)
    invocations: defaultdict[str, float] = defaultdict(float)  # per second, of the triggered functions
    kinesis = [_kinesis(consumer, load, quotas, warnings) for consumer in topology.kinesis]
    for part in kinesis:
        invocations[part.function] += part.invocations_per_second
        concurrency[part.function] += part.concurrency
    for function in topology.file_functions:
        invocations[function] += load.files_per_second
        concurrency[function] += load.files_per_second * load.function_seconds
    started: defaultdict[str, float] = defaultdict(float)
    for function, rate in invocations.items():
        for machine in topology.functions[function].starts:
            started[machine] += rate
    workflows: dict[str, Workflow] = {}
    if workflow is not None:
        workflows[workflow.name] = workflow
        started[workflow.name] += load.executions_per_second
    elif template is not None:
        for machine in started:
            workflows[machine] = load_workflow(machine, template=template.path)
    plans = [_workflow(workflows[name], rate, load, prices) for name, rate in started.items()]
    for plan in plans:
        lambda_seconds = plan.lambda_requests_per_execution * load.task_seconds
        concurrency[f"{plan.state_machine} tasks"] += plan.executions_per_second * lambda_seconds
    buckets = _buckets(plans, quotas, warnings)
    total = sum(concurrency.values())
    if total > quotas.lambda_concurrency:
        warnings.append(f"Lambda concurrency {total:,.0f} exceeds the account's {quotas.lambda_concurrency:,}: "
                        "invocations will be throttled (ask for a quota increase)")
    writes = _dynamodb(topology, invocations, plans, workflows, load)
    for table, rate in writes.items():
        if rate > quotas.dynamodb_table_write_units:
            warnings.append(f"DynamoDB {table}: {rate:,.0f} writes/s exceeds the on-demand table default of "
                            f"{quotas.dynamodb_table_write_units:,}/s")
    return Plan(
        source=workflow.name if workflow is not None else str(template.path if template is not None else "?"),
        region=quotas.region, quotas_as_of=quotas.as_of, prices_as_of=prices.as_of, load=load,
        kinesis=kinesis, workflows=plans, buckets=buckets,
        lambda_concurrency={name: round(value, 3) for name, value in concurrency.items()},
        lambda_concurrency_total=total, lambda_concurrency_quota=quotas.lambda_concurrency,
        dynamodb_writes_per_second=writes, dynamodb_table_quota=quotas.dynamodb_table_write_units,
        monthly_usd=_monthly(topology, kinesis, invocations, plans=plans, writes=writes, load=load, prices=prices),
        warnings=warnings, assumptions=load.notes())


def records_per_batch(rate_per_shard: float, batch_size: int, window_seconds: float, quotas: Quotas = QUOTAS) -> float:
    """Records in one batch: what arrives in one poll (or batching window), at most BatchSize."""
    return min(float(batch_size), max(1.0, rate_per_shard * max(quotas.kinesis_poll_seconds, window_seconds)))


def _kinesis(consumer: KinesisConsumer, load: Load, quotas: Quotas, warnings: list[str]) -> KinesisPlan:
    rate, size = load.records_per_second, load.payload_bytes
    writes = max(1, math.ceil(rate / quotas.kinesis_shard_write_records),
                 math.ceil(rate * size / quotas.kinesis_shard_write_bytes))
    reads = max(1, math.ceil(rate * size / quotas.kinesis_shard_read_bytes))
    per_shard_capacity = consumer.parallelization * consumer.batch_size / load.function_seconds
    keep_up = max(1, math.ceil(rate / (per_shard_capacity * TARGET_UTILISATION)))
    needed = max(writes, reads, keep_up)
    shards = consumer.shards or needed
    per_shard = rate / shards
    batch = records_per_batch(per_shard, consumer.batch_size, consumer.window_seconds, quotas)
    invocations = rate / batch if rate else 0.0
    utilisation = per_shard / per_shard_capacity
    where = f"Kinesis {consumer.stream} → {consumer.function}"
    if consumer.shards is not None and consumer.shards < writes:
        warnings.append(f"{where}: {rate:,.0f} records/s of {size:,} B need {writes} shard(s) for writes; the "
                        f"template declares {consumer.shards}: PutRecords fails with "
                        "ProvisionedThroughputExceededException")
    if utilisation > 1:
        warnings.append(f"{where}: the consumer is slower than the producer ({utilisation:.1f}x its capacity of "
                        f"{per_shard_capacity:,.0f} records/s per shard): backlog and iterator age grow without "
                        f"bound — use {needed} shard(s), a larger BatchSize or ParallelizationFactor")
    elif consumer.shards is not None and consumer.shards < needed:
        warnings.append(f"{where}: {needed} shard(s) recommended, the template declares {consumer.shards}")
    if size > quotas.kinesis_record_max_bytes:
        warnings.append(f"{where}: a record of {size:,} B is larger than any Kinesis record "
                        f"({quotas.kinesis_record_max_bytes:,} B): PutRecord refuses it")
    elif size > quotas.kinesis_record_default_bytes:
        warnings.append(f"{where}: a record of {size:,} B is larger than a stream's default maximum "
                        f"({quotas.kinesis_record_default_bytes:,} B): raise the stream's maximum record size "
                        "(UpdateMaxRecordSize, up to 10 MiB)")
    if needed > quotas.kinesis_shards_per_account:
        warnings.append(f"{where}: {needed:,} shards exceed the account's {quotas.kinesis_shards_per_account:,}")
    return KinesisPlan(
        function=consumer.function, stream=consumer.stream, shards_declared=consumer.shards, shards_needed=needed,
        shards_for_writes=writes, shards_for_reads=reads, shards_for_consumer=keep_up,
        batch_size=consumer.batch_size, records_per_batch=batch, invocations_per_second=invocations,
        consumer_utilisation=utilisation,
        concurrency=min(shards * consumer.parallelization, invocations * load.function_seconds))


def _workflow(workflow: Workflow, rate: float, load: Load, prices: Prices) -> WorkflowPlan:
    estimate = estimate_cost(workflow, Assumptions(executions_per_month=round(rate * SECONDS_PER_MONTH),
                                                   task_seconds=load.task_seconds, map_items=load.map_items), prices)
    path = next(path for path in estimate.paths if path.mode == HAPPY_LONGEST)
    requests = sum(use.requests for use in path.lambda_use)
    per_execution = round(requests / estimate.executions_per_month) if estimate.executions_per_month else 0
    return WorkflowPlan(state_machine=workflow.name, type=workflow.type, executions_per_second=rate,
                        transitions_per_execution=path.transitions, lambda_requests_per_execution=per_execution,
                        monthly_standard_usd=path.total_standard_usd, monthly_express_usd=path.total_express_usd)


def _buckets(plans: list[WorkflowPlan], quotas: Quotas, warnings: list[str]) -> list[BucketUse]:
    """StartExecution per type (the quota is per account and type); StateTransition for Standard."""
    starts: defaultdict[str, float] = defaultdict(float)
    transitions: defaultdict[str, float] = defaultdict(float)
    for plan in plans:
        starts[plan.type] += plan.executions_per_second
        transitions[plan.type] += plan.executions_per_second * plan.transitions_per_execution
    uses = [_use("StartExecution", kind, rate, quotas.start_execution[kind]) for kind, rate in sorted(starts.items())]
    uses += [_use("StateTransition", kind, rate, quotas.state_transition[kind])
             for kind, rate in sorted(transitions.items()) if kind == STANDARD]
    for use in uses:
        if use.throttled_after_seconds is not None:
            warnings.append(f"{use.api} ({use.type}): {use.rate_per_second:,.1f}/s exceeds the refill rate of "
                            f"{use.refill_per_second:,.0f}/s: throttled (ThrottlingException) once the bucket of "
                            f"{use.bucket:,.0f} is empty, after {use.throttled_after_seconds:,.1f} s")
    return uses


def _use(api: str, kind: str, rate: float, bucket: TokenBucket) -> BucketUse:
    over = rate - bucket.refill_per_second
    return BucketUse(api=api, type=kind, rate_per_second=rate, bucket=bucket.bucket,
                     refill_per_second=bucket.refill_per_second,
                     headroom=1 - rate / bucket.refill_per_second if math.isfinite(bucket.refill_per_second) else 1.0,
                     throttled_after_seconds=bucket.bucket / over if over > 0 else None)


def _dynamodb(topology: Topology, invocations: dict[str, float], plans: list[WorkflowPlan],
              workflows: dict[str, Workflow], load: Load) -> dict[str, float]:
    writes: defaultdict[str, float] = defaultdict(float)
    for function, rate in invocations.items():
        for table in topology.functions[function].tables:
            writes[table] += rate * load.idempotency_writes
    for plan in plans:
        estimate = estimate_cost(workflows[plan.state_machine], Assumptions(executions_per_month=1,
                                                                             map_items=load.map_items))
        path = next(path for path in estimate.paths if path.mode == HAPPY_LONGEST)
        if path.dynamodb_write_units:
            writes[f"{plan.state_machine} Tasks"] += plan.executions_per_second * path.dynamodb_write_units
    return dict(writes)


def _monthly(topology: Topology, kinesis: list[KinesisPlan], invocations: dict[str, float], *,
             plans: list[WorkflowPlan], writes: dict[str, float], load: Load, prices: Prices) -> dict[str, float]:
    lambda_usd = 0.0
    for function, rate in invocations.items():
        use = topology.functions[function]
        requests = rate * SECONDS_PER_MONTH
        gb_seconds = requests * load.function_seconds * use.memory_mb / 1024
        lambda_usd += requests * prices.lambda_request + gb_seconds * prices.lambda_gb_second[use.architecture]
    units = math.ceil(load.payload_bytes / PUT_PAYLOAD_UNIT_BYTES)
    kinesis_usd = sum(part.shards_needed * HOURS_PER_MONTH * prices.kinesis_shard_hour
                      + load.records_per_second * SECONDS_PER_MONTH * units * prices.kinesis_put_payload_unit
                      for part in kinesis)
    entry_writes = sum(rate for table, rate in writes.items() if not table.endswith(" Tasks"))
    shared = lambda_usd + kinesis_usd + entry_writes * SECONDS_PER_MONTH * prices.dynamodb_write_unit
    as_declared = sum(plan.monthly_standard_usd if plan.type == STANDARD else plan.monthly_express_usd
                      for plan in plans)
    return {
        "triggered functions (Lambda)": lambda_usd, "Kinesis": kinesis_usd,
        "workflows as declared": as_declared,
        "total as declared": shared + as_declared,
        "total if all Standard": shared + sum(plan.monthly_standard_usd for plan in plans),
        "total if all Express": shared + sum(plan.monthly_express_usd for plan in plans),
    }
