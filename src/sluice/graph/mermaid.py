"""Mermaid `flowchart` text of a graph: GitHub and most doc sites render it as is.

Map and Parallel states are `subgraph`s, Choice states diamonds; Catch edges are dashed and red,
Retry loops dashed and orange (`linkStyle`), so the two never look like the normal flow.

Example:
    >>> print(to_mermaid(build_graph(workflow)))
    flowchart TD
      start(("Start"))
    ...
"""

from __future__ import annotations

from sluice.graph.model import CATCH, RETRY, Block, Graph, Node

_SHAPES = {
    "Start": ('(("', '"))'), "End": ('(("', '"))'), "Choice": ('{"', '"}'), "Pass": ('(["', '"])'),
    "Wait": ('{{"', '"}}'), "Succeed": ('(["', '"])'), "Fail": ('(["', '"])'),
}
_CLASSES = {
    "Fail": "fill:#fde2e1,stroke:#c0392b,color:#7b1d12",
    "Succeed": "fill:#e3f4e1,stroke:#2e7d32",
    "Choice": "fill:#fff6d6,stroke:#b58900",
    "Task": "fill:#e8f0fe,stroke:#1a73e8",
    "terminal": "fill:#333,stroke:#333,color:#fff",
}
_EDGE_COLOURS = {CATCH: "#c0392b", RETRY: "#e67e22"}


def to_mermaid(graph: Graph) -> str:
    lines = ["---", f"title: {graph.title}", "---", "flowchart TD"]
    _block(graph.root, lines, depth=1)
    styles = []
    for index, edge in enumerate(graph.edges):
        arrow = "-.->" if edge.kind in (CATCH, RETRY) else "-->"
        label = f'|"{_text(edge.label)}"|' if edge.label else ""
        lines.append(f"  {edge.source} {arrow}{label} {edge.target}")
        if edge.kind in _EDGE_COLOURS:
            styles.append(f"  linkStyle {index} stroke:{_EDGE_COLOURS[edge.kind]},color:{_EDGE_COLOURS[edge.kind]}")
    lines.extend(styles)
    lines.extend(f"  classDef {name} {style}" for name, style in _CLASSES.items())
    return "\n".join(lines) + "\n"


def _block(block: Block, lines: list[str], depth: int) -> None:
    indent = "  " * depth
    for node in block.nodes:
        lines.append(indent + _node(node))
    for inner in block.blocks:
        lines.append(f'{indent}subgraph {inner.id}["{_text(inner.title)}"]')
        _block(inner, lines, depth + 1)
        lines.append(f"{indent}end")


def _node(node: Node) -> str:
    opening, closing = _SHAPES.get(node.type, ('["', '"]'))
    label = _text(node.name) + (f"<br/><small>{_text(node.detail)}</small>" if node.detail else "")
    css = "terminal" if node.type in ("Start", "End") else node.type
    suffix = f":::{css}" if css in _CLASSES else ""
    return f"{node.id}{opening}{label}{closing}{suffix}"


def _text(value: str) -> str:
    """Mermaid label text: quotes and angle brackets as entity codes (labels are HTML)."""
    return value.replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")
