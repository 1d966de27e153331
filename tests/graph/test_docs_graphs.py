"""The pipeline pictures in docs/graphs/ match the template and state machines (`make graphs` redraws them)."""

from __future__ import annotations

from scripts.render_graphs import OUT, expected_files


def test_committed_graphs_are_up_to_date() -> None:
    expected = expected_files()
    assert {path.name for path in expected} == {path.name for path in OUT.iterdir()}, \
        "docs/graphs/ holds other files than the template's state machines: run `make graphs`"
    stale = [path.name for path, data in expected.items() if path.read_bytes() != data]
    assert not stale, f"out of date (run `make graphs`): {stale}"
