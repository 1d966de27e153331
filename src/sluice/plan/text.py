"""The plan (and a simulation) for people, with rich."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from sluice.plan.capacity import Plan
from sluice.plan.simulate import Simulation


def print_plan(plan: Plan, console: Console) -> None:
    load = plan.load
    console.print(f"[bold]capacity plan for {plan.source}[/bold] — {plan.region}, quotas of {plan.quotas_as_of}, "
                  f"prices of {plan.prices_as_of}")
    console.print(f"load: {load.records_per_second:,g} records/s of {load.payload_bytes:,} B, "
                  f"{load.files_per_day:,g} files/day, {load.executions_per_second:,g} direct executions/s")
    if plan.kinesis:
        table = Table(title="Kinesis")
        for column in ("stream → function", "shards (declared)", "needed", "writes / reads / consumer",
                       "BatchSize", "records/batch", "invocations/s", "consumer load"):
            table.add_column(column, justify="left" if column.startswith("stream") else "right")
        for part in plan.kinesis:
            table.add_row(f"{part.stream} → {part.function}", str(part.shards_declared or "on-demand"),
                          str(part.shards_needed),
                          f"{part.shards_for_writes} / {part.shards_for_reads} / {part.shards_for_consumer}",
                          f"{part.batch_size:,}", f"{part.records_per_batch:,.0f}",
                          f"{part.invocations_per_second:,.1f}",
                          f"{part.consumer_utilisation:.0%}")
        console.print(table)
    if plan.buckets:
        table = Table(title="Step Functions token buckets")
        for column in ("API", "type", "rate/s", "bucket", "refill/s", "headroom"):
            table.add_column(column, justify="left" if column in ("API", "type") else "right")
        for use in plan.buckets:
            table.add_row(use.api, use.type, f"{use.rate_per_second:,.1f}", f"{use.bucket:,.0f}",
                          f"{use.refill_per_second:,.0f}", f"{use.headroom:.0%}")
        console.print(table)
    for workflow in plan.workflows:
        console.print(f"  {workflow.state_machine} ({workflow.type}): {workflow.executions_per_second:,.2f} "
                      f"executions/s, {workflow.transitions_per_execution} transitions each")
    console.print(f"Lambda concurrency: {plan.lambda_concurrency_total:,.1f} of {plan.lambda_concurrency_quota:,} ("
                  + ", ".join(f"{name} {value:,.1f}" for name, value in plan.lambda_concurrency.items()) + ")")
    if plan.dynamodb_writes_per_second:
        console.print("DynamoDB writes/s: " + ", ".join(f"{table} {rate:,.1f}"
                                                        for table, rate in plan.dynamodb_writes_per_second.items())
                      + f" (on-demand table default {plan.dynamodb_table_quota:,}/s)")
    console.print("monthly USD: " + ", ".join(f"{name} ${value:,.2f}" for name, value in plan.monthly_usd.items()))
    for warning in plan.warnings:
        console.print(f"[bold yellow]⚠ {warning}[/bold yellow]")
    if not plan.warnings:
        console.print("[green]✓ within every quota checked[/green]")
    console.print("[dim]assumptions: " + "; ".join(plan.assumptions) + "[/dim]")


def print_simulation(simulation: Simulation, console: Console) -> None:
    console.print(f"[bold]simulation[/bold]: {simulation.seconds} virtual seconds at scale "
                  f"1:{1 / simulation.scale:,.0f} "
                  f"({simulation.records_put:,} records really put); consumer capacity "
                  f"{simulation.consumer_capacity_per_second:,.0f} records/s")
    table = Table()
    for column in ("second", "records/s", "backlog", "iterator age s", "started/s", "throttled/s"):
        table.add_column(column, justify="right")
    for second in simulation.timeline:
        table.add_row(str(second.at), f"{second.records_delivered:,.0f}", f"{second.backlog_records:,.0f}",
                      f"{second.iterator_age_seconds:,.1f}",
                      " ".join(f"{k} {v:,.0f}" for k, v in second.executions_started.items()),
                      " ".join(f"{k} {v:,.0f}" for k, v in second.executions_throttled.items()))
    console.print(table)
    if simulation.backlog_starts_at is not None:
        console.print(f"[bold yellow]⚠ backlog starts at second {simulation.backlog_starts_at}: the consumer is slower "
                      "than the producer (iterator age grows)[/bold yellow]")
    if simulation.throttling_starts_at is not None:
        console.print(f"[bold yellow]⚠ StartExecution throttled from second {simulation.throttling_starts_at}"
                      "[/bold yellow]")
    console.print("[dim]" + "; ".join(simulation.notes) + "[/dim]")
