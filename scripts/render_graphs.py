"""Draw every state machine of the template into docs/graphs/ (`<name>.mmd` and `<name>.svg`).

The README and docs/pipelines.md show these files; `tests/graph/test_docs_graphs.py` fails when
they are out of date, and `--check` says which.

Usage::

    python -m scripts.render_graphs                 # rewrite docs/graphs/
    python -m scripts.render_graphs --check         # exit 1 when a file differs
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from sluice.graph import build_graph, load_template, render, template_workflows, to_mermaid

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "graphs"


def expected_files(template: Path = ROOT / "template.yaml") -> dict[Path, bytes]:
    """docs/graphs/<file stem>.{mmd,svg} for each state machine, named after its definition file."""
    files: dict[Path, bytes] = {}
    for workflow in template_workflows(load_template(template)):
        stem = re.sub(r"\.asl$", "", Path(workflow.origin).stem)
        graph = build_graph(workflow)
        files[OUT / f"{stem}.mmd"] = to_mermaid(graph).encode()
        files[OUT / f"{stem}.svg"] = render(graph, "svg")
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="only report files that are out of date")
    args = parser.parse_args(argv)
    stale = [path for path, data in expected_files().items() if not path.is_file() or path.read_bytes() != data]
    if args.check:
        for path in stale:
            print(f"{path.relative_to(ROOT)} is out of date: run `make graphs`", file=sys.stderr)
        return 1 if stale else 0
    OUT.mkdir(parents=True, exist_ok=True)
    for path, data in expected_files().items():
        path.write_bytes(data)
        print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
