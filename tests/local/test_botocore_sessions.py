"""A botocore session made inside a stack holds the same built-in handlers as one made outside,
in an emitter of its own (sluice.local.adapters.botocore_sessions relies on botocore internals)."""

from __future__ import annotations

import doctest
from typing import Any

import botocore
import botocore.session
from botocore import handlers
from botocore.hooks import HierarchicalEmitter

from sluice.local.adapters import botocore_sessions
from sluice.local.adapters.botocore_sessions import SUPPORTED_BOTOCORE, copied_builtin_handlers


def handlers_of(session: botocore.session.Session) -> list[tuple[str, str, Any]]:
    """The session emitter's registrations, in order: (event name, section, handler). A closure is
    named by its code: session initializers (Powertools registers one) make a new one per session."""
    found: list[tuple[str, str, Any]] = []

    def walk(node: dict[str, Any], path: tuple[str, ...]) -> None:
        values = node.get("values")
        for section in ("first", "middle", "last"):
            found.extend((".".join(path), section, getattr(handler, "__code__", handler))
                         for handler in (getattr(values, section) if values is not None else []))
        for chunk, child in node["children"].items():
            walk(child, (*path, chunk))

    walk(session._events._emitter._handlers._root, ())  # type: ignore[attr-defined]
    return found


def test_a_session_made_inside_holds_the_builtin_handlers_in_the_same_order() -> None:
    outside = botocore.session.Session()
    with copied_builtin_handlers():
        inside = botocore.session.Session()
    assert handlers_of(inside) == handlers_of(outside)
    assert len(handlers_of(inside)) >= len(handlers.BUILTIN_HANDLERS), "the built-in handlers are registered"


def test_each_session_has_its_own_emitter() -> None:
    marked: list[str] = []

    def marker(**kwargs: Any) -> None:
        marked.append(kwargs["event_name"])

    with copied_builtin_handlers():
        first, second = botocore.session.Session(), botocore.session.Session()
    first.register("sluice-test.marked", marker)
    first.emit("sluice-test.marked")
    second.emit("sluice-test.marked")
    assert marked == ["sluice-test.marked"]
    assert handlers_of(second) == handlers_of(botocore.session.Session())


def test_handlers_added_to_the_builtins_later_are_in_the_next_session() -> None:
    def added(**kwargs: Any) -> None:
        return None

    with copied_builtin_handlers():
        botocore.session.Session()
        handlers.BUILTIN_HANDLERS.append(("sluice-test.added", added))
        try:
            later = botocore.session.Session()
        finally:
            handlers.BUILTIN_HANDLERS.remove(("sluice-test.added", added))
    assert added in [handler for handler, _ in later.emit("sluice-test.added")]


def test_a_session_given_its_own_event_hooks_keeps_them() -> None:
    hooks = HierarchicalEmitter()
    with copied_builtin_handlers():
        session = botocore.session.Session(event_hooks=hooks)
        bare = botocore.session.Session(include_builtin_handlers=False)
    assert session._events._emitter is hooks  # type: ignore[attr-defined]
    assert handlers_of(session) == handlers_of(botocore.session.Session())
    assert len(handlers_of(bare)) < len(handlers.BUILTIN_HANDLERS)  # at most the initializers' own


def test_sessions_made_after_the_block_register_as_botocore_does() -> None:
    with copied_builtin_handlers():
        pass
    assert botocore.session.Session.__init__.__module__ == "botocore.session"


def test_it_is_tested_with_this_botocore() -> None:
    assert botocore.__version__.startswith(SUPPORTED_BOTOCORE)


def test_the_usage_example_holds() -> None:
    result = doctest.testmod(botocore_sessions)
    assert result.attempted > 0
    assert result.failed == 0

