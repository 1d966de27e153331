"""statemachines/file_pipeline.asl.json on the local engine, with the real task handlers on moto."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sluice.asl.execution import Execution

from .conftest import Faults, Pipelines, World, dataset_entry, orders_csv

ORDERS_KEY = "incoming/2024/06/11/orders.csv"
PARTITION = "dt=2024-06-11"
Catalogs = Callable[[Callable[[dict[str, Any]], None]], Path]


def small_chunks(rows_per_chunk: int, max_concurrency: int = 2) -> Callable[[dict[str, Any]], None]:
    """Orders chunked finely; validation samples only the first two rows (the chunks check them all)."""

    def change(document: dict[str, Any]) -> None:
        orders = dataset_entry(document, "orders")
        orders["chunking"].update(rows_per_chunk=rows_per_chunk, max_concurrency=max_concurrency)
        orders["sample_rows"] = 2

    return change


def state_events(execution: Execution, state: str) -> list[dict[str, Any]]:
    """The history events of one (top-level, non-Map) state, from its entry to its exit."""
    events = list(execution.history)
    start = next(i for i, e in enumerate(events) if e.get("stateEnteredEventDetails", {}).get("name") == state)
    end = next(i for i, e in enumerate(events) if e.get("stateExitedEventDetails", {}).get("name") == state)
    return events[start : end + 1]


def entered(execution: Execution) -> list[str]:
    return [e["stateEnteredEventDetails"]["name"] for e in execution.history if e["type"].endswith("StateEntered")]


def failure_cause(execution: Execution) -> dict[str, Any]:
    cause: dict[str, Any] = json.loads(execution.cause or "{}")
    return cause


def test_a_good_file_is_published_with_its_manifest(world: World, pipelines: Pipelines,
                                                    catalog_file: Catalogs) -> None:
    catalog_file(small_chunks(rows_per_chunk=10, max_concurrency=2))
    record = world.put(ORDERS_KEY, orders_csv(45))

    execution = pipelines.run_file(record, name="raw-objects-good")

    assert execution.status == "SUCCEEDED", execution.cause
    assert execution.output["status"] == "published" and execution.output["rows"] == 45
    marker = world.read_json(world.curated, f"orders/{PARTITION}/_SUCCESS")
    manifest = world.read_json(world.curated, marker["manifest"])
    assert marker["run"] == manifest["run"] == "raw-objects-good"
    assert [f["rows"] for f in manifest["files"]] == [10, 10, 10, 10, 5]
    assert manifest["source"] == {"bucket": world.raw, "key": ORDERS_KEY, "version_id": record["version_id"],
                                  "sha256": marker["source"]["sha256"], "sequencer": record["sequencer"],
                                  "last_modified": marker["source"]["last_modified"]}
    assert len(world.curated_rows("orders", PARTITION)) == 45
    assert world.keys(world.staging) == []  # staging is cleared once published
    # One Map item per chunk, capped by the dataset's max_concurrency (MaxConcurrencyPath reads the plan).
    [map_input] = [json.loads(e["stateEnteredEventDetails"]["input"]) for e in execution.history
                   if e.get("stateEnteredEventDetails", {}).get("name") == "ProcessChunks"]
    assert (len(map_input["plan"]["chunks"]), map_input["plan"]["max_concurrency"]) == (5, 2)
    assert world.alerts() == []


def test_the_same_file_again_is_skipped(world: World, pipelines: Pipelines) -> None:
    first = pipelines.run_file(world.put(ORDERS_KEY, orders_csv(5)), name="raw-objects-first")
    again = pipelines.run_file(world.put(ORDERS_KEY, orders_csv(5)), name="raw-objects-again")

    assert (first.status, again.status) == ("SUCCEEDED", "SUCCEEDED")
    assert again.output["status"] == "skipped"
    assert again.output["reason"]["code"] == "already_published"
    assert "ProcessChunks" not in entered(again)
    markers = world.s3.list_object_versions(Bucket=world.curated, Prefix=f"orders/{PARTITION}/_SUCCESS")
    assert len(markers["Versions"]) == 1
    assert world.read_json(world.curated, f"orders/{PARTITION}/_SUCCESS")["run"] == "raw-objects-first"


def test_a_bad_file_is_quarantined_with_its_reason_and_alerted(world: World, pipelines: Pipelines) -> None:
    body = orders_csv(3).replace("amount", "amount_eur")
    record = world.put(ORDERS_KEY, body)

    execution = pipelines.run_file(record, name="raw-objects-bad")

    assert (execution.status, execution.error) == ("FAILED", "Sluice.InvalidInput")
    cause = failure_cause(execution)
    assert cause["reason"]["code"] == "missing_columns"
    prefix = f"datasets/orders/{PARTITION}/run=raw-objects-bad/"
    assert cause["quarantine"]["location"] == f"s3://{world.quarantine}/{prefix}"
    assert world.read(world.quarantine, prefix + "orders.csv").decode() == body
    reason = world.read_json(world.quarantine, prefix + "reason.json")
    assert reason["reason"]["message"] == "required column(s) missing from the header: amount"
    assert world.read(world.raw, ORDERS_KEY).decode() == body  # the raw object is intact
    [alert] = world.alerts()
    assert alert["subject"] == "sluice: invalid_input (orders)"
    assert alert["message"]["object"]["key"] == ORDERS_KEY
    assert alert["message"]["failure"]["reason"]["code"] == "missing_columns"
    assert world.keys(world.curated) == [] and world.keys(world.staging) == []


def test_a_chunk_failure_is_isolated_reported_and_never_retried(
    world: World, pipelines: Pipelines, catalog_file: Catalogs
) -> None:
    catalog_file(small_chunks(rows_per_chunk=10))
    record = world.put(ORDERS_KEY, orders_csv(30, bad={14: "12.5.1"}))  # row 15, in chunk 1

    execution = pipelines.run_file(record, name="raw-objects-chunk")

    assert (execution.status, execution.error) == ("FAILED", "Sluice.InvalidData")
    assert pipelines.calls["FileChunkFunction"] == 3  # a DataError is not retried
    staged = failure_cause(execution)["reason"]["details"]
    assert staged["staged_chunks"] == [0, 2]
    [failed] = staged["failed_chunks"]
    assert (failed["index"], failed["error"]) == (1, "DataError")
    assert failed["violations"] == ["row 15: amount: '12.5.1' is not a decimal number"]
    reason = world.read_json(world.quarantine, f"datasets/orders/{PARTITION}/run=raw-objects-chunk/reason.json")
    assert reason["kind"] == "invalid_data" and reason["stage"] == "transform"
    # The two good chunks had been staged; compensation removed them.
    assert failure_cause(execution)["compensation"]["staging_removed"] == 2
    assert world.keys(world.staging) == [] and world.keys(world.curated) == []


def test_a_failure_after_publishing_is_rolled_back_to_the_previous_version(
    world: World, pipelines: Pipelines, faults: Faults
) -> None:
    assert pipelines.run_file(world.put(ORDERS_KEY, orders_csv(4)), name="raw-objects-v1").status == "SUCCEEDED"
    # Run v2 commits its marker, then cannot clear its staging: a permission error, on the first attempt
    # and on both retries of an unexpected error.
    faults.fail("s3.DeleteObjects", "AccessDenied", 403, times=3)

    execution = pipelines.run_file(world.put(ORDERS_KEY, orders_csv(6)), name="raw-objects-v2")

    assert (execution.status, execution.error) == ("FAILED", "Sluice.ProcessingFailed")
    assert [e["type"] for e in state_events(execution, "Publish")].count("LambdaFunctionFailed") == 3
    compensation = failure_cause(execution)["compensation"]
    assert (compensation["rolled_back"], compensation["restored_run"]) == (True, "raw-objects-v1")
    assert world.read_json(world.curated, f"orders/{PARTITION}/_SUCCESS")["run"] == "raw-objects-v1"
    assert len(world.curated_rows("orders", PARTITION)) == 4
    assert not [key for key in world.keys(world.curated) if "raw-objects-v2" in key]
    assert world.keys(world.staging) == []
    [alert] = world.alerts()
    assert alert["message"]["failure"]["stage"] == "publish"


def test_transient_s3_errors_are_retried_with_jittered_backoff(
    world: World, pipelines: Pipelines, faults: Faults
) -> None:
    record = world.put(ORDERS_KEY, orders_csv(5))
    faults.fail("s3.HeadObject", "InternalError", 500, times=2)

    execution = pipelines.run_file(record, name="raw-objects-retried")

    assert execution.status == "SUCCEEDED", execution.cause
    events = state_events(execution, "Validate")
    failed = [e for e in events if e["type"] == "LambdaFunctionFailed"]
    scheduled = [e for e in events if e["type"] == "LambdaFunctionScheduled"]
    assert [e["lambdaFunctionFailedEventDetails"]["error"] for e in failed] == ["TransientError", "TransientError"]
    assert len(scheduled) == 3 and events[-2]["type"] == "LambdaFunctionSucceeded"
    waits = [(retry["timestamp"] - fail["timestamp"]).total_seconds()
             for fail, retry in zip(failed, scheduled[1:], strict=True)]
    # Full jitter: uniform in [0, IntervalSeconds * BackoffRate ** attempt), i.e. below 2 s then 4 s - waited on
    # the virtual clock, so the test does not sleep.
    assert 0 < waits[0] < 2 and 0 < waits[1] < 4


def test_an_unexpected_validation_error_alerts_without_quarantining(
    world: World, pipelines: Pipelines, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CURATED_BUCKET")

    execution = pipelines.run_file(world.put(ORDERS_KEY, orders_csv(2)), name="raw-objects-misconfigured")

    assert (execution.status, execution.error) == ("FAILED", "Sluice.ProcessingFailed")
    cause = failure_cause(execution)
    assert cause["reason"]["code"] == "ConfigurationError" and "CURATED_BUCKET" in cause["reason"]["details"]["Cause"]
    assert "Quarantine" not in entered(execution) and world.keys(world.quarantine) == []
    [alert] = world.alerts()
    assert alert["message"]["object"]["records"][0]["key"] == ORDERS_KEY  # the raw execution input


def test_a_quality_failure_quarantines_after_removing_the_staged_output(world: World, pipelines: Pipelines) -> None:
    body = orders_csv(3) + orders_csv(2).split("\n", 1)[1]  # o-000000 and o-000001 twice

    execution = pipelines.run_file(world.put(ORDERS_KEY, body), name="raw-objects-dupes")

    assert (execution.status, execution.error) == ("FAILED", "Sluice.QualityGateFailed")
    reason = failure_cause(execution)["reason"]
    assert reason["details"]["failed_checks"][0]["name"] == "duplicate_ratio"
    assert world.keys(world.staging) == [] and world.keys(world.curated) == []
    assert world.keys(world.quarantine, f"datasets/orders/{PARTITION}/run=raw-objects-dupes/") == [
        f"datasets/orders/{PARTITION}/run=raw-objects-dupes/orders.csv",
        f"datasets/orders/{PARTITION}/run=raw-objects-dupes/reason.json",
    ]


def test_json_lines_datasets_run_through_the_same_pipeline(world: World, pipelines: Pipelines) -> None:
    rows = [{"view_id": f"v-{n}", "customer": "c-1", "path": f"/p/{n}", "viewed_at": "2024-06-11T10:00:00+02:00",
             "duration_ms": n * 10, "ua": "ignored"} for n in range(4)]
    record = world.put("incoming/2024/06/11/page-views.jsonl", "".join(json.dumps(r) + "\n" for r in rows))

    execution = pipelines.run_file(record, name="raw-objects-views")

    assert execution.status == "SUCCEEDED", execution.cause
    published = world.curated_rows("page-views", PARTITION)
    assert published[1] == {"view_id": "v-1", "customer": "c-1", "path": "/p/1", "viewed_at": "2024-06-11T08:00:00Z",
                            "duration_ms": 10, "referrer": None}
