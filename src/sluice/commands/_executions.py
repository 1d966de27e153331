"""The executions of a local run as `--json` prints them (`sluice drop`, `sluice run`): one record per
execution the run made, child executions included, with the state transitions it took — the input
`sluice cost --from-run` prices.

Example:
    >>> executions_json(stack, from_trace(stack, roots, "run"))[0]["transitions"]
    7
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sluice.local import LocalStack
    from sluice.report.model import Report


def executions_json(stack: LocalStack, report: Report) -> list[dict[str, Any]]:
    """Each execution in `report`: ids, type, status, transitions, seconds on the virtual clock, error."""
    transitions = {execution.arn: execution.transitions for execution in stack.executions()}
    return [
        {"name": execution.name, "executionArn": execution.arn, "stateMachineArn": execution.state_machine_arn,
         "type": execution.type, "status": execution.status, "transitions": transitions.get(execution.arn),
         "seconds": None if execution.stop is None else execution.stop - execution.start,
         "error": execution.problem.error if execution.problem else None,
         "cause": execution.problem.cause if execution.problem else None}
        for execution in report.all_executions()
    ]
