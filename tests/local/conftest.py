"""Fixtures for local-stack tests: fixture templates and the plugin's `sluice_stack` fixtures."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

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


@pytest.fixture
def start_stack(write_template: Callable[..., Path],
                sluice_stack_factory: Callable[..., LocalStack]) -> Callable[..., LocalStack]:
    """Write a template (and handler files), start its local stack, close it after the test.

    `start_stack(text, files=None, **options)`: options are those of `LocalStack.from_template`;
    a project's samconfig.toml is never read (`use_config=False`), so the template is all there is.
    Starting another stack closes the previous one (one world at a time).

    Example:
        >>> stack = start_stack(TEMPLATE, {"src/app.py": HANDLER}, start_time=MIDNIGHT)
    """

    def start(text: str, files: dict[str, str] | None = None, **options: Any) -> LocalStack:
        return sluice_stack_factory(write_template(text, files), use_config=False, **options)

    return start
