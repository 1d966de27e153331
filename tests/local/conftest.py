"""Fixtures for local-stack tests: fixture templates and the plugin's `sluice_stack` fixtures."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sluice.local.stack import LocalStack
from sluice.pytest_plugin import pytest_configure as _register_marker
from sluice.pytest_plugin import sluice_stack, sluice_stack_factory

FIXTURES = Path(__file__).parent / "fixtures"
PIPELINE = FIXTURES / "pipeline" / "template.yaml"

__all__ = ["sluice_stack", "sluice_stack_factory"]


def pytest_configure(config: pytest.Config) -> None:
    _register_marker(config)


@pytest.fixture
def pipeline() -> Iterator[LocalStack]:
    """The fixture pipeline: S3 → EventBridge → Lambda → DynamoDB → Step Functions → Lambda → S3."""
    with LocalStack.from_template(PIPELINE) as stack:
        yield stack


@pytest.fixture
def write_template(tmp_path: Path) -> Callable[..., Path]:
    """Write a template (and handler files) into a temporary project directory."""

    def write(text: str, files: dict[str, str] | None = None) -> Path:
        for relative, content in (files or {}).items():
            target = tmp_path / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")
        path = tmp_path / "template.yaml"
        path.write_text(text, encoding="utf-8")
        return path

    return write
