"""`sluice cost --from-run RUN.json`: price the executions a local run really made.

RUN.json is what `sluice drop … --json` or `sluice run … --json` prints: each execution with its state machine, type,
status, the state transitions it took and its duration on the virtual clock. Per state machine the
observed mean is priced as Standard (transitions, retries included since each retry is a transition)
and as Express (requests and GB-seconds of the observed duration), for the run's own count of
executions or `executions_per_month` executions like them.

Example:
    >>> cost = price_run(RunFile.model_validate_json(Path("run.json").read_text()), executions_per_month=10_000)
    >>> cost.machines[0].mean_transitions
    21.0
"""

from __future__ import annotations

import math
from collections import defaultdict

from pydantic import BaseModel, Field

from sluice.cost.assumptions import EXPRESS_MEMORY_MB
from sluice.cost.prices import PRICES, Prices


class RunExecution(BaseModel, frozen=True):
    stateMachineArn: str  # the field names of `sluice drop --json` and `sluice run --json`
    status: str
    transitions: int = Field(ge=0)
    type: str = "STANDARD"
    seconds: float | None = None


class RunFile(BaseModel, frozen=True):
    executions: list[RunExecution]


class MachineCost(BaseModel, frozen=True):
    state_machine_arn: str
    type: str
    executions_in_run: int
    failed_in_run: int
    mean_transitions: float
    mean_seconds: float
    executions_priced: int
    standard_usd: float
    express_usd: float


class ObservedCost(BaseModel, frozen=True):
    region: str
    prices_as_of: str
    machines: list[MachineCost]
    total_standard_usd: float
    total_express_usd: float
    notes: list[str]


def price_run(run: RunFile, *, executions_per_month: int | None = None, prices: Prices = PRICES) -> ObservedCost:
    groups: dict[str, list[RunExecution]] = defaultdict(list)
    for execution in run.executions:
        groups[execution.stateMachineArn].append(execution)
    machines = []
    for arn, executions in groups.items():
        n = executions_per_month if executions_per_month is not None else len(executions)
        mean_transitions = sum(e.transitions for e in executions) / len(executions)
        mean_seconds = sum(e.seconds or 0.0 for e in executions) / len(executions)
        billed = math.ceil(round(mean_seconds * 10, 6)) / 10  # Express: next 100 ms, 64-MB chunks
        express_gb_seconds = EXPRESS_MEMORY_MB / 1024 * billed
        machines.append(MachineCost(
            state_machine_arn=arn, type=executions[0].type, executions_in_run=len(executions),
            failed_in_run=sum(e.status not in ("SUCCEEDED", "RUNNING") for e in executions),
            mean_transitions=mean_transitions, mean_seconds=mean_seconds, executions_priced=n,
            standard_usd=n * mean_transitions * prices.standard_transition,
            express_usd=n * (prices.express_request + express_gb_seconds * prices.express_gb_second)))
    return ObservedCost(
        region=prices.region, prices_as_of=prices.as_of, machines=machines,
        total_standard_usd=sum(m.standard_usd for m in machines),
        total_express_usd=sum(m.express_usd for m in machines),
        notes=["workflow charges only: the transitions and durations the run's executions really took "
               "(durations on the virtual clock, so Express GB-seconds are those of the local run)",
               f"Express executions use {EXPRESS_MEMORY_MB} MB; first pricing tier, no free tier"])
