"""Workflow variables (`Assign`) and their scopes.

AWS scoping: a Parallel branch or Map iteration sees the variables of the scopes around it, but
what it assigns stays inside it; a Distributed Map's child workflows start from an empty scope
(they are separate executions). All `Assign` expressions of one state are evaluated against the
values from *before* the state, then stored together.

Example:
    >>> outer = Scope()
    >>> outer.assign({"x": 1})
    >>> inner = outer.child()
    >>> inner.assign({"y": 2})
    >>> inner.lookup("x"), "y" in outer
    (1, False)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class Scope:
    """One level of variables, chained to the enclosing level."""

    __slots__ = ("_parent", "_values")

    def __init__(self, parent: Scope | None = None) -> None:
        self._parent = parent
        self._values: dict[str, Any] = {}

    def child(self) -> Scope:
        return Scope(self)

    def assign(self, values: Mapping[str, Any]) -> None:
        self._values.update(values)

    def __contains__(self, name: str) -> bool:
        scope: Scope | None = self
        while scope is not None:
            if name in scope._values:
                return True
            scope = scope._parent
        return False

    def lookup(self, name: str) -> Any:
        """The value of `$name`; KeyError when no scope defines it."""
        scope: Scope | None = self
        while scope is not None:
            if name in scope._values:
                return scope._values[name]
            scope = scope._parent
        raise KeyError(name)

    def visible(self) -> dict[str, Any]:
        """Every visible variable, inner scopes shadowing outer ones (JSONata bindings)."""
        chain: list[Scope] = []
        scope: Scope | None = self
        while scope is not None:
            chain.append(scope)
            scope = scope._parent
        merged: dict[str, Any] = {}
        for level in reversed(chain):
            merged.update(level._values)
        return merged
