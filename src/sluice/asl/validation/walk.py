"""Walking a definition: its (sub-)workflows, their states, and where each one is.

A definition holds one workflow at the top plus one per Parallel branch and per Map
`ItemProcessor` (or legacy `Iterator`), nested to any depth. Every rule works on a `StateContext`:
the state's body, its JSON pointer and its *effective* query language.

The query language is decided as AWS does (measured with ValidateStateMachineDefinition):
a state uses its own `QueryLanguage` if it has one, otherwise the top-level one — a `QueryLanguage`
on a Map or Parallel state is *not* inherited by the states of its branches or item processor.
A value other than exactly `"JSONPath"` counts as JSONata (its enum error is reported separately).

Example:
    >>> [m.pointer for m in iter_workflows({"StartAt": "P", "States": {"P": {"Type": "Parallel",
    ...     "Branches": [{"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}], "End": True}}})]
    ['', '/States/P/Branches[0]']
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

JSONPATH = "JSONPath"
JSONATA = "JSONata"


def pointer(base: str, *parts: str | int) -> str:
    """Extend a pointer AWS-style: names as `/Name`, array positions as `[i]`."""
    for part in parts:
        base += f"[{part}]" if isinstance(part, int) else f"/{part}"
    return base


def language_of(container: Mapping[str, Any], default: str) -> str:
    if "QueryLanguage" not in container:
        return default
    return JSONPATH if container["QueryLanguage"] == JSONPATH else JSONATA


@dataclass(frozen=True)
class Workflow:
    """A top-level definition, a Parallel branch or a Map item processor."""

    body: Mapping[str, Any]
    pointer: str  # "" for the top level
    kind: str  # "top", "branch" or "processor"

    @property
    def states(self) -> Mapping[str, Any]:
        states = self.body.get("States")
        return states if isinstance(states, Mapping) else {}


@dataclass(frozen=True)
class StateContext:
    """One state as the rules see it."""

    name: str
    body: Mapping[str, Any]
    pointer: str  # e.g. "/States/P/Branches[0]/States/A"
    language: str
    top_language: str
    workflow: Workflow

    @property
    def type(self) -> str | None:
        value = self.body.get("Type")
        return value if isinstance(value, str) else None

    def at(self, *parts: str | int) -> str:
        return pointer(self.pointer, *parts)


def iter_workflows(definition: Mapping[str, Any]) -> Iterator[Workflow]:
    """The top-level workflow, then every nested one in document order."""
    yield from _workflows(Workflow(definition, "", "top"))


def _workflows(workflow: Workflow) -> Iterator[Workflow]:
    yield workflow
    for name, state in workflow.states.items():
        if not isinstance(state, Mapping):
            continue
        base = pointer(workflow.pointer, "States", name)
        branches = state.get("Branches")
        if state.get("Type") == "Parallel" and isinstance(branches, list):
            for index, branch in enumerate(branches):
                if isinstance(branch, Mapping):
                    yield from _workflows(Workflow(branch, pointer(base, "Branches", index), "branch"))
        if state.get("Type") == "Map":
            for field in ("ItemProcessor", "Iterator"):
                processor = state.get(field)
                if isinstance(processor, Mapping):
                    yield from _workflows(Workflow(processor, pointer(base, field), "processor"))


def iter_states(workflow: Workflow, top_language: str) -> Iterator[StateContext]:
    for name, body in workflow.states.items():
        if isinstance(body, Mapping):
            yield StateContext(
                name=name,
                body=body,
                pointer=pointer(workflow.pointer, "States", name),
                language=language_of(body, top_language),
                top_language=top_language,
                workflow=workflow,
            )
