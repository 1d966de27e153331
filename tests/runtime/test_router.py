"""router: custom EventBridge events -> route, dedupe by domain key, start; bad events are quarantined."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sluice_runtime import wiring
from sluice_runtime.registry import PACKAGED_PIPELINES

from .moto_stack import Invoke, Sample, Stack, only_outcome


def test_dataset_ready_starts_the_file_pipeline(aws: Stack, invoke: Invoke, sample: Sample) -> None:
    result = only_outcome(invoke("router", sample("router-dataset-ready")))
    assert (result["status"], result["pipeline"]) == ("started", "dataset-ready")
    (execution,) = aws.executions()
    assert execution["input"]["records"] == [
        {
            "type": "eventbridge",
            "source": "sluice.upstream",
            "detail_type": "dataset.ready",
            "detail": sample("router-dataset-ready")["detail"],
            "ordering_key": "sales-eu",
        }
    ]
    assert execution["input"]["sluice"]["idempotency_key"] == (
        'dataset-ready|detail.dataset_id="sales-eu"|detail.version="2024-06-11"'
    )


def test_redelivery_with_a_new_event_id_is_a_duplicate(aws: Stack, invoke: Invoke, sample: Sample) -> None:
    invoke("router", sample("router-dataset-ready"))
    assert only_outcome(invoke("router", sample("router-duplicate")))["status"] == "duplicate"
    assert len(aws.executions()) == 1


def test_changed_checksum_for_the_same_version_is_a_conflict(aws: Stack, invoke: Invoke, sample: Sample) -> None:
    invoke("router", sample("router-dataset-ready"))
    result = only_outcome(invoke("router", sample("router-conflict")))
    assert (result["status"], result["reason"]) == ("set_aside", "idempotency_conflict")
    assert [q["report"]["reason"] for q in aws.quarantined()] == ["idempotency_conflict"]
    assert aws.alerts()[0]["pipeline"] == "dataset-ready"
    assert len(aws.executions()) == 1


@pytest.mark.parametrize(
    ("event", "reason", "message"),
    [
        (
            "router-unknown-route",
            "unknown_route",
            "no pipeline is triggered by event sluice.upstream / dataset.deleted",
        ),
        ("router-malformed", "invalid_event", "detail: Input should be a valid dictionary"),
        ("router-missing-key", "invalid_event", "event has no value at 'detail.dataset_id'"),
    ],
)
def test_events_that_cannot_start_are_quarantined_with_a_reason(
    aws: Stack, invoke: Invoke, sample: Sample, *, event: str, reason: str, message: str
) -> None:
    assert only_outcome(invoke("router", sample(event)))["reason"] == reason
    (quarantined,) = aws.quarantined()
    assert message in quarantined["report"]["message"]
    assert quarantined["payload"] == sample(event)
    assert aws.executions() == []


def test_replay_starts_a_second_run(aws: Stack, invoke: Invoke, sample: Sample) -> None:
    invoke("router", sample("router-dataset-ready"))
    replayed = only_outcome(invoke("router", sample("router-replay")))
    assert replayed["execution_name"].endswith("-r-rerun-7")
    assert len(aws.executions()) == 2


def test_a_large_detail_is_passed_by_reference(aws: Stack, invoke: Invoke, sample: Sample) -> None:
    event = sample("router-dataset-ready")
    event["detail"]["manifest"] = [f"part-{n:05d}.parquet" for n in range(10_000)]  # ~190 KB
    assert only_outcome(invoke("router", event))["status"] == "started"
    (execution,) = aws.executions()
    (record,) = execution["input"]["records"]
    assert "detail" not in record
    ref = record["detail_ref"]
    stored = aws.clients["s3"].get_object(Bucket=ref["bucket"], Key=ref["key"])["Body"].read()
    assert ref["bucket"] == aws.staging_bucket
    assert json.loads(stored) == event["detail"]
    assert len(json.dumps(execution["input"])) < 1024


def test_payloads_above_the_pipeline_limit_are_quarantined(
    aws: Stack, invoke: Invoke, sample: Sample, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = json.loads(PACKAGED_PIPELINES.read_text(encoding="utf-8"))
    registry["pipelines"][2]["batching"] = {"max_record_bytes": 2048}
    path = tmp_path / "pipelines.json"
    path.write_text(json.dumps(registry), encoding="utf-8")
    monkeypatch.setenv("SLUICE_PIPELINES", str(path))
    wiring.reset()
    event = sample("router-dataset-ready")
    event["detail"]["notes"] = "x" * 4096
    assert only_outcome(invoke("router", event))["reason"] == "oversized_payload"
    assert aws.executions() == []


def test_a_payload_that_is_not_an_object_is_quarantined(aws: Stack, invoke: Invoke) -> None:
    result = only_outcome(invoke("router", ["dataset.ready", "sales-eu"]))
    assert (result["reason"], result["record_id"][:7]) == ("invalid_event", "sha256-")
    (quarantined,) = aws.quarantined()
    assert "an event must be a JSON object, not list" in quarantined["report"]["message"]
    assert quarantined["payload"] == ["dataset.ready", "sales-eu"]
