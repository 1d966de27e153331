"""The estimate as a table for people (rich): one row per path, Standard and Express totals side by side."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from sluice.cost.estimate import CostEstimate


def print_estimate(estimate: CostEstimate, console: Console) -> None:
    table = Table(title=f"{estimate.pipeline} ({estimate.type}) — {estimate.executions_per_month:,} executions/month, "
                        f"USD, {estimate.region}, prices of {estimate.prices_as_of}")
    for column in ("path", "transitions", "duration s", "Standard wf", "Express wf", "Lambda", "DynamoDB", "S3",
                   "total Standard", "total Express"):
        table.add_column(column, justify="left" if column == "path" else "right")
    for path in estimate.paths:
        table.add_row(path.mode, f"{path.transitions:,}", f"{path.seconds:,.1f}", _usd(path.standard_workflow_usd),
                      _usd(path.express_workflow_usd) + ("" if path.fits_express else " (> 5 min!)"),
                      _usd(path.lambda_usd), _usd(path.dynamodb_usd),
                      _usd(path.s3_usd), _usd(path.total_standard_usd), _usd(path.total_express_usd))
    console.print(table)
    for path in estimate.paths:
        lambdas = ", ".join(f"{use.architecture}: {use.requests:,} requests, {use.gb_seconds:,.0f} GB-s"
                            for use in path.lambda_use) or "none"
        console.print(f"[bold]{path.mode}[/bold]: {' → '.join(path.states)}")
        console.print(f"  Lambda per month: {lambdas}; DynamoDB WRU {path.dynamodb_write_units}, "
                      f"S3 PUT {path.s3_put_requests} / GET {path.s3_get_requests} per execution")
    console.print("[dim]assumptions: " + "; ".join(estimate.assumptions) + "[/dim]")


def _usd(value: float) -> str:
    return f"${value:,.2f}" if value >= 0.01 or value == 0 else f"${value:.4f}"
