"""The execution report: one self-contained HTML page (no network) showing what ran — the graph
coloured by outcome, each state's input, output and retries, a timeline on the virtual clock,
errors with their causes, child executions linked to their parents and, for `sluice drop`,
where every object ended up.

Example:
    >>> from sluice.report import from_engine, write_report
    >>> execution = engine.run(definition, {"items": [1, 2]})
    >>> write_report(from_engine(engine, [execution.arn], "my run"), "report.html")
"""

from sluice.report.build import from_api, from_engine, from_trace, write_report
from sluice.report.model import ExecutionReport, ObjectFate, Report, StateRun
from sluice.report.page import render_page

__all__ = [
    "ExecutionReport",
    "ObjectFate",
    "Report",
    "StateRun",
    "from_api",
    "from_engine",
    "from_trace",
    "render_page",
    "write_report",
]
