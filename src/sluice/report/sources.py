"""Where executions come from: the local engine in this process, or a running `sluice serve`
(any Step Functions endpoint) through boto3. `collect` reads the executions asked for and, through
their histories, the nested executions they started (`states:startExecution[.sync]`).

Example:
    >>> executions = collect(EngineSource.of(engine), [execution.arn])
    >>> client = boto3.client("stepfunctions", endpoint_url="http://127.0.0.1:8083")
    >>> executions = collect(ApiSource(client), [arn])
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from sluice import json_text
from sluice.report.history import child_arns, read_execution
from sluice.report.model import ExecutionReport

MAX_EXECUTIONS = 200  # a runaway of nested executions should not make a page nobody can open


class ExecutionSource(Protocol):
    def describe(self, arn: str) -> Mapping[str, Any] | None:
        """DescribeExecution's response, None when there is no such execution."""

    def history(self, arn: str) -> Iterable[Mapping[str, Any]]:
        """GetExecutionHistory's events, oldest first."""

    def machine(self, arn: str) -> tuple[Mapping[str, Any] | None, str]:
        """The state machine's definition (None if unknown) and type."""


class EngineSource:
    """Executions run in this process (what `execute` and `drop` ran), and their machines'
    definitions and types by state machine ARN."""

    def __init__(self, executions: Iterable[Any], machines: Mapping[str, tuple[Mapping[str, Any], str]]) -> None:
        self.executions = {execution.arn: execution for execution in executions}
        self.machines = machines

    @classmethod
    def of(cls, engine: Any) -> EngineSource:
        """Every execution and state machine of a `sluice.asl.Engine`."""
        machines = list(engine.state_machines.values())
        return cls([execution for machine in machines for execution in machine.executions.values()],
                   {machine.arn: (machine.definition, machine.type) for machine in machines})

    def describe(self, arn: str) -> Mapping[str, Any] | None:
        execution = self.executions.get(arn)
        return None if execution is None else execution.describe()

    def history(self, arn: str) -> Iterable[Mapping[str, Any]]:
        execution = self.executions.get(arn)
        return [] if execution is None else execution.history

    def machine(self, arn: str) -> tuple[Mapping[str, Any] | None, str]:
        return self.machines.get(arn, (None, "STANDARD"))


class ApiSource:
    """Executions behind a Step Functions API (`sluice serve`, Step Functions Local, AWS) via boto3."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def describe(self, arn: str) -> Mapping[str, Any] | None:
        try:
            return self.client.describe_execution(executionArn=arn)  # type: ignore[no-any-return]
        except self.client.exceptions.ExecutionDoesNotExist:
            return None

    def history(self, arn: str) -> Iterable[Mapping[str, Any]]:
        pages = self.client.get_paginator("get_execution_history").paginate(executionArn=arn)
        return [event for page in pages for event in page["events"]]

    def machine(self, arn: str) -> tuple[Mapping[str, Any] | None, str]:
        try:
            described = self.client.describe_state_machine(stateMachineArn=arn)
        except self.client.exceptions.StateMachineDoesNotExist:
            return None, "STANDARD"
        return json_text.loads(described["definition"]), str(described.get("type", "STANDARD"))


def collect(source: ExecutionSource, arns: Sequence[str], notes: list[str] | None = None) -> list[ExecutionReport]:
    """Reports of `arns` (roots) with their nested executions as children. An ARN that another
    root started is shown once, under its parent. What cannot be read is added to `notes`."""
    notes = notes if notes is not None else []
    built: dict[str, ExecutionReport] = {}
    roots: list[ExecutionReport] = []
    for arn in arns:
        if arn in built:
            continue
        report = _read(source, arn, built, notes, parent=None, parent_state=None)
        if report is not None:
            roots.append(report)
    return roots


def _read(source: ExecutionSource, arn: str, built: dict[str, ExecutionReport], notes: list[str], *,
          parent: ExecutionReport | None, parent_state: str | None) -> ExecutionReport | None:
    if len(built) >= MAX_EXECUTIONS:
        notes.append(f"only the first {MAX_EXECUTIONS} executions are shown; {arn} and later ones are not")
        return None
    description = source.describe(arn)
    if description is None:
        notes.append(f"execution {arn} was not found" + (f" (started by {parent.name})" if parent else ""))
        return None
    definition, machine_type = source.machine(str(description.get("stateMachineArn", "")))
    if definition is None:
        notes.append(f"the definition of {description.get('stateMachineArn')} was not found: no graph for {arn}")
    report = read_execution(description, source.history(arn), definition, anchor=f"x{len(built) + 1}",
                            type=machine_type)
    report.parent = parent.anchor if parent else None
    report.parent_state = parent_state
    built[arn] = report
    for state, child in child_arns(report):
        if child in built:
            continue
        nested = _read(source, child, built, notes, parent=report, parent_state=state)
        if nested is not None:
            report.children.append(nested)
    return report
