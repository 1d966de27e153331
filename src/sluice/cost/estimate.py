"""The monthly estimate: each path's usage priced as Standard and as Express, side by side.

Example:
    >>> estimate = estimate_cost(load_workflow("statemachines/stream_batch.asl.json"), Assumptions())
    >>> [p.mode for p in estimate.paths]
    ['happy (shortest)', 'happy (longest)', 'retry', 'failure']
"""

from __future__ import annotations

import math

from pydantic import BaseModel

from sluice.cost.assumptions import Assumptions
from sluice.cost.paths import MODES, Path, StateCosts, find_path
from sluice.cost.prices import PRICES, Prices
from sluice.graph.source import Workflow
from sluice.lint.rules.express_limits import EXPRESS_LIMIT_SECONDS


class LambdaUse(BaseModel, frozen=True):
    architecture: str
    requests: int
    gb_seconds: float
    usd: float


class PathCost(BaseModel, frozen=True):
    """One path, per execution and per month (every execution taking this path)."""

    mode: str
    states: list[str]
    transitions: int
    seconds: float
    fits_express: bool  # Express executions stop at 5 minutes
    express_gb_seconds: float
    lambda_use: list[LambdaUse]  # per month, by architecture
    dynamodb_write_units: int
    s3_put_requests: int
    s3_get_requests: int
    standard_workflow_usd: float
    express_workflow_usd: float
    lambda_usd: float
    dynamodb_usd: float
    s3_usd: float
    total_standard_usd: float
    total_express_usd: float


class CostEstimate(BaseModel, frozen=True):
    pipeline: str
    type: str
    executions_per_month: int
    region: str
    prices_as_of: str
    assumptions: list[str]
    paths: list[PathCost]


def estimate_cost(workflow: Workflow, assumptions: Assumptions, prices: Prices = PRICES) -> CostEstimate:
    costs = StateCosts(workflow, assumptions)
    paths = [find_path(workflow.program, mode, costs) for mode in MODES]
    return CostEstimate(
        pipeline=workflow.name, type=workflow.type, executions_per_month=assumptions.executions_per_month,
        region=prices.region, prices_as_of=prices.as_of, assumptions=assumptions.notes(),
        paths=[price_path(path, assumptions, prices) for path in paths if path.states],
    )


def price_path(path: Path, assumptions: Assumptions, prices: Prices = PRICES) -> PathCost:
    n = assumptions.executions_per_month
    usage = path.usage
    billed_seconds = math.ceil(round(usage.seconds * 10, 6)) / 10  # Express: next 100 ms
    express_gb_seconds = assumptions.express_memory_mb / 1024 * billed_seconds
    lambda_use = [
        LambdaUse(architecture=arch, requests=usage.lambda_requests[arch] * n,
                  gb_seconds=usage.lambda_gb_seconds[arch] * n,
                  usd=n * (usage.lambda_requests[arch] * prices.lambda_request
                           + usage.lambda_gb_seconds[arch] * prices.lambda_gb_second[arch]))
        for arch in sorted(usage.lambda_requests)
    ]
    standard = n * usage.transitions * prices.standard_transition
    express = n * (prices.express_request + express_gb_seconds * prices.express_gb_second)
    lambda_usd = sum(use.usd for use in lambda_use)
    dynamodb = n * usage.dynamodb_write_units * prices.dynamodb_write_unit
    s3 = n * (usage.s3_put_requests * prices.s3_put_request + usage.s3_get_requests * prices.s3_get_request)
    shared = lambda_usd + dynamodb + s3
    return PathCost(
        mode=path.mode, states=path.states, transitions=usage.transitions, seconds=usage.seconds,
        fits_express=usage.seconds <= EXPRESS_LIMIT_SECONDS,
        express_gb_seconds=express_gb_seconds, lambda_use=lambda_use,
        dynamodb_write_units=usage.dynamodb_write_units, s3_put_requests=usage.s3_put_requests,
        s3_get_requests=usage.s3_get_requests, standard_workflow_usd=standard, express_workflow_usd=express,
        lambda_usd=lambda_usd, dynamodb_usd=dynamodb, s3_usd=s3,
        total_standard_usd=standard + shared, total_express_usd=express + shared,
    )
