"""Graphviz DOT text of a graph, and SVG / PNG drawn from it by Graphviz's `dot`.

Why Graphviz (docs/adr/0006-graphviz-for-state-machine-pictures.md): its `dot` layout handles
nested clusters (Map, Parallel) and labelled loops well, is deterministic for a given version,
and renders both SVG and PNG itself (cairo), so no browser or second converter is needed. The
DOT text is written here directly: it is a few lines of quoting, not worth a dependency.

Example:
    >>> svg = render(build_graph(workflow), "svg")
    >>> svg.startswith(b"<?xml")
    True
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping

from sluice.graph.model import CATCH, CHOICE, DEFAULT, RETRY, Block, Graph, Node

_NODE_STYLE = {
    "Start": 'shape=circle, style=filled, fillcolor="#333333", fontcolor=white, width=0.6',
    "End": 'shape=doublecircle, style=filled, fillcolor="#333333", fontcolor=white, width=0.5',
    "Task": 'shape=box, style="rounded,filled", fillcolor="#e8f0fe", color="#1a73e8"',
    "Choice": 'shape=diamond, style=filled, fillcolor="#fff6d6", color="#b58900"',
    "Pass": 'shape=box, style="rounded,filled,dashed", fillcolor="#f5f5f5", color="#777777"',
    "Wait": 'shape=hexagon, style=filled, fillcolor="#f3e8fd", color="#8e44ad"',
    "Succeed": 'shape=box, style="rounded,filled", fillcolor="#e3f4e1", color="#2e7d32"',
    "Fail": 'shape=box, style="rounded,filled", fillcolor="#fde2e1", color="#c0392b"',
}
_EDGE_STYLE = {
    CATCH: 'style=dashed, color="#c0392b", fontcolor="#c0392b"',
    RETRY: 'style=dashed, color="#e67e22", fontcolor="#e67e22"',
    CHOICE: 'color="#b58900", fontcolor="#7a5c00"',
    DEFAULT: 'color="#b58900", fontcolor="#7a5c00", style=bold',
}
FORMATS = ("svg", "png")


class GraphvizMissing(RuntimeError):
    """`dot` is not installed."""


def to_dot(graph: Graph, extra: Mapping[str, str] | None = None) -> str:
    """`extra`: more DOT attributes per node or frame id (`class="failed", fillcolor="…"`); they
    come after the type's style, so they win (the execution report colours states by outcome)."""
    lines = [
        "digraph workflow {",
        f"  label={_quote(graph.title)}; labelloc=t; fontname=Helvetica; fontsize=16;",
        "  compound=true; rankdir=TB; nodesep=0.35; ranksep=0.45;",
        '  node [fontname=Helvetica, fontsize=11]; edge [fontname=Helvetica, fontsize=9, color="#555555"];',
    ]
    _block(graph.root, lines, 1, extra or {})
    frames = graph.block_ids()
    for edge in graph.edges:
        attributes = [_EDGE_STYLE[edge.kind]] if edge.kind in _EDGE_STYLE else []
        if edge.label:
            attributes.append(f"label={_quote(edge.label)}")
        source, target = edge.source, edge.target
        if source in frames:
            attributes.append(f"ltail=cluster_{source}")
            source = frames[source].anchor()
        if target in frames:
            attributes.append(f"lhead=cluster_{target}")
            target = frames[target].anchor()
        lines.append(f"  {source} -> {target}" + (f" [{', '.join(attributes)}]" if attributes else "") + ";")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(graph: Graph, fmt: str, extra: Mapping[str, str] | None = None) -> bytes:
    """SVG or PNG bytes, drawn by Graphviz's `dot` (Debian package `graphviz`)."""
    if fmt not in FORMATS:
        raise ValueError(f"unsupported image format {fmt!r} (supported: {', '.join(FORMATS)})")
    dot = shutil.which("dot")
    if dot is None:
        raise GraphvizMissing("Graphviz's `dot` is not installed (apt-get install graphviz); "
                              "Mermaid output (.mmd) needs nothing")
    result = subprocess.run([dot, f"-T{fmt}"], input=to_dot(graph, extra).encode(), capture_output=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"dot failed: {result.stderr.decode(errors='replace').strip()}")
    return result.stdout


def _block(block: Block, lines: list[str], depth: int, extra: Mapping[str, str]) -> None:
    indent = "  " * depth
    for node in block.nodes:
        more = f", {extra[node.id]}" if node.id in extra else ""
        lines.append(f"{indent}{node.id} [label={_node_label(node)}, {_NODE_STYLE.get(node.type, '')}{more}];")
    for inner in block.blocks:
        lines.append(f"{indent}subgraph cluster_{inner.id} {{")
        lines.append(f'{indent}  label={_quote(inner.title)}; style="rounded,dashed"; color="#888888"; '
                     "fontsize=11;")
        if inner.id in extra:
            lines.append(f"{indent}  graph [{extra[inner.id]}];")
        _block(inner, lines, depth + 1, extra)
        lines.append(f"{indent}}}")


def _node_label(node: Node) -> str:
    return _quote(f"{node.name}\n{node.detail}" if node.detail else node.name)


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'
