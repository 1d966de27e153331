"""The freshness monitor: alerts (metric + SNS) on stale datasets, quiet on fresh ones, and it judges
commits, not executions - a pipeline whose runs all succeed but publish nothing turns stale."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from .conftest import Pipelines, World, context, load_app, orders_csv

ORDERS_KEY = "incoming/2024/06/11/orders.csv"
Catalogs = Callable[[Callable[[dict[str, Any]], None]], Path]


def only_orders_has_an_sla(document: dict[str, Any]) -> None:
    for entry in document["datasets"]:
        if entry["name"] != "orders":
            entry.pop("freshness", None)


def check(at: datetime) -> dict[str, Any]:
    """Invoke the monitor as the hourly schedule does (EventBridge "Scheduled Event")."""
    event = {"version": "0", "id": "e", "detail-type": "Scheduled Event", "source": "aws.events",
             "time": at.isoformat().replace("+00:00", "Z"), "detail": {}}
    result: dict[str, Any] = load_app("freshness").handler(event, context("FreshnessFunction"))
    return result


def published_at(world: World) -> datetime:
    marker = world.read_json(world.curated, "orders/dt=2024-06-11/_SUCCESS")
    return datetime.fromisoformat(marker["published_at"])


def stale_metrics(output: str) -> dict[str, list[float]]:
    """`DatasetStale` per dataset, from the EMF documents the function printed."""
    found = {}
    for line in output.splitlines():
        if line.startswith("{") and '"DatasetStale"' in line:
            document = json.loads(line)
            found[document["dataset"]] = document["DatasetStale"]
    return found


@pytest.fixture
def published(world: World, pipelines: Pipelines, catalog_file: Catalogs) -> datetime:
    catalog_file(only_orders_has_an_sla)
    execution = pipelines.run_file(world.put(ORDERS_KEY, orders_csv(3)), name="raw-objects-fresh")
    assert execution.status == "SUCCEEDED", execution.cause
    return published_at(world)


def test_a_fresh_dataset_stays_quiet(world: World, published: datetime, capsys: pytest.CaptureFixture[str]) -> None:
    result = check(published + timedelta(hours=1))

    [orders] = result["datasets"]
    assert (orders["dataset"], orders["status"], orders["newest_partition"]) == ("orders", "fresh", "dt=2024-06-11")
    assert orders["age_hours"] == pytest.approx(1.0)
    assert result["alerted"] is False and world.alerts() == []
    assert stale_metrics(capsys.readouterr().out) == {"orders": [0.0]}


def test_a_stale_dataset_alerts_with_metric_and_message(
    world: World, published: datetime, capsys: pytest.CaptureFixture[str]
) -> None:
    result = check(published + timedelta(hours=27))

    assert result["alerted"] is True
    [alert] = world.alerts()
    assert alert["subject"] == "sluice: 1 stale dataset(s)"
    [stale] = alert["message"]["stale"]
    assert (stale["dataset"], stale["status"], stale["max_age_hours"]) == ("orders", "stale", 26.0)
    assert stale["age_hours"] == pytest.approx(27.0)
    assert stale_metrics(capsys.readouterr().out) == {"orders": [1.0]}


def test_runs_that_succeed_without_publishing_do_not_keep_a_dataset_fresh(
    world: World, pipelines: Pipelines, published: datetime
) -> None:
    pipelines.engine.clock.advance(27 * 3600)  # a day later, the same file arrives again
    again = pipelines.run_file(world.put(ORDERS_KEY, orders_csv(3)), name="raw-objects-same-again")
    assert (again.status, again.output["status"]) == ("SUCCEEDED", "skipped")

    result = check(published + timedelta(hours=27, minutes=1))

    assert [d["status"] for d in result["datasets"]] == ["stale"]
    assert [a["message"]["stale"][0]["dataset"] for a in world.alerts()] == ["orders"]


def test_datasets_that_never_published_are_stale(world: World) -> None:
    result = check(datetime.fromisoformat("2024-06-12T12:00:00+00:00"))

    assert {d["dataset"]: d["status"] for d in result["datasets"]} == {
        "orders": "never_published", "page-views": "never_published", "sales-eu": "never_published"}
    [alert] = world.alerts()
    assert alert["subject"] == "sluice: 3 stale dataset(s)"


def test_the_newest_partition_counts_not_a_republished_old_one(world: World, catalog_file: Catalogs) -> None:
    catalog_file(only_orders_has_an_sla)
    for partition, at in (("2024-06-10", "2024-06-12T09:00:00Z"), ("2024-06-11", "2024-06-11T09:00:00Z")):
        world.s3.put_object(Bucket=world.curated, Key=f"orders/dt={partition}/_SUCCESS",
                            Body=json.dumps({"run": "r", "published_at": at}))

    result = check(datetime.fromisoformat("2024-06-12T12:00:00+00:00"))

    [orders] = result["datasets"]
    assert (orders["newest_partition"], orders["status"]) == ("dt=2024-06-11", "stale")


def test_a_bad_schedule_time_is_a_clear_error(world: World) -> None:
    from sluice_runtime.datasets.errors import StepInputError  # noqa: PLC0415

    with pytest.raises(StepInputError, match="'time' is not an ISO 8601 timestamp: 'noon'"):
        load_app("freshness").handler({"time": "noon"}, context("FreshnessFunction"))
