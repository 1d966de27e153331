"""The pipeline registry: packaged file, matching, env references, and errors that name the bad entry."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest
from sluice_runtime.errors import ConfigurationError
from sluice_runtime.registry import PACKAGED_PIPELINES, Pipeline, RegistryError, load_registry

PACKAGED: dict[str, Any] = json.loads(PACKAGED_PIPELINES.read_text(encoding="utf-8"))


def write(tmp_path: Path, document: Any) -> Path:
    path = tmp_path / "pipelines.json"
    path.write_text(json.dumps(document) if not isinstance(document, str) else document, encoding="utf-8")
    return path


def name(pipeline: Pipeline | None) -> str | None:
    return pipeline.name if pipeline else None


def broken(mutate: Any) -> dict[str, Any]:
    document = copy.deepcopy(PACKAGED)
    mutate(document)
    return document


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "RAW_BUCKET": "sluice-raw",
        "EVENTS_STREAM_NAME": "sluice-events",
        "ORDERED_QUEUE_NAME": "sluice-ordered.fifo",
        "FILE_PIPELINE_ARN": "arn:aws:states:us-east-1:123456789012:stateMachine:FilePipeline",
    }.items():
        monkeypatch.setenv(name, value)


@pytest.mark.usefixtures("env")
class TestPackagedRegistry:
    def test_routes_each_trigger_kind_to_its_pipeline(self) -> None:
        registry = load_registry(PACKAGED_PIPELINES)
        assert name(registry.for_s3("sluice-raw", "incoming/2024/orders.csv")) == "raw-objects"
        assert name(registry.for_event("sluice.upstream", "dataset.ready")) == "dataset-ready"
        assert name(registry.for_stream("sluice-events")) == "events-stream"
        assert name(registry.for_queue("sluice-ordered.fifo")) == "ordered-commands"

    def test_unmatched_triggers_have_no_pipeline(self) -> None:
        registry = load_registry(PACKAGED_PIPELINES)
        assert registry.for_s3("sluice-raw", "tmp/scratch.bin") is None
        assert registry.for_s3("another-bucket", "incoming/orders.csv") is None
        assert registry.for_event("sluice.upstream", "dataset.deleted") is None
        assert registry.for_stream("other-stream") is None

    @pytest.mark.parametrize(
        ("key", "matches"),
        [
            ("dropbox/a.csv", True),
            ("dropbox/team-a/2024/export copy.csv", True),
            ("dropbox/team-a/export.csv.gz", False),
            ("archive/dropbox/a.csv", False),
        ],
    )
    def test_glob_double_star_spans_folders(self, key: str, matches: bool) -> None:
        pipeline = load_registry(PACKAGED_PIPELINES).for_s3("sluice-raw", key)
        assert (pipeline is not None and pipeline.name == "raw-dropbox") is matches

    def test_s3_identities_select_key_and_content_fields(self) -> None:
        registry = {p.name: p for p in load_registry(PACKAGED_PIPELINES).pipelines}
        assert registry["raw-objects"].key_fields == ("bucket", "key", "version_id")
        assert registry["raw-dropbox"].key_fields == ("etag", "size")
        assert registry["dataset-ready"].content_fields == ("detail.checksum",)
        assert registry["events-stream"].key_fields == ("shard_id", "sequence_number")

    def test_state_machine_is_resolved_from_the_environment(self) -> None:
        pipeline = load_registry(PACKAGED_PIPELINES).pipelines[0]
        assert pipeline.state_machine_arn().endswith(":stateMachine:FilePipeline")


def test_missing_environment_variable_names_pipeline_and_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RAW_BUCKET", raising=False)
    with pytest.raises(ConfigurationError, match=r"pipeline 'raw-objects': environment variable RAW_BUCKET"):
        load_registry(PACKAGED_PIPELINES).for_s3("sluice-raw", "incoming/a.csv")


def test_first_matching_s3_entry_wins(tmp_path: Path) -> None:
    document = broken(
        lambda d: d["pipelines"].insert(
            0, {**d["pipelines"][0], "name": "everything", "trigger": {"type": "s3", "bucket": "sluice-raw"}}
        )
    )
    registry = load_registry(write(tmp_path, document))
    assert name(registry.for_s3("sluice-raw", "incoming/a.csv")) == "everything"


def test_env_override_selects_another_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    document = broken(lambda d: d["pipelines"].__setitem__(0, {**d["pipelines"][0], "name": "overridden"}))
    monkeypatch.setenv("SLUICE_PIPELINES", str(write(tmp_path, document)))
    assert load_registry().pipelines[0].name == "overridden"


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda d: d["pipelines"][2]["trigger"].pop("detail_type"),
            r"pipelines\[2\] 'dataset-ready' -> trigger\.eventbridge\.detail_type: Field required",
        ),
        (
            lambda d: d["pipelines"][0].update(
                state_machine="arn:aws:states:us-east-1:123456789012:stateMachine:FilePipeline"
            ),
            r"pipelines\[0\] 'raw-objects' -> state_machine: String should match pattern",
        ),
        (
            lambda d: d["pipelines"][1]["trigger"].update(prefix="dropbox/"),
            r"pipelines\[1\] 'raw-dropbox' -> trigger\.s3: use either 'glob' or 'prefix'/'suffix'",
        ),
        (
            lambda d: d["pipelines"][3].update(name="Events Stream"),
            r"pipelines\[3\] 'Events Stream' -> name: String should match pattern",
        ),
        (
            lambda d: d["pipelines"][2].update(idempotency={"identity": "object"}),
            r"pipelines\[2\] 'dataset-ready' -> \(entry\): idempotency.identity is only meaningful",
        ),
        (
            lambda d: d["pipelines"][4].update(execution="sometimes"),
            r"pipelines\[4\] 'ordered-commands' -> execution: Input should be 'standard', 'express_async'",
        ),
        (
            lambda d: d["pipelines"][2]["idempotency"].update(key=["detail..id"]),
            r"pipelines\[2\] 'dataset-ready' -> idempotency\.key\.0: String should match pattern",
        ),
        (
            lambda d: d["pipelines"].append(d["pipelines"][0]),
            r"pipelines 'raw-objects' and 'raw-objects' have the same",
        ),
        (
            lambda d: d["pipelines"].append({**d["pipelines"][3], "name": "events-copy"}),
            r"pipelines 'events-stream' and 'events-copy' have the same trigger",
        ),
        (lambda d: d.update(version=2), r"version: Input should be 1"),
    ],
)
def test_invalid_entries_are_reported_by_position_and_name(tmp_path: Path, mutate: Any, message: str) -> None:
    with pytest.raises(RegistryError, match=message):
        load_registry(write(tmp_path, broken(mutate)))


def test_invalid_json_reports_line_and_column(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match=r"pipelines\.json:3:1: invalid JSON"):
        load_registry(write(tmp_path, '{"version": 1,\n "pipelines": [\n}'))


def test_missing_file_is_a_registry_error(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="cannot read pipeline registry"):
        load_registry(tmp_path / "absent.json")


def test_an_edited_file_is_reloaded(tmp_path: Path) -> None:
    path = write(tmp_path, PACKAGED)
    assert load_registry(path).pipelines[0].name == "raw-objects"
    edited = broken(lambda d: d["pipelines"][0].update(name="renamed"))
    path.write_text(json.dumps(edited), encoding="utf-8")
    os.utime(path, ns=(1, 10**18))  # make the modification visible even within one clock tick
    assert load_registry(path).pipelines[0].name == "renamed"
