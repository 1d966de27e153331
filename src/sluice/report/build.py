"""Build a `Report` from what a command ran, and write it as one HTML file.

- `from_engine`: executions of an in-process engine (`sluice execute`);
- `from_trace`: what `sluice drop` caused on the local stack — its executions and its objects;
- `from_api`: an execution of a running `sluice serve` (any Step Functions endpoint), via boto3.

Example:
    >>> with LocalStack.from_template("template.yaml") as stack:
    ...     mark = stack.trace.mark()
    ...     stack.put_object("RawBucket", "incoming/orders.csv", data)
    ...     stack.run_until_idle()
    ...     write_report(from_trace(stack, stack.trace.since(mark)), "report.html", stack.template)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sluice.graph import template_workflows
from sluice.report.model import Report
from sluice.report.objects import object_fates
from sluice.report.page import render_page
from sluice.report.sources import ApiSource, EngineSource, collect

if TYPE_CHECKING:
    from sluice.local import LocalStack, SamTemplate
    from sluice.local.trace import Activity


def from_engine(engine: Any, arns: Sequence[str], title: str) -> Report:
    notes: list[str] = []
    return Report(title, collect(EngineSource.of(engine), arns, notes), notes=notes)


def from_trace(stack: LocalStack, roots: Iterable[Activity], title: str) -> Report:
    """The executions the activities caused (nested ones under their parents) and each dropped object's fate."""
    roots = list(roots)
    arns = [activity.ref.arn for root in roots for activity in root.walk()
            if activity.kind == "execution" and activity.ref is not None]
    notes: list[str] = []
    machines = {stack.arn(workflow.name): (workflow.definition, workflow.type)
                for workflow in template_workflows(stack.template)}
    executions = collect(EngineSource(stack.executions(), machines), arns, notes)
    return Report(title, executions, object_fates(roots, read_object=_reader(stack)), notes)


def from_api(client: Any, arn: str) -> Report:
    notes: list[str] = []
    executions = collect(ApiSource(client), [arn], notes)
    return Report(f"Execution {arn.rsplit(':', 1)[-1]}", executions, notes=notes)


def write_report(report: Report, path: str | Path, template: SamTemplate | None = None) -> Path:
    target = Path(path)
    target.write_text(render_page(report, template), encoding="utf-8")
    return target


def _reader(stack: LocalStack) -> Any:
    from botocore.exceptions import ClientError  # noqa: PLC0415 - the stack has loaded botocore already

    from sluice.local import LocalStackError  # noqa: PLC0415

    def read(bucket: str, key: str) -> bytes | None:
        try:
            return stack.get_object(bucket, key)
        except (ClientError, LocalStackError):
            return None

    return read
