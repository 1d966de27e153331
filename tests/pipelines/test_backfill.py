"""statemachines/backfill.asl.json on the local engine: a Distributed Map over the raw bucket (ItemReader
listObjectsV2) whose children run the file pipeline as replays (startExecution.sync:2)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from sluice_runtime.datasets.backfill import BackfillPlan, plan_backfill
from sluice_runtime.datasets.errors import StepInputError
from sluice_runtime.datasets.jobs import field
from sluice_runtime.execution_names import execution_name
from sluice_runtime.idempotency import key_for
from sluice_runtime.models import S3Object
from sluice_runtime.registry import load_registry

from .conftest import Pipelines, World, orders_csv


def put_days(world: World, days: int, first: date = date(2024, 1, 1)) -> list[dict[str, Any]]:
    return [world.put(f"incoming/{d:%Y/%m/%d}/orders.csv", orders_csv(3, start=n))
            for n, d in enumerate(first + timedelta(days=i) for i in range(days))]


def marker_versions(world: World, partition: str) -> list[dict[str, Any]]:
    listed = world.s3.list_object_versions(Bucket=world.curated, Prefix=f"orders/dt={partition}/_SUCCESS")
    return list(listed.get("Versions", []))


@pytest.mark.slow
def test_a_backfill_respects_its_cap_and_publishes_each_partition_once(world: World, pipelines: Pipelines) -> None:
    # 30 files here; tests/pipelines/test_end_to_end.py runs 100 on the whole stack.
    records = put_days(world, 30)
    file_pipeline = pipelines.engine.state_machine("FilePipeline")
    running: list[int] = []

    def sample(handler: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
        def observed(event: Any, context: Any) -> Any:
            running.append(sum(1 for e in file_pipeline.executions.values() if e.status == "RUNNING"))
            return handler(event, context)

        return observed

    pipelines.wrap("FileValidateFunction", sample)

    execution = pipelines.run("Backfill", {"token": "bf-2024", "reason": "parser fix", "prefix": "incoming/2024/",
                                           "max_concurrency": 7}, name="backfill-1")

    assert execution.status == "SUCCEEDED", execution.cause
    assert execution.output["counts"] == {"published": 30, "total": 30}
    assert len(running) == 30 and max(running) == 7  # the cap is reached, never exceeded
    children = list(file_pipeline.executions.values())
    assert len(children) == 30 and all(child.name.endswith("-r-bf-2024") for child in children)
    for offset in range(30):  # each partition published exactly once
        assert len(marker_versions(world, f"{date(2024, 1, 1) + timedelta(days=offset):%Y-%m-%d}")) == 1
    # Each child is the replay `ingest` would start for the same object and token (same name and input).
    pipeline = load_registry().for_s3(world.raw, records[0]["key"])
    assert pipeline is not None
    trigger = S3Object(**{k: v for k, v in records[0].items() if k != "type"})
    key = key_for(pipeline, trigger.view(), "bf-2024")
    child = file_pipeline.executions[execution_name(pipeline.name, key.value, "bf-2024")]
    assert child.input == {"sluice": {"pipeline": "raw-objects", "execution_name": child.name,
                                      "idempotency_key": key.value,
                                      "replay": {"token": "bf-2024", "reason": "parser fix"}},
                           # A replay carries no sequencer: the backfill cannot know it (models.parse_s3_delivery).
                           "records": [{k: v for k, v in records[0].items() if k != "sequencer"}]}
    summary = world.read_json(world.staging, "backfills/backfill-1/summary.json")
    assert summary["counts"]["published"] == 30


def test_a_backfill_never_collides_with_or_duplicates_runs(world: World, pipelines: Pipelines) -> None:
    records = put_days(world, 3)
    for n, record in enumerate(records):  # the original runs, as ingest named them
        assert pipelines.run_file(record, name=f"raw-objects-original{n}").status == "SUCCEEDED"

    first = pipelines.run("Backfill", {"token": "bf-1", "prefix": "incoming/"}, name="backfill-a")
    second = pipelines.run("Backfill", {"token": "bf-1", "prefix": "incoming/"}, name="backfill-b")

    assert first.output["counts"] == {"published": 3, "total": 3}  # replays re-publish identical content
    assert second.output["counts"] == {"already_ran": 3, "total": 3}  # same token: nothing starts twice
    for record in records:
        partition = record["key"].split("/")
        versions = marker_versions(world, f"{partition[1]}-{partition[2]}-{partition[3]}")
        assert len(versions) == 2  # the original publication and the backfill's, nothing more


def test_a_partition_range_selects_the_children(world: World, pipelines: Pipelines) -> None:
    put_days(world, 5, first=date(2024, 6, 1))
    world.put("incoming/2024/06/03/notes.txt", "not a dataset")

    execution = pipelines.run("Backfill", {"token": "bf-june", "prefix": "incoming/2024/06/", "from": "2024-06-02",
                                           "to": "2024-06-04"}, name="backfill-range")

    assert execution.output["counts"] == {"published": 3, "not_selected": 3, "total": 6}
    assert [marker_versions(world, f"2024-06-0{d}") != [] for d in range(1, 6)] == [False, True, True, True, False]


def test_failed_children_within_the_tolerance_are_reported(world: World, pipelines: Pipelines) -> None:
    put_days(world, 9)
    bad = world.put("incoming/2024/01/10/orders.csv", "order_id\no-1\n")

    execution = pipelines.run("Backfill", {"token": "bf-tol", "prefix": "incoming/",
                                           "tolerated_failure_percentage": 20}, name="backfill-tolerant")

    assert execution.status == "SUCCEEDED", execution.cause
    assert execution.output["counts"] == {"published": 9, "failed": 1, "total": 10}
    [failure] = execution.output["failures"]
    assert failure["key"] == bad["key"] and failure["error"] == "States.TaskFailed"
    assert "Sluice.InvalidInput" in failure["cause"]


def test_too_many_failures_fail_the_backfill_with_a_summary_and_an_alert(world: World, pipelines: Pipelines) -> None:
    put_days(world, 3)
    world.put("incoming/2024/01/10/orders.csv", "order_id\no-1\n")

    execution = pipelines.run("Backfill", {"token": "bf-strict", "prefix": "incoming/",
                                           "tolerated_failure_percentage": 0}, name="backfill-strict")

    assert (execution.status, execution.error) == ("FAILED", "Sluice.BackfillFailed")
    assert json.loads(execution.cause or "{}")["error"]["Error"] == "States.ExceedToleratedFailureThreshold"
    summary = world.read_json(world.staging, "backfills/backfill-strict/summary.json")
    assert summary["status"] == "failed" and summary["counts"]["failed"] == 1
    alerts = [a for a in world.alerts() if a["subject"] == "sluice: backfill bf-strict failed"]
    assert len(alerts) == 1


def test_an_invalid_request_fails_before_listing_anything(world: World, pipelines: Pipelines) -> None:
    execution = pipelines.run("Backfill", {"token": "no spaces allowed"}, name="backfill-invalid")

    assert (execution.status, execution.error) == ("FAILED", "Sluice.InvalidBackfillRequest")
    assert "invalid backfill request: token: String should match pattern" in str(execution.cause)
    assert pipelines.calls["BackfillFunction"] == 1


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        ({"prefix": "x"}, "token: Field required"),
        ({"token": "t", "from": "June"}, "'from' must be an ISO date"),
        ({"token": "t", "from": "2024-06-30", "to": "2024-06-01"}, "'from' (2024-06-30) is after 'to' (2024-06-01)"),
        ({"token": "t", "max_concurrency": 0}, "max_concurrency"),
        ({"token": "t", "bucket_name": "x"}, "unknown backfill option(s): bucket_name"),
        (["t"], "a backfill request is a JSON object"),
    ],
)
def test_backfill_requests_are_validated(request_: Any, message: str) -> None:
    with pytest.raises(StepInputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        plan_backfill(request_, execution="bf", default_bucket="raw")



@pytest.mark.parametrize("results_prefix", ["Á", "datasets/orders", "backfills/", "backfills/a/b", "backfills/a b"])
def test_summarize_refuses_a_results_prefix_outside_backfills(results_prefix: str) -> None:
    # Found by the bad-input campaign: summarize trusted the plan carried in the execution's state,
    # so a forged `results_prefix` made it write summary.json anywhere in the staging bucket.
    plan = plan_backfill({"token": "t"}, execution="bf", default_bucket="raw").model_dump(by_alias=True)
    with pytest.raises(StepInputError, match="results_prefix"):
        field({"plan": {**plan, "results_prefix": results_prefix}}, "plan", BackfillPlan, "backfill summarize")
