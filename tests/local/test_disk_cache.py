"""The disk cache: a value computed once is read back by the next process, never stale, never shared
between callers, and never a reason to fail (`sluice.local.disk_cache`)."""

from __future__ import annotations

import datetime
import doctest
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sluice.local import disk_cache
from sluice.local.disk_cache import DiskCache, cache_directory


def counting(value: Any) -> tuple[Callable[[], Any], list[int]]:
    calls: list[int] = []

    def compute() -> Any:
        calls.append(1)
        return value

    return compute, calls


def test_a_value_is_computed_once_then_read_back_by_a_new_process(tmp_path: Path) -> None:
    document = {"Resources": {"B": {"Type": "AWS::S3::Bucket"}}}
    compute, calls = counting(document)
    assert DiskCache(tmp_path).computed("document", b"text", compute) == document
    fresh = DiskCache(tmp_path)  # a new process: nothing in memory, the file on disk
    assert fresh.computed("document", b"text", lambda: pytest.fail("computed again")) == document
    assert len(calls) == 1


def test_changed_inputs_or_code_miss_the_cache(tmp_path: Path) -> None:
    DiskCache(tmp_path, "code-1").computed("document", b"old", lambda: "old value")
    assert DiskCache(tmp_path, "code-1").computed("document", b"new", lambda: "new value") == "new value"
    assert DiskCache(tmp_path, "code-2").computed("document", b"old", lambda: "recomputed") == "recomputed"


def test_each_caller_gets_its_own_copy(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path)
    first: dict[str, dict[str, bool]] = cache.computed("document", b"text", lambda: {"Resources": {}})
    first["Resources"]["Changed"] = True
    assert cache.computed("document", b"text", lambda: pytest.fail("computed again")) == {"Resources": {}}


def test_values_marshal_cannot_hold_are_computed_every_time(tmp_path: Path) -> None:
    # An unquoted YAML date is a `datetime.date`: correct, just not cacheable.
    compute, calls = counting({"Version": datetime.date(2012, 10, 17)})
    cache = DiskCache(tmp_path)
    cache.computed("document", b"text", compute)
    assert cache.computed("document", b"text", compute) == {"Version": datetime.date(2012, 10, 17)}
    assert len(calls) == 2
    assert list(tmp_path.iterdir()) == []


def test_a_corrupt_cache_file_is_computed_again(tmp_path: Path) -> None:
    DiskCache(tmp_path).computed("document", b"text", lambda: {"a": 1})
    [stored] = tmp_path.iterdir()
    stored.write_bytes(b"\x00garbage")
    assert DiskCache(tmp_path).computed("document", b"text", lambda: {"a": 2}) == {"a": 2}


def test_an_unwritable_cache_directory_is_skipped(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    assert DiskCache(blocked / "cache").computed("document", b"text", lambda: {"a": 1}) == {"a": 1}


def test_the_cache_directory_is_sluice_cache_dir_else_the_users_cache(monkeypatch: pytest.MonkeyPatch,
                                                                       tmp_path: Path) -> None:
    monkeypatch.setenv("SLUICE_CACHE_DIR", str(tmp_path / "shared"))
    assert cache_directory("models") == cache_directory("templates") == tmp_path / "shared"
    monkeypatch.delenv("SLUICE_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_directory("models") == tmp_path / "xdg" / "sluice" / "models"


def test_the_usage_example_holds() -> None:
    result = doctest.testmod(disk_cache)
    assert result.attempted and not result.failed
