"""`sluice graph PATH.asl.json|LogicalId [-o FILE.svg|FILE.png|FILE.mmd]` — a state machine as a picture.

Mermaid text goes to stdout unless `-o` names a file; the file's suffix picks the format.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

SUFFIXES = {".mmd": "mermaid", ".md": "mermaid", ".dot": "dot", ".gv": "dot", ".svg": "svg", ".png": "png"}


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("target", metavar="PATH|LOGICAL_ID",
                        help="an ASL definition file, or a state machine's logical id in the template")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="write to FILE: .svg, .png, .mmd (Mermaid) or .dot; default: Mermaid on stdout")
    parser.add_argument("--template", "-t", metavar="TEMPLATE",
                        help="SAM template (default: ./template.yaml when present)")
    parser.add_argument("--type", choices=["STANDARD", "EXPRESS"], default=None,
                        help="workflow type of a definition file the template does not deploy")


def run(args: argparse.Namespace) -> int:
    from sluice.commands._io import fail  # noqa: PLC0415
    from sluice.graph import GraphvizMissing, WorkflowError, build_graph, load_workflow, render, to_dot, to_mermaid  # noqa: PLC0415  # noqa: PLC0415

    output = Path(args.output) if args.output else None
    fmt = SUFFIXES.get(output.suffix.lower()) if output else "mermaid"
    if fmt is None:
        return fail(f"cannot tell the format of {output}: use one of {', '.join(SUFFIXES)}")
    try:
        graph = build_graph(load_workflow(args.target, template=args.template, workflow_type=args.type))
        if fmt in ("svg", "png"):
            data = render(graph, fmt)
        else:
            data = (to_mermaid(graph) if fmt == "mermaid" else to_dot(graph)).encode()
    except (WorkflowError, GraphvizMissing) as error:
        return fail(str(error))
    if output is None:
        sys.stdout.write(data.decode())
        return 0
    try:
        output.write_bytes(data)
    except OSError as error:
        return fail(f"cannot write {output}: {error.strerror}")
    print(f"{output}: {graph.title}, {sum(1 for _ in graph.root.walk_nodes())} nodes", file=sys.stderr)
    return 0
