"""large-payload: large data carried in the state instead of S3 references.

Why: a state's input and output are capped at 256 KiB (`States.DataLimitExceeded`), and every byte
is copied through every transition. AWS: "Best practices — Use Amazon S3 ARNs instead of passing
large payloads" and "Distributed Map — ItemReader / ResultWriter"
(https://docs.aws.amazon.com/step-functions/latest/dg/sfn-best-practices.html#avoid-exec-failures).
Heuristics:
* an inline Map over the whole input (`ItemsPath` `$`): the item list lives in the state;
* a Distributed Map without `ResultWriter`: every child's output comes back into the state;
* `arn:aws:states:::lambda:invoke` with no `ResultSelector`/`OutputPath` and a non-null
  `ResultPath`: the whole invocation envelope (headers, status, Payload) is kept.
"""

from __future__ import annotations

from collections.abc import Iterator

from sluice.asl.states.map import MapState
from sluice.asl.states.task import TaskState
from sluice.asl.tasks.resources import OPTIMIZED
from sluice.graph.source import Workflow
from sluice.lint.finding import INFO, WARNING, Finding, Rule
from sluice.lint.walk import iter_states

RULE = Rule("large-payload", WARNING, "large payloads passed through the state instead of S3",
            "https://docs.aws.amazon.com/step-functions/latest/dg/sfn-best-practices.html#avoid-exec-failures")


def check(workflow: Workflow) -> Iterator[Finding]:
    for path, state in iter_states(workflow.program):
        spec = state.spec
        if isinstance(state, MapState):
            if not state.distributed and not state.jsonata and spec.get("ItemsPath", "$") == "$":
                yield RULE.finding(workflow.origin, workflow.name, path,
                                   "the inline Map iterates over the whole state input ($)",
                                   "pass an S3 reference and use a Distributed Map with ItemReader for large "
                                   "lists, or select the array with ItemsPath", severity=INFO)
            if state.distributed and "ResultWriter" not in spec and spec.get("ResultPath") is not None:
                yield RULE.finding(workflow.origin, workflow.name, path,
                                   "the Distributed Map returns every child's output into the state (256 KiB cap)",
                                   "add a ResultWriter to export the results to S3, or ResultPath: null")
        elif isinstance(state, TaskState):
            resource = state.resource
            if (resource.kind == OPTIMIZED and resource.service == "lambda" and resource.action == "invoke"
                    and not state.jsonata
                    and "ResultSelector" not in spec and "OutputPath" not in spec
                    and spec.get("ResultPath", "$") is not None):
                yield RULE.finding(workflow.origin, workflow.name, path,
                                   "lambda:invoke keeps the whole invocation envelope (Payload, headers, status)",
                                   'add "ResultSelector": {"Payload.$": "$.Payload"} or return an S3 reference')
