"""`make build`'s layer check: a built layer must carry bytecode that is still valid after SAM's
packaging, which dates every file 1980-01-01 (`scripts/check_layer_build.py`, ADR 0012)."""

from __future__ import annotations

import py_compile
import sys
from pathlib import Path

import pytest

from scripts.check_layer_build import bytecode_problems

RUNTIME = sys.version_info[:2]  # the check verifies source hashes on the runtime's own Python


@pytest.fixture
def layer(tmp_path: Path) -> Path:
    package = tmp_path / "python" / "pkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("NAME = 'pkg'\n", encoding="utf-8")
    (package / "models.py").write_text("VALUE = 1\n", encoding="utf-8")
    return tmp_path / "python"


def compiled(layer: Path, mode: py_compile.PycInvalidationMode) -> None:
    for source in layer.rglob("*.py"):
        py_compile.compile(str(source), invalidation_mode=mode, doraise=True)


def test_a_layer_without_bytecode_compiles_on_every_cold_start(layer: Path) -> None:
    [problem] = bytecode_problems("layer L", layer, RUNTIME)
    assert "2 of its modules (pkg/__init__.py, pkg/models.py, ...) have no hash-based" in problem


def test_timestamp_bytecode_does_not_survive_sams_packaging(layer: Path) -> None:
    compiled(layer, py_compile.PycInvalidationMode.TIMESTAMP)
    assert len(bytecode_problems("layer L", layer, RUNTIME)) == 1


@pytest.mark.parametrize("mode", [py_compile.PycInvalidationMode.UNCHECKED_HASH,
                                  py_compile.PycInvalidationMode.CHECKED_HASH])
def test_hash_based_bytecode_is_valid_whatever_the_file_dates(layer: Path,
                                                              mode: py_compile.PycInvalidationMode) -> None:
    compiled(layer, mode)
    assert bytecode_problems("layer L", layer, RUNTIME) == []


def test_bytecode_of_an_older_source_is_stale(layer: Path) -> None:
    compiled(layer, py_compile.PycInvalidationMode.UNCHECKED_HASH)
    (layer / "pkg" / "models.py").write_text("VALUE = 2\n", encoding="utf-8")
    [problem] = bytecode_problems("layer L", layer, RUNTIME)
    assert "1 of its modules (pkg/models.py, ...)" in problem


def test_bytecode_for_another_python_is_not_bytecode_for_the_runtime(layer: Path) -> None:
    compiled(layer, py_compile.PycInvalidationMode.UNCHECKED_HASH)  # this interpreter's cache tag only
    assert len(bytecode_problems("layer L", layer, (RUNTIME[0], RUNTIME[1] + 1))) == 1
