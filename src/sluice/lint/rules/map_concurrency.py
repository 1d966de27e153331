"""map-unbounded-concurrency: a Map without `MaxConcurrency` / `MaxConcurrencyPath`.

Why: with no cap (or 0) an inline Map runs up to 40 iterations at once and a Distributed Map up
to 10,000 child executions, which can exhaust Lambda concurrency and throttle downstream
services. AWS: "Map state — MaxConcurrency" and "Distributed Map — concurrency"
(https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html).
"""

from __future__ import annotations

from collections.abc import Iterator

from sluice.asl.states.map import MapState
from sluice.graph.source import Workflow
from sluice.lint.finding import WARNING, Finding, Rule
from sluice.lint.walk import iter_states

RULE = Rule("map-unbounded-concurrency", WARNING, "Map without MaxConcurrency",
            "https://docs.aws.amazon.com/step-functions/latest/dg/state-map-inline.html")


def unbounded(state: MapState) -> bool:
    spec = state.spec
    return "MaxConcurrencyPath" not in spec and not spec.get("MaxConcurrency")


def check(workflow: Workflow) -> Iterator[Finding]:
    for path, state in iter_states(workflow.program):
        if isinstance(state, MapState) and unbounded(state) and "ItemReader" not in state.spec:
            limit = "10,000 child executions" if state.distributed else "40 iterations"
            yield RULE.finding(workflow.origin, workflow.name, path,
                               f"no MaxConcurrency: up to {limit} run at once",
                               "set MaxConcurrency to what the downstream services can take")
