"""A state machine as boxes and arrows: nodes, nested blocks (Map, Parallel) and typed edges.

Built from the engine's compiled states (`sluice.asl.program.Program`), so the picture follows
the same reading of the definition as the engine does. Edge kinds follow the console's drawing:
`next`, `choice` (labelled with the rule), `default`, `catch` (labelled with the errors) and
`retry` (a loop labelled with MaxAttempts). Renderers (`mermaid`, `dot`) only lay it out.

Example:
    >>> graph = build_graph(load_workflow("statemachines/stream_batch.asl.json"))
    >>> [edge.label for edge in graph.edges if edge.kind == "choice"][:1]
    ['$.records[0] is present']
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sluice.asl.program import Program
from sluice.asl.states.base import State
from sluice.asl.states.choice import ChoiceState
from sluice.asl.states.map import MapState
from sluice.asl.states.parallel import ParallelState
from sluice.asl.states.task import TaskState
from sluice.graph.functions import function_label
from sluice.graph.rules import describe_rule
from sluice.graph.source import Workflow

NEXT, CHOICE, DEFAULT, CATCH, RETRY = "next", "choice", "default", "catch", "retry"
START, END = "Start", "End"


@dataclass(frozen=True)
class Node:
    id: str
    name: str
    type: str  # an ASL state type, or Start / End
    detail: str = ""  # what the state does: "λ FileValidateFunction", "sns:publish", "30 s"


@dataclass
class Block:
    """A nested workflow drawn as a frame: a Map's item processor, a Parallel or one of its branches."""

    id: str
    title: str
    nodes: list[Node] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)

    def anchor(self) -> str:
        """A node inside the frame, for renderers whose edges must end on a node (Graphviz)."""
        return self.nodes[0].id if self.nodes else self.blocks[0].anchor()

    def walk_nodes(self) -> Iterator[Node]:
        yield from self.nodes
        for block in self.blocks:
            yield from block.walk_nodes()


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    kind: str
    label: str = ""


@dataclass
class Graph:
    title: str
    root: Block
    edges: list[Edge]

    def block_ids(self) -> dict[str, Block]:
        found: dict[str, Block] = {}
        stack = list(self.root.blocks)
        while stack:
            block = stack.pop()
            found[block.id] = block
            stack.extend(block.blocks)
        return found


def build_graph(workflow: Workflow) -> Graph:
    builder = _Builder(workflow)
    root = Block("root", workflow.name)
    start = Node("n_start", START, START)
    root.nodes.append(start)
    ids = builder.flow(workflow.program, root)
    builder.edges.insert(0, Edge(start.id, ids[workflow.program.start_at], NEXT))
    ends = [name for name, state in workflow.program.states.items() if _ends(state)]
    if ends:
        end = Node("n_end", END, END)
        root.nodes.append(end)
        builder.edges.extend(Edge(ids[name], end.id, NEXT) for name in ends)
    return Graph(f"{workflow.name} ({workflow.type})", root, builder.edges)


def _ends(state: State) -> bool:
    return state.TYPE == "Succeed" or (state.TYPE not in ("Choice", "Fail") and bool(state.spec.get("End")))


class _Builder:
    def __init__(self, workflow: Workflow) -> None:
        self.workflow = workflow
        self.edges: list[Edge] = []
        self._count = 0

    def _id(self) -> str:
        self._count += 1
        return f"s{self._count}"

    def flow(self, program: Program, block: Block) -> dict[str, str]:
        """Add the program's states to `block`; return state name -> node or frame id."""
        ids: dict[str, str] = {}
        for name, state in program.states.items():
            if isinstance(state, MapState):
                frame = Block(self._id(), _frame_title(state, "Map" + (" (distributed)" if state.distributed else "")))
                self.flow_into(state.program, frame)
                block.blocks.append(frame)
                ids[name] = frame.id
            elif isinstance(state, ParallelState):
                frame = Block(self._id(), _frame_title(state, "Parallel"))
                for index, branch in enumerate(state.branches, start=1):
                    lane = Block(self._id(), f"branch {index}")
                    self.flow_into(branch, lane)
                    frame.blocks.append(lane)
                block.blocks.append(frame)
                ids[name] = frame.id
            else:
                node = Node(self._id(), name, state.TYPE, self._detail(state))
                block.nodes.append(node)
                ids[name] = node.id
        for name, state in program.states.items():
            self._transitions(state, ids[name], ids)
        return ids

    def flow_into(self, program: Program, block: Block) -> None:
        """A nested workflow: its StartAt is the first node drawn in the frame."""
        first = self.flow(program, block)[program.start_at]
        block.nodes.sort(key=lambda node: node.id != first)  # stable: only the start moves
        block.blocks.sort(key=lambda frame: frame.id != first)

    def _transitions(self, state: State, source: str, ids: dict[str, str]) -> None:
        if isinstance(state, ChoiceState):
            for rule, _ in state.rules:
                self.edges.append(Edge(source, ids[rule["Next"]], CHOICE, describe_rule(rule)))
            if state.default is not None:
                self.edges.append(Edge(source, ids[state.default], DEFAULT, "Default"))
            return
        if state.next is not None:
            self.edges.append(Edge(source, ids[state.next], NEXT))
        if not isinstance(state, MapState | ParallelState):  # frames carry their retries in the title
            for retrier in state.retriers:
                self.edges.append(Edge(source, source, RETRY, f"retry x{retrier.max_attempts}: "
                                                               f"{_errors(retrier.error_equals)}"))
        for catcher in state.catchers:
            self.edges.append(Edge(source, ids[catcher.next], CATCH, f"catch: {_errors(catcher.error_equals)}"))

    def _detail(self, state: State) -> str:
        spec = state.spec
        if isinstance(state, TaskState):
            return function_label(state, self.workflow.template)
        if state.TYPE == "Wait":
            for key in ("Seconds", "SecondsPath", "Timestamp", "TimestampPath"):
                if key in spec:
                    value = spec[key]
                    return f"{value} s" if key == "Seconds" else f"until {value}" if key.startswith("Time") \
                        else f"{value} s"
        if state.TYPE == "Fail" and "Error" in spec:
            return str(spec["Error"])
        return ""


def _frame_title(state: State, kind: str) -> str:
    extras = []
    spec = state.spec
    concurrency = spec.get("MaxConcurrency", spec.get("MaxConcurrencyPath"))
    if concurrency is not None:
        extras.append(f"max concurrency {concurrency}")
    if "ItemReader" in spec:
        extras.append(f"items from {spec['ItemReader'].get('Resource', '').rsplit(':', 1)[-1]}")
    if state.retriers:
        extras.append("retry x" + "/".join(str(r.max_attempts) for r in state.retriers))
    return f"{state.name} · {kind}" + (f" ({', '.join(extras)})" if extras else "")


def _errors(names: tuple[str, ...]) -> str:
    return names[0] if len(names) == 1 else f"{names[0]} +{len(names) - 1}"


def compact(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
