"""`sluice plan`: a capacity plan for AWS from a target load — Kinesis shards, Lambda concurrency,
batch sizes, Step Functions quota headroom, DynamoDB write rate and monthly cost — and, with
`simulate`, that load replayed at reduced scale on the local stack's virtual clock.

Example:
    >>> plan = plan_capacity(SamTemplate.load("template.yaml"), Load(records_per_second=2_000))
    >>> [warning for warning in plan.warnings if "StartExecution" in warning]
    []
"""

from sluice.plan.capacity import Plan, plan_capacity
from sluice.plan.load import Load
from sluice.plan.quotas import QUOTAS, Quotas

__all__ = ["QUOTAS", "Load", "Plan", "Quotas", "plan_capacity"]
