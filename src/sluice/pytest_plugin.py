"""pytest fixtures for testing a SAM application on the local stack.

`sluice_stack` starts the stack of `template.yaml` (or the template named by the `sluice_template`
ini option, or by the `sluice` marker) for one test and closes it afterwards; `sluice_stack_factory`
starts stacks with options chosen in the test.

Enable the plugin with `pytest_plugins = ["sluice.pytest_plugin"]` in your top-level
`conftest.py` (or through the `pytest11` entry point when the package declares it).

Example:
    >>> @pytest.mark.sluice(parameters={"Stage": "test"})
    ... def test_drop_a_file(sluice_stack):
    ...     sluice_stack.put_object("RawBucket", "in/orders.csv", b"id\\n1\\n")
    ...     sluice_stack.run_until_idle()
    ...     assert [e.status for e in sluice_stack.executions("FilePipeline")] == ["SUCCEEDED"]
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from sluice.local.stack import LocalStack

INI_TEMPLATE = "sluice_template"
MARKER = "sluice"
DEFAULT_TEMPLATE = "template.yaml"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(INI_TEMPLATE, "SAM template the sluice_stack fixture runs (relative to the rootdir)",
                  default=DEFAULT_TEMPLATE)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(template=None, parameters=None, env_vars=None, **options): options of the sluice_stack "
        "fixture (any keyword of LocalStack.from_template)",
    )


@pytest.fixture
def sluice_stack_factory(request: pytest.FixtureRequest) -> Iterator[Callable[..., LocalStack]]:
    """Start a stack with `factory(template=None, **options)`; it is closed after the test.

    Options are those of `LocalStack.from_template` (parameters, env_vars, stack_name, region…);
    the template defaults to the marker's, then the `sluice_template` ini option.
    """
    from sluice.local.stack import LocalStack  # noqa: PLC0415 - keep plugin loading cheap

    opened: list[LocalStack] = []

    def factory(template: str | Path | None = None, **options: Any) -> LocalStack:
        for stack in opened:
            stack.close()
        stack = LocalStack.from_template(_template_path(request, template), **options)
        opened.append(stack)
        return stack.start()

    yield factory
    for stack in opened:
        stack.close()


@pytest.fixture
def sluice_stack(request: pytest.FixtureRequest, sluice_stack_factory: Callable[..., LocalStack]) -> LocalStack:
    """The application's local stack, started for this test (see the `sluice` marker)."""
    marker = request.node.get_closest_marker(MARKER)
    options = dict(marker.kwargs) if marker is not None else {}
    template = options.pop("template", None)
    return sluice_stack_factory(template, **options)


def _template_path(request: pytest.FixtureRequest, template: str | Path | None) -> Path:
    if template is None:
        marker = request.node.get_closest_marker(MARKER)
        template = marker.kwargs.get("template") if marker is not None else None
    if template is None:
        try:
            template = str(request.config.getini(INI_TEMPLATE))
        except ValueError:  # the plugin's ini option is not registered (fixture imported directly)
            template = DEFAULT_TEMPLATE
    path = Path(template)
    return path if path.is_absolute() else Path(request.config.rootpath) / path
