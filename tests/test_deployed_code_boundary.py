"""The deployed half (functions/, layers/) must run on Lambda without the local engine or moto."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEPLOYED = sorted([*(ROOT / "functions").rglob("*.py"), *(ROOT / "layers").rglob("*.py")])
FORBIDDEN = {"sluice", "moto"}  # `sluice_runtime` (the layer) is allowed, `sluice` (the engine) is not


def _imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_there_is_deployed_code_to_check() -> None:
    assert len(DEPLOYED) > 20


@pytest.mark.parametrize("path", DEPLOYED, ids=lambda path: str(path.relative_to(ROOT)))
def test_deployed_module_imports_neither_the_engine_nor_moto(path: Path) -> None:
    assert _imported_roots(path) & FORBIDDEN == set()


def test_the_check_would_catch_an_engine_import(tmp_path: Path) -> None:
    module = tmp_path / "app.py"
    module.write_text("from sluice.asl import Engine\nimport moto\nfrom sluice_runtime import wiring\n")
    assert _imported_roots(module) & FORBIDDEN == {"sluice", "moto"}
