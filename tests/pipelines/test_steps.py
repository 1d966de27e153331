"""The file pipeline's steps on moto: validation verdicts, the reducer, the quality gate, the publish /
rollback protocol, compensation and quarantine."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError, ReadTimeoutError
from sluice_runtime.aws_errors import is_transient, transient_errors
from sluice_runtime.datasets import wiring
from sluice_runtime.datasets.compensate import compensate
from sluice_runtime.datasets.jobs import (
    Check,
    ChunkSpec,
    Failure,
    Job,
    Plan,
    QualityReport,
    Reason,
    Reduction,
    SourceObject,
    StagedPart,
)
from sluice_runtime.datasets.publish import publish, roll_back
from sluice_runtime.datasets.quality import check_quality
from sluice_runtime.datasets.reduce import reduce_chunks
from sluice_runtime.datasets.setaside import quarantine_input
from sluice_runtime.datasets.storage import ObjectStore
from sluice_runtime.datasets.transform import stage_chunk
from sluice_runtime.datasets.validate import validate
from sluice_runtime.errors import ObjectNotFound, TransientError

from .conftest import World, context, dataset_entry, file_input, load_app, orders_csv

ORDERS_KEY = "incoming/2024/06/11/orders.csv"
Catalogs = Callable[[Callable[[dict[str, Any]], None]], Path]


def why(result: Any) -> Reason:
    """The reason of a verdict, reduction or report that has one."""
    assert result.reason is not None, result
    reason: Reason = result.reason
    return reason


def run_validate(world: World, record: Any, run: str = "run-1", replay: Any = None) -> Any:
    return validate(file_input(record, run, replay), run=run, store=wiring.store(), catalog=wiring.catalog(),
                    curated_bucket=world.curated)


# ------------------------------------------------------------------------------------------ validate


def test_a_valid_file_gets_a_plan_pinned_to_its_version(world: World, catalog_file: Catalogs) -> None:
    catalog_file(lambda c: dataset_entry(c, "orders")["chunking"].update(rows_per_chunk=4))
    record = world.put(ORDERS_KEY, orders_csv(10))

    validation = run_validate(world, record)

    assert validation.verdict == "valid", validation.reason
    job = validation.job
    assert (job.dataset, job.partition_name, job.partition, job.format) == ("orders", "dt", "2024-06-11", "csv")
    assert job.source.version_id == record["version_id"] and job.source.size == record["size"]
    assert job.header == ("order_id", "customer_id", "amount", "currency", "ordered_at", "coupon")
    assert [(c.first_row, c.rows) for c in validation.plan.chunks] == [(1, 4), (5, 4), (9, 2)]
    assert validation.plan.max_concurrency == 8


@pytest.mark.parametrize(
    ("key", "body", "code", "message"),
    [
        ("incoming/2024/06/11/unknown.csv", "a\n1\n", "unknown_dataset", "no dataset in the catalog matches"),
        (ORDERS_KEY, "", "empty_file", "is empty"),
        (ORDERS_KEY, 'order_id,amount\n"o-1,2\n', "malformed", "is not valid CSV"),
        (ORDERS_KEY, "order_id,customer_id,currency,ordered_at\no-1,c,EUR,2024-06-11T00:00:00Z\n",
         "missing_columns", "required column(s) missing from the header: amount"),
        (ORDERS_KEY, orders_csv(1).replace("coupon", "coupon,vip").replace("\n", ",x\n").replace(",x\n", "\n", 1),
         "unexpected_columns", "column(s) not in the orders schema: vip"),
        (ORDERS_KEY, orders_csv(3, bad={1: "1.2.3"}), "schema_violation", "row 2: amount: '1.2.3' is not a decimal"),
    ],
)
def test_bad_inputs_get_a_reasoned_invalid_verdict(world: World, key: str, body: str, code: str, message: str) -> None:
    validation = run_validate(world, world.put(key, body))

    assert validation.verdict == "invalid"
    assert validation.reason.code == code
    assert message in validation.reason.message
    assert validation.job.source.key == key  # the quarantine step needs it


def test_size_limit_comes_from_the_catalog(world: World, catalog_file: Catalogs) -> None:
    catalog_file(lambda c: dataset_entry(c, "orders").update(max_bytes=100))

    validation = run_validate(world, world.put(ORDERS_KEY, orders_csv(10)))

    assert (validation.verdict, validation.reason.code) == ("invalid", "too_large")
    assert validation.reason.details["max_bytes"] == 100


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"records": []}, "exactly one record per execution, got 0"),
        ({"records": [{"type": "sqs_fifo"}]}, "records[0] has type 'sqs_fifo'"),
        ({"records": [{"type": "s3", "bucket": "b"}]}, "is not an S3 object reference"),
        ("not an object", "exactly one record per execution, got no"),
    ],
)
def test_malformed_execution_input_is_an_invalid_verdict_not_a_crash(world: World, document: Any, message: str) -> None:
    validation = validate(document, run="run-1", store=wiring.store(), catalog=wiring.catalog(),
                          curated_bucket=world.curated)

    assert (validation.verdict, why(validation).code) == ("invalid", "invalid_input")
    assert message in why(validation).message


def test_a_missing_object_version_is_invalid(world: World) -> None:
    record = world.put(ORDERS_KEY, orders_csv(2))
    world.s3.delete_object(Bucket=world.raw, Key=ORDERS_KEY, VersionId=record["version_id"])

    validation = run_validate(world, record)

    assert (validation.verdict, validation.reason.code) == ("invalid", "source_missing")


def test_dataset_ready_events_name_dataset_partition_and_checksum(world: World) -> None:
    import hashlib  # noqa: PLC0415

    body = orders_csv(3)
    world.put(ORDERS_KEY, body)
    detail = {"dataset_id": "sales-eu", "version": "2024-06-11", "location": f"s3://{world.raw}/{ORDERS_KEY}",
              "checksum": "sha256:" + hashlib.sha256(body.encode()).hexdigest()}
    record = {"type": "eventbridge", "source": "sluice.upstream", "detail_type": "dataset.ready", "detail": detail}

    validation = run_validate(world, record)
    assert validation.verdict == "valid", validation.reason
    assert (validation.job.dataset, validation.job.partition_name, validation.job.partition) == (
        "sales-eu", "version", "2024-06-11")

    tampered = run_validate(world, {**record, "detail": {**detail, "checksum": "sha256:" + "0" * 64}})
    assert (tampered.verdict, tampered.reason.code) == ("invalid", "checksum_mismatch")


def test_identical_content_already_published_is_skipped_unless_replayed(world: World) -> None:
    first = world.put(ORDERS_KEY, orders_csv(3))
    world.s3.put_object(Bucket=world.curated, Key="orders/dt=2024-06-11/_SUCCESS", Body=json.dumps(
        {"run": "run-0", "source": {"sha256": run_validate(world, first).job.source.sha256}}))
    again = world.put(ORDERS_KEY, orders_csv(3))  # a new version with the same bytes

    skipped = run_validate(world, again, run="run-2")
    replayed = run_validate(world, again, run="run-3", replay={"token": "fix-1", "reason": "parser fix"})

    assert (skipped.verdict, skipped.reason.code, skipped.reason.details["run"]) == (
        "skip", "already_published", "run-0")
    assert replayed.verdict == "valid"


def test_an_older_version_than_the_published_one_is_superseded(world: World) -> None:
    old = world.put(ORDERS_KEY, orders_csv(3))
    publish_staged(world, *stage_file(world, orders_csv(4, start=10), run="run-2"))

    late = run_validate(world, old, run="run-1")  # v1's event delivered late

    assert (late.verdict, late.reason.code, late.reason.details["run"]) == ("skip", "superseded", "run-2")
    assert late.reason.details["sequencer"] == marker(world)["source"]["sequencer"]


def test_a_replay_of_an_older_version_is_superseded_by_creation_time(world: World) -> None:
    old = {k: v for k, v in world.put(ORDERS_KEY, orders_csv(3)).items() if k != "sequencer"}  # a replay has none
    pinned = run_validate(world, old).job.source
    created = datetime.fromisoformat(pinned.last_modified)
    newer = {**pinned.model_dump(), "version_id": "v-newer", "last_modified": str(created + timedelta(seconds=1))}
    world.s3.put_object(Bucket=world.curated, Key="orders/dt=2024-06-11/_SUCCESS",
                        Body=json.dumps({"run": "run-2", "source": newer}))

    replayed = run_validate(world, old, run="run-3", replay={"token": "fix-1", "reason": "parser fix"})

    assert (replayed.verdict, replayed.reason.code, replayed.reason.details["version_id"]) == (
        "skip", "superseded", "v-newer")


def test_an_overwritten_unversioned_object_is_superseded(world: World) -> None:
    world.s3.create_bucket(Bucket="unversioned")
    record = world.put(ORDERS_KEY, orders_csv(2), bucket="unversioned")
    world.put(ORDERS_KEY, orders_csv(3), bucket="unversioned")

    validation = run_validate(world, record)

    assert (validation.verdict, validation.reason.code) == ("skip", "superseded")


# ------------------------------------------------------------------------------------------ chunks, reducer

PLAN = Plan(rows=6, bytes=60, max_concurrency=2, chunks=(ChunkSpec(index=0, start=0, end=30, first_row=1, rows=3),
                                                         ChunkSpec(index=1, start=30, end=60, first_row=4, rows=3)))


def staged(index: int, rows: int = 3) -> dict[str, Any]:
    return {"status": "staged", "index": index, "key": f"part-{index}", "rows": rows, "bytes": 10, "sha256": "x"}


def data_error(index: int) -> dict[str, Any]:
    message = json.dumps({"chunk": index, "first_row": 4, "rows": 3, "violation_count": 2,
                          "violations": ["row 5: amount: 'x' is not a decimal number", "row 6: ..."]})
    cause = json.dumps({"errorMessage": message, "errorType": "DataError", "stackTrace": []})
    return {"index": index, "status": "failed", "error": {"Error": "DataError", "Cause": cause}}


def test_all_chunks_staged_is_complete() -> None:
    reduction = reduce_chunks(PLAN, [staged(1), staged(0)])

    assert (reduction.decision, reduction.rows, [p.index for p in reduction.parts]) == ("complete", 6, [0, 1])


def test_a_chunk_with_bad_rows_makes_the_input_invalid_and_names_it() -> None:
    reduction = reduce_chunks(PLAN, [staged(0), data_error(1)])

    assert reduction.decision == "invalid"
    assert why(reduction).details["staged_chunks"] == [0]
    [failed] = why(reduction).details["failed_chunks"]
    assert (failed["index"], failed["violation_count"]) == (1, 2)
    assert "row 5: amount: 'x' is not a decimal number" in why(reduction).message


@pytest.mark.parametrize(
    ("results", "error"),
    [
        ([staged(0), {"index": 1, "status": "failed", "error": {"Error": "Lambda.TooManyRequestsException"}}],
         "Lambda.TooManyRequestsException"),
        ([staged(0)], "MissingResult"),
        ([staged(0), staged(1, rows=2)], "RowCountMismatch"),
        ([staged(0), staged(0), staged(1)], "DuplicateResult"),
    ],
)
def test_other_chunk_failures_fail_the_run_without_blaming_the_data(results: list[Any], error: str) -> None:
    reduction = reduce_chunks(PLAN, results)

    assert reduction.decision == "failed"
    assert error in [f["error"] for f in why(reduction).details["failed_chunks"]]


def test_chunks_with_bad_rows_raise_data_error_listing_them(world: World, catalog_file: Catalogs) -> None:
    from sluice_runtime.datasets.errors import DataError  # noqa: PLC0415

    catalog_file(lambda c: dataset_entry(c, "orders").update(sample_rows=2))  # validation samples rows 1-2
    record = world.put(ORDERS_KEY, orders_csv(6, bad={4: "oops"}))
    validation = run_validate(world, record)
    dataset = wiring.catalog().file_dataset("orders")
    [chunk] = validation.plan.chunks

    with pytest.raises(DataError) as raised:
        stage_chunk(validation.job, chunk, dataset, store=wiring.store(), staging_bucket=world.staging)

    details = json.loads(str(raised.value))
    assert details["violations"] == ["row 5: amount: 'oops' is not a decimal number"]
    assert world.keys(world.staging) == []


# ------------------------------------------------------------------------------------------ quality gate


def stage_file(world: World, body: str, run: str = "run-1") -> tuple[Job, Reduction]:
    return stage_record(world, world.put(ORDERS_KEY, body), run=run)


def stage_record(world: World, record: dict[str, Any], run: str, replay: Any = None) -> tuple[Job, Reduction]:
    validation = run_validate(world, record, run=run, replay=replay)
    assert validation.verdict == "valid", validation.reason
    dataset = wiring.catalog().file_dataset("orders")
    parts = tuple(stage_chunk(validation.job, c, dataset, store=wiring.store(), staging_bucket=world.staging)
                  for c in validation.plan.chunks)
    return validation.job, Reduction(decision="complete", rows=sum(p.rows for p in parts), parts=parts)


def test_the_gate_passes_clean_data(world: World) -> None:
    _, reduction = stage_file(world, orders_csv(20))

    report = check_quality(reduction, wiring.catalog().file_dataset("orders"), store=wiring.store(),
                           staging_bucket=world.staging)

    assert report.passed and report.rows == 20
    coupon = next(c for c in report.checks if c.column == "coupon")
    assert coupon.observed == pytest.approx(13 / 20)


@pytest.mark.parametrize(
    ("change", "body", "failed"),
    [
        (lambda d: None, orders_csv(3) + orders_csv(1).split("\n", 1)[1], "duplicate_ratio"),
        (lambda d: d["quality"].update(max_null_ratio={"coupon": 0.1}), orders_csv(9), "null_ratio"),
        (lambda d: None, orders_csv(0), "row_count"),
    ],
)
def test_the_gate_fails_on_duplicates_nulls_and_empty_output(
    world: World, catalog_file: Catalogs, change: Any, body: str, failed: str
) -> None:
    catalog_file(lambda c: change(dataset_entry(c, "orders")))
    _, reduction = stage_file(world, body)

    report = check_quality(reduction, wiring.catalog().file_dataset("orders"), store=wiring.store(),
                           staging_bucket=world.staging)

    assert not report.passed
    assert [c.name for c in report.checks if not c.passed] == [failed]
    assert why(report).code == "quality_gate_failed" and failed in why(report).message


def test_the_gate_rechecks_types_on_what_was_staged(world: World) -> None:
    _, reduction = stage_file(world, orders_csv(2))
    key = reduction.parts[0].key
    rows = world.read_lines(world.staging, key)
    rows[0]["amount"] = 12.5  # a float where the normalized decimal is a string
    world.s3.put_object(Bucket=world.staging, Key=key, Body="\n".join(json.dumps(r) for r in rows))

    report = check_quality(reduction, wiring.catalog().file_dataset("orders"), store=wiring.store(),
                           staging_bucket=world.staging)

    assert [c.name for c in report.checks if not c.passed] == ["types"]


# ------------------------------------------------------------------------------------------ publish protocol

PASSED = QualityReport(passed=True, rows=0, checks=(Check(name="row_count", passed=True, observed=1, limit=1),))


def publish_run(world: World, run: str, rows: int = 3, store: ObjectStore | None = None) -> Any:
    job, reduction = stage_file(world, orders_csv(rows, start=rows * int(run[-1])), run=run)
    return job, publish(job, reduction, PASSED, f"2024-06-11T10:0{run[-1]}:00Z", store=store or wiring.store(),
                        curated_bucket=world.curated, staging_bucket=world.staging)


def marker(world: World) -> dict[str, Any]:
    value: dict[str, Any] = world.read_json(world.curated, "orders/dt=2024-06-11/_SUCCESS")
    return value


def test_publish_commits_the_marker_last_and_clears_staging(world: World) -> None:
    job, publication = publish_run(world, "run-1")

    assert publication.status == "published" and publication.previous_run is None
    assert marker(world)["run"] == "run-1" and marker(world)["manifest"] == publication.manifest
    manifest = world.read_json(world.curated, publication.manifest)
    assert manifest["source"]["sha256"] == job.source.sha256 and manifest["previous"] is None
    assert [row["order_id"] for row in world.curated_rows("orders", "dt=2024-06-11")] == ["o-000003", "o-000004",
                                                                                           "o-000005"]
    assert world.keys(world.staging) == []


def test_republishing_the_same_run_writes_nothing(world: World) -> None:
    job, _ = publish_run(world, "run-1")
    before = world.s3.list_object_versions(Bucket=world.curated)["Versions"]

    again = publish(job, Reduction(decision="complete", rows=3, parts=()), PASSED, "2024-06-12T00:00:00Z",
                    store=wiring.store(), curated_bucket=world.curated, staging_bucket=world.staging)

    assert again.status == "already_published" and again.published_at == "2024-06-11T10:01:00Z"
    assert world.s3.list_object_versions(Bucket=world.curated)["Versions"] == before


def test_a_new_run_replaces_the_partition_keeping_one_previous_version(world: World) -> None:
    publish_run(world, "run-1")
    publish_run(world, "run-2")
    assert {k.split("/")[2] for k in world.keys(world.curated) if "run=" in k} == {"run=run-1", "run=run-2"}

    _, third = publish_run(world, "run-3")

    assert third.previous_run == "run-2" and third.removed_runs == ("run-1",)
    assert {k.split("/")[2] for k in world.keys(world.curated) if "run=" in k} == {"run=run-2", "run=run-3"}
    assert [r["order_id"] for r in world.curated_rows("orders", "dt=2024-06-11")] == ["o-000009", "o-000010",
                                                                                      "o-000011"]


class RacingStore(ObjectStore):
    """Lets another run commit the partition right before this one's commit (once): `rival`, by default
    a marker of a run `run-other` that names no source."""

    def __init__(self, world: World, rival: Callable[[], Any] | None = None) -> None:
        super().__init__(world.s3)
        self.world, self.raced = world, False
        self.rival = rival or (lambda: world.s3.put_object(Bucket=world.curated, Key="orders/dt=2024-06-11/_SUCCESS",
                                                           Body=json.dumps({"run": "run-other"})))

    def write_json(self, bucket: str, key: str, document: Any, **conditions: Any) -> str:
        if key.endswith("_SUCCESS") and not self.raced:
            self.raced = True
            self.rival()
        return super().write_json(bucket, key, document, **conditions)


def test_a_commit_that_loses_a_race_is_retried_on_top_of_the_winner(world: World) -> None:
    publish_run(world, "run-1")
    racing = RacingStore(world)

    with pytest.raises(TransientError, match="was published by another run meanwhile"):
        publish_run(world, "run-2", store=racing)
    assert marker(world)["run"] == "run-other"

    _, retried = publish_run(world, "run-2", store=racing)  # what the state machine's Retry does
    assert retried.previous_run == "run-other" and marker(world)["run"] == "run-2"


def publish_staged(world: World, job: Job, reduction: Reduction, store: ObjectStore | None = None) -> Any:
    return publish(job, reduction, PASSED, "2024-06-11T10:00:00Z", store=store or wiring.store(),
                   curated_bucket=world.curated, staging_bucket=world.staging)


def curated_runs(world: World) -> set[str]:
    return {k.split("/")[2] for k in world.keys(world.curated) if "run=" in k}


def test_an_older_version_that_publishes_last_is_superseded_and_leaves_no_trace(
    world: World, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    # v1 and v2 of one key run concurrently; v1's run, slowed by a retry, reaches publish last.
    old, old_staged = stage_file(world, orders_csv(3), run="run-1")
    new, new_staged = stage_file(world, orders_csv(4, start=10), run="run-2")
    assert new.source is not None and old.source is not None
    assert int(new.source.sequencer or "0", 16) > int(old.source.sequencer or "0", 16) > 0
    publish_staged(world, new, new_staged)
    capsys.readouterr()

    event = {"job": old.model_dump(mode="json"), "staged": old_staged.model_dump(mode="json"),
             "quality": PASSED.model_dump(mode="json"), "published_at": "2024-06-11T10:05:00Z"}
    stale = load_app("file_publish").handler(event, context("FilePublishFunction"))

    assert stale["status"] == "superseded" and stale["superseded_by"]["run"] == "run-2"
    assert (stale["superseded_by"]["source"]["version_id"], stale["superseded_by"]["source"]["sequencer"]) == (
        new.source.version_id, new.source.sequencer)
    assert marker(world)["run"] == "run-2" and marker(world)["source"]["version_id"] == new.source.version_id
    assert next(r["order_id"] for r in world.curated_rows("orders", "dt=2024-06-11")) == "o-000010"
    assert curated_runs(world) == {"run=run-2"} and world.keys(world.staging) == []
    [warning] = [r for r in caplog.records if r.getMessage().startswith("stale version not published")]
    assert (warning.newer_run, warning.newer_sequencer, warning.sequencer) == (  # type: ignore[attr-defined]
        "run-2", new.source.sequencer, old.source.sequencer)
    emitted = capsys.readouterr().out  # EMF, with the dataset dimension
    assert '"FilesSuperseded":[1.0]' in emitted and '"dataset":"orders"' in emitted


def test_a_newer_version_replaces_an_older_publication_and_the_same_version_is_republished(world: World) -> None:
    old, old_staged = stage_file(world, orders_csv(3), run="run-1")
    record = world.put(ORDERS_KEY, orders_csv(4, start=10))
    new, new_staged = stage_record(world, record, run="run-2")
    publish_staged(world, old, old_staged)

    replaced = publish_staged(world, new, new_staged)
    # A replay of the same version (equal version id; its input carries no sequencer) publishes again.
    replay, replay_staged = stage_record(world, {k: v for k, v in record.items() if k != "sequencer"}, run="run-3",
                                         replay={"token": "fix-1", "reason": "parser fix"})
    again = publish_staged(world, replay, replay_staged)

    assert (replaced.status, replaced.previous_run) == ("published", "run-1")
    assert (again.status, again.previous_run) == ("published", "run-2")
    assert marker(world)["run"] == "run-3"


def test_an_older_version_that_loses_the_commit_race_is_superseded_on_retry(world: World) -> None:
    old, old_staged = stage_file(world, orders_csv(3), run="run-1")
    new, new_staged = stage_file(world, orders_csv(4, start=10), run="run-2")
    racing = RacingStore(world, rival=lambda: publish_staged(world, new, new_staged))

    with pytest.raises(TransientError, match="was published by another run meanwhile"):
        publish_staged(world, old, old_staged, store=racing)
    assert "run=run-1" in curated_runs(world)  # its parts and manifest were copied, never committed

    retried = publish_staged(world, old, old_staged, store=racing)  # the state machine's Retry

    assert retried.status == "superseded" and marker(world)["run"] == "run-2"
    assert curated_runs(world) == {"run=run-2"} and world.keys(world.staging) == []


def test_rollback_restores_the_previous_marker_and_removes_the_run(world: World) -> None:
    publish_run(world, "run-1")
    job, _ = publish_run(world, "run-2")

    rollback = roll_back(job.require_layout(), store=wiring.store(), curated_bucket=world.curated)

    assert (rollback.rolled_back, rollback.restored_run) == (True, "run-1")
    assert marker(world)["run"] == "run-1"
    assert not [k for k in world.keys(world.curated) if "run=run-2" in k]
    assert len(world.curated_rows("orders", "dt=2024-06-11")) == 3


def test_compensating_a_first_publication_leaves_no_trace(world: World) -> None:
    job, reduction = stage_file(world, orders_csv(4), run="run-1")
    publish(job, reduction, PASSED, "2024-06-11T10:00:00Z", store=wiring.store(), curated_bucket=world.curated,
            staging_bucket=world.staging)

    result = compensate(job, store=wiring.store(), staging_bucket=world.staging, curated_bucket=world.curated)

    assert result.rolled_back and result.restored_run is None
    assert world.keys(world.curated) == [] and world.keys(world.staging) == []
    again = compensate(job, store=wiring.store(), staging_bucket=world.staging, curated_bucket=world.curated)
    assert (again.rolled_back, again.staging_removed, again.curated_removed) == (False, 0, 0)


def test_compensation_never_touches_another_runs_publication(world: World) -> None:
    publish_run(world, "run-1")
    job, _ = stage_file(world, orders_csv(2), run="run-2")  # staged, never published

    result = compensate(job, store=wiring.store(), staging_bucket=world.staging, curated_bucket=world.curated)

    assert (result.rolled_back, result.restored_run, result.staging_removed) == (False, "run-1", 1)
    assert marker(world)["run"] == "run-1"


# ------------------------------------------------------------------------------------------ quarantine


def test_quarantine_copies_the_input_with_its_reason_and_keeps_the_raw_object(world: World) -> None:
    body = orders_csv(2, bad={0: "x"})
    record = world.put(ORDERS_KEY, body)
    validation = run_validate(world, record)
    failure = Failure(kind="invalid_input", stage="validate", reason=validation.reason)

    result = quarantine_input(validation.job, failure, store=wiring.store(), quarantine_bucket=world.quarantine)

    prefix = "datasets/orders/dt=2024-06-11/run=run-1/"
    assert result.location == f"s3://{world.quarantine}/{prefix}"
    assert world.read(world.quarantine, prefix + "orders.csv").decode() == body
    reason = world.read_json(world.quarantine, prefix + "reason.json")
    assert reason["reason"]["code"] == "schema_violation" and reason["kind"] == "invalid_input"
    assert reason["raw_object"] == f"s3://{world.raw}/{ORDERS_KEY}?versionId={record['version_id']}"
    versions = world.s3.list_object_versions(Bucket=world.raw)["Versions"]
    assert [(v["Key"], v["VersionId"]) for v in versions] == [(ORDERS_KEY, record["version_id"])]


def test_quarantine_never_copies_content_that_replaced_the_rejected_one(world: World) -> None:
    world.s3.create_bucket(Bucket="unversioned")
    record = world.put(ORDERS_KEY, "rejected,content\n", bucket="unversioned")
    job = Job(run="run-1", dataset="orders", partition_name="dt", partition="2024-06-11",
              source=SourceObject(bucket="unversioned", key=ORDERS_KEY, etag=record["etag"]))
    world.put(ORDERS_KEY, orders_csv(1), bucket="unversioned")  # overwritten meanwhile
    failure = Failure(kind="invalid_input", stage="validate", reason=Reason(code="malformed", message="bad"))

    result = quarantine_input(job, failure, store=wiring.store(), quarantine_bucket=world.quarantine)

    assert result.input is None
    assert world.keys(world.quarantine) == ["datasets/orders/dt=2024-06-11/run=run-1/reason.json"]


def test_an_input_no_dataset_claims_is_quarantined_under_unmatched(world: World) -> None:
    job = Job(run="run-9", source=SourceObject(bucket=world.raw, key="incoming/odd.txt"))
    world.put("incoming/odd.txt", "hello")
    failure = Failure(kind="invalid_input", stage="validate", reason=Reason(code="unknown_dataset", message="no"))

    result = quarantine_input(job, failure, store=wiring.store(), quarantine_bucket=world.quarantine)

    assert result.input == "datasets/_unmatched/run=run-9/odd.txt"
    assert world.read(world.quarantine, result.input) == b"hello"


# ------------------------------------------------------------------------------------------ transient errors


def client_error(status: int, code: str) -> ClientError:
    response: Any = {"Error": {"Code": code, "Message": code}, "ResponseMetadata": {"HTTPStatusCode": status}}
    return ClientError(response, "GetObject")


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (client_error(500, "InternalError"), True),
        (client_error(503, "SlowDown"), True),
        (client_error(400, "ThrottlingException"), True),
        # Found by `sluice chaos`: SNS throttles as `Throttled` (HTTP 429) and every service names its KMS
        # throttle its own way (SNS KMSThrottling, SQS KmsThrottled, Step Functions KmsThrottlingException):
        # botocore's service models, `ThrottledException`/`KMSThrottlingException` error shapes.
        (client_error(429, "Throttled"), True),
        (client_error(400, "KMSThrottling"), True),
        (client_error(400, "KmsThrottled"), True),
        (client_error(400, "KmsThrottlingException"), True),
        (client_error(429, "TooManyRequests"), True),
        (ReadTimeoutError(endpoint_url="https://s3"), True),
        (client_error(403, "AccessDenied"), False),
        (client_error(404, "NoSuchKey"), False),
    ],
)
def test_only_throttling_5xx_and_connection_errors_are_transient(error: Exception, transient: bool) -> None:
    assert is_transient(error) is transient
    with pytest.raises(TransientError if transient else type(error)), transient_errors("GetObject"):
        raise error


def test_step_inputs_are_checked_at_the_boundary() -> None:
    from sluice_runtime.datasets.errors import StepInputError  # noqa: PLC0415

    from .conftest import context, load_app  # noqa: PLC0415

    with pytest.raises(StepInputError, match=r"file_publish: the input has no 'job'"):
        load_app("file_publish").handler({}, context())
    with pytest.raises(StepInputError, match=r"file_chunk.chunk: .*index"):
        load_app("file_chunk").handler({"job": {"run": "r"}, "chunk": {"start": 0}}, context())
    with pytest.raises(StepInputError, match="'outcome' must be published or skipped"):
        load_app("file_notify").handler({"job": {"run": "r"}, "outcome": "done"}, context())


def test_staged_part_model_round_trips() -> None:
    part = StagedPart(index=0, key="k", rows=1, bytes=2, sha256="s")
    assert StagedPart.model_validate(part.model_dump()) == part


@pytest.mark.parametrize("read", ["read_bytes", "blocks", "read_range"])
def test_a_missing_object_is_permanent_not_an_unclassified_error(world: World, read: str) -> None:
    # Found by the bad-input campaign: NoSuchKey escaped as a bare ClientError; a version that is gone
    # does not come back on a retry.
    store = ObjectStore(world.s3)
    calls: dict[str, Callable[[], object]] = {
        "read_bytes": lambda: store.read_bytes(world.raw, "gone.csv"),
        "blocks": lambda: list(store.blocks(world.raw, "gone.csv")),
        "read_range": lambda: store.read_range(world.raw, "gone.csv", 0, 10),
    }
    with pytest.raises(ObjectNotFound, match=r"gone\.csv does not exist"):
        calls[read]()
