"""`sluice graph`: a state machine as a picture (Mermaid text, SVG, PNG).

Example:
    >>> from sluice.graph import build_graph, load_workflow, to_mermaid
    >>> print(to_mermaid(build_graph(load_workflow("statemachines/file_pipeline.asl.json"))))
"""

from sluice.graph.dot import GraphvizMissing, render, to_dot
from sluice.graph.mermaid import to_mermaid
from sluice.graph.model import Block, Edge, Graph, Node, build_graph
from sluice.graph.source import Workflow, WorkflowError, load_template, load_workflow, template_workflows

__all__ = [
    "Block",
    "Edge",
    "Graph",
    "GraphvizMissing",
    "Node",
    "Workflow",
    "WorkflowError",
    "build_graph",
    "load_template",
    "load_workflow",
    "render",
    "template_workflows",
    "to_dot",
    "to_mermaid",
]
