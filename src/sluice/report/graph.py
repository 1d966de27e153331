"""An execution's state machine drawn by `sluice.graph` and coloured by outcome, as inline SVG.

Each state (and each Map / Parallel frame) gets its outcome's colours, a `class="st-<outcome>"`
and a link to its details further down the page. The SVG is drawn by Graphviz's `dot` when the
report is written (ADR 0006) and cleaned for inlining: no XML prolog, DOCTYPE, comments or
namespace URLs (an HTML parser puts `<svg>` in the SVG namespace by itself).

Example:
    >>> svg = outcome_svg(execution_report, state_anchor=lambda name: "x1-s1")
    >>> svg.startswith("<svg")
    True
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from sluice.graph import GraphvizMissing, WorkflowError, build_graph, render
from sluice.graph.model import END, START
from sluice.graph.source import compile_workflow
from sluice.report.model import (
    CANCELLED,
    CAUGHT,
    FAILED,
    LABELS,
    NOT_RUN,
    RETRIED,
    RUNNING,
    SUCCEEDED,
    ExecutionReport,
)

if TYPE_CHECKING:
    from sluice.local import SamTemplate

# (fill, border, text) per outcome; the page's legend uses the same colours (`sluice.report.page`).
COLOURS = {
    SUCCEEDED: ("#dff3e0", "#2e7d32", "#1b4d1e"),
    FAILED: ("#fbd9d6", "#c0392b", "#7b1d12"),
    CAUGHT: ("#ffe3c4", "#e67e22", "#7a3e00"),
    RETRIED: ("#fff3b0", "#b58900", "#5c4600"),
    RUNNING: ("#dbe9fb", "#1a73e8", "#0b3d91"),
    NOT_RUN: ("#f4f4f4", "#b5b5b5", "#8a8a8a"),
    CANCELLED: ("#e8e8f0", "#6b6b8a", "#3a3a55"),
}
_STRIP = re.compile(r"<\?xml.*?\?>|<!DOCTYPE.*?>|<!--.*?-->|\s+xmlns(?::xlink)?=\"[^\"]*\"", re.DOTALL)


class GraphUnavailable(Exception):
    """The graph cannot be drawn; the message says why, for a note on the page."""


def outcome_svg(execution: ExecutionReport, state_anchor: Callable[[str], str],
                template: SamTemplate | None = None) -> str:
    """Inline SVG of the execution's state machine, states coloured by outcome."""
    if execution.definition is None:
        raise GraphUnavailable("the definition is not known")
    try:
        workflow = compile_workflow(execution.state_machine_arn.rsplit(":", 1)[-1] or execution.name,
                                    "Definition", execution.type, execution.definition, template=template)
    except WorkflowError as error:
        raise GraphUnavailable(str(error)) from None
    graph = build_graph(workflow)
    ids = {node.name: node.id for node in graph.root.walk_nodes() if node.type not in (START, END)}
    # A Map / Parallel frame's title starts with its state's name (`sluice.graph.model._frame_title`).
    ids |= {block.title.partition(" · ")[0]: block_id for block_id, block in graph.block_ids().items()
            if " · " in block.title}
    extra = {}
    for name, node_id in ids.items():
        state = execution.states.get(name)
        outcome = state.outcome if state is not None else NOT_RUN
        fill, border, text = COLOURS[outcome]
        style = '"rounded,filled,dashed"' if outcome == NOT_RUN else '"rounded,filled"'
        extra[node_id] = (f'class="st-{outcome}", fillcolor="{fill}", color="{border}", fontcolor="{text}", '
                          f'penwidth={1 if outcome == NOT_RUN else 2}, style={style}, '
                          f'href="#{state_anchor(name)}", tooltip="{LABELS[outcome]}"')
    try:
        svg = render(graph, "svg", extra).decode("utf-8")
    except (GraphvizMissing, RuntimeError) as error:
        raise GraphUnavailable(str(error)) from None
    return _STRIP.sub("", svg).strip()
