"""The dataset catalog: the packaged file is valid, keys find their dataset, mistakes name the entry."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from sluice_runtime.datasets.catalog import (
    PACKAGED_CATALOG,
    CatalogError,
    FileDataset,
    Partition,
    load_catalog,
)

PACKAGED: dict[str, Any] = json.loads(PACKAGED_CATALOG.read_text(encoding="utf-8"))


def write(tmp_path: Path, document: Any) -> Path:
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def changed(change: Any) -> dict[str, Any]:
    document: dict[str, Any] = copy.deepcopy(PACKAGED)
    change(document)
    return document


def test_packaged_catalog_is_valid_and_covers_every_registry_pipeline() -> None:
    from sluice_runtime.registry import PACKAGED_PIPELINES  # noqa: PLC0415

    catalog = load_catalog(PACKAGED_CATALOG)
    registry = json.loads(PACKAGED_PIPELINES.read_text(encoding="utf-8"))
    stream_pipelines = [p["name"] for p in registry["pipelines"] if p["trigger"]["type"] in ("kinesis", "sqs_fifo")]
    assert all(catalog.for_pipeline(name) is not None for name in stream_pipelines)
    # The dataset.ready sample event names a catalogued file dataset.
    assert isinstance(catalog.named("sales-eu"), FileDataset)


@pytest.mark.parametrize(
    ("key", "dataset", "groups"),
    [
        ("incoming/2024/06/11/orders.csv", "orders", {"year": "2024", "month": "06", "day": "11"}),
        ("incoming/2024/06/11/page-views.jsonl", "page-views", {"year": "2024", "month": "06", "day": "11"}),
        ("dropbox/team-a/export.csv", "dropbox-exports", {"team": "team-a", "name": "export"}),
    ],
)
def test_keys_find_their_dataset_and_partition_fields(key: str, dataset: str, groups: dict[str, str]) -> None:
    found = load_catalog(PACKAGED_CATALOG).for_key(key)

    assert found is not None
    assert (found[0].name, found[1]) == (dataset, groups)


@pytest.mark.parametrize("key", ["incoming/2024/06/11/orders.csv.bak", "incoming/orders.csv", "tmp/x.csv",
                                 "incoming/2024/6/11/orders.csv"])
def test_keys_outside_every_pattern_match_nothing(key: str) -> None:
    assert load_catalog(PACKAGED_CATALOG).for_key(key) is None


def test_partition_values_are_rendered_and_must_be_key_safe() -> None:
    partition = Partition(name="dt", value="{year}-{month}-{day}")

    assert partition.render({"year": "2024", "month": "06", "day": "11"}) == "2024-06-11"
    with pytest.raises(ValueError, match="no value for partition field"):
        partition.render({"year": "2024"})
    with pytest.raises(ValueError, match="must match"):
        Partition(name="dt", value="{x}").render({"x": "a/b"})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["datasets"][0]["schema"].update(primary_key=["nope"]),
         "datasets[0] 'orders' -> schema: primary_key: column 'nope' is not declared"),
        (lambda d: d["datasets"][0]["schema"].update(primary_key=["coupon"]),
         "primary_key: column 'coupon' must be required"),
        (lambda d: d["datasets"][0]["partition"].update(value="{year}-{week}"),
         "partition value uses week"),
        (lambda d: d["datasets"][0].update(key_pattern="incoming/(unclosed"),
         "key_pattern is not a regular expression"),
        (lambda d: d["datasets"][0]["quality"].update(max_null_ratio={"coupon": 2}),
         "null ratios must be between 0 and 1"),
        (lambda d: d["datasets"][0]["schema"]["columns"][0].update(type="decimal"),
         "'pattern' and 'allowed' apply to string columns only"),
        (lambda d: d["datasets"].append(copy.deepcopy(d["datasets"][0])), "dataset 'orders' is declared twice"),
        (lambda d: d["datasets"][4].update(pipelines=["ordered-commands"]),
         "pipeline 'ordered-commands' feeds both"),
        (lambda d: d["datasets"][4].update(record_id=["path"]), "record_id: 'path' must be a required column"),
        (lambda d: d["datasets"][0]["format"].update(type="parquet"), "datasets[0] 'orders' -> format"),
    ],
)
def test_invalid_entries_are_reported_with_their_name(tmp_path: Path, change: Any, message: str) -> None:
    with pytest.raises(CatalogError) as raised:
        load_catalog(write(tmp_path, changed(change)))

    assert message in str(raised.value)


def test_unreadable_catalog_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "catalog.json"
    path.write_text("{ not json", encoding="utf-8")

    with pytest.raises(CatalogError, match=r"catalog.json:1:3: invalid JSON"):
        load_catalog(path)
    with pytest.raises(CatalogError, match="cannot read dataset catalog"):
        load_catalog(tmp_path / "missing.json")


def test_catalog_is_reloaded_when_the_file_changes(tmp_path: Path) -> None:
    path = write(tmp_path, PACKAGED)
    assert load_catalog(path).named("orders") is not None

    path.write_text(json.dumps(changed(lambda d: d["datasets"].pop(0))), encoding="utf-8")

    assert load_catalog(path).named("orders") is None
