"""backfill-unbounded: a Distributed Map reading its items from S3 (`ItemReader`) with no concurrency cap.

Why: a backfill over a bucket or a manifest can hold millions of items; uncapped it starts up to
10,000 child executions at once and overloads every service behind them (Lambda concurrency,
DynamoDB, the pipeline it replays). AWS: "Distributed Map — MaxConcurrency" and "Best practices
for Distributed Map" (https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html).
"""

from __future__ import annotations

from collections.abc import Iterator

from sluice.asl.states.map import MapState
from sluice.graph.source import Workflow
from sluice.lint.finding import ERROR, Finding, Rule
from sluice.lint.rules.map_concurrency import unbounded
from sluice.lint.walk import iter_states

RULE = Rule("backfill-unbounded", ERROR, "backfill (Distributed Map over ItemReader) without a concurrency cap",
            "https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html")


def check(workflow: Workflow) -> Iterator[Finding]:
    for path, state in iter_states(workflow.program):
        if isinstance(state, MapState) and "ItemReader" in state.spec and unbounded(state):
            yield RULE.finding(workflow.origin, workflow.name, path,
                               "a backfill over an ItemReader with no MaxConcurrency starts up to 10,000 "
                               "child executions at once",
                               "set MaxConcurrency (or MaxConcurrencyPath) to what the replayed pipeline can take")
