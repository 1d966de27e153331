"""The one adapter to botocore's `Session` internals: a new session starts from a copy of the
built-in event handlers instead of registering them one by one.

Why: every botocore `Session` registers botocore's ~250 built-in handlers (`BUILTIN_HANDLERS`) into
a fresh event emitter as it is made, each checked by `inspect` and its event name aliased: about
18 ms, against about 1 ms to copy an emitter that holds them already. On Lambda a function makes
its session once per execution environment; the local stack runs every function of a template in
one process, and each function's cold start makes its own session (as its own environment would),
so a file drop through seven functions paid the registration seven times.

How: a session made inside the block without `event_hooks` (botocore's default) is given, through
that documented parameter, a copy of an emitter into which botocore's own
`Session._register_builtin_handlers` registered the built-ins once. The copy is the emitter's own
`__copy__`, the copy botocore makes of a session's emitter for every client it creates: the same
handlers, in the same order and sections, in a trie of its own. A session that registers more
handlers (Powertools, the X-Ray patch) changes only its own copy. The prepared emitter is made
again whenever `BUILTIN_HANDLERS` changed (moto appends its stubber to it when it is imported).

Relies on `Session._register_builtin_handlers` registering through the session's `register` and
`_events`. Tested with botocore 1.44 (`SUPPORTED_BOTOCORE`; tests/local/test_botocore_sessions.py
compares a session made inside the block with one made outside, handler for handler).

Example:
    >>> import botocore.session
    >>> with copied_builtin_handlers():
    ...     session = botocore.session.Session()     # about 1 ms instead of 18
    >>> session.create_client("sqs", region_name="eu-west-1").meta.region_name
    'eu-west-1'
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# The botocore releases whose Session this adapter was tested against (major.minor).
SUPPORTED_BOTOCORE = ("1.44",)


class _Registrar:
    """What `Session._register_builtin_handlers` uses of a session: `register` and `_events`."""

    def __init__(self, emitter: Any) -> None:
        from botocore.hooks import EventAliaser  # noqa: PLC0415

        self._events = EventAliaser(emitter)  # as `Session.__init__` wraps its emitter

    def register(self, event_name: str, handler: Any, unique_id: Any = None,
                 unique_id_uses_count: bool = False) -> None:
        self._events.register(event_name, handler, unique_id, unique_id_uses_count=unique_id_uses_count)


@contextmanager
def copied_builtin_handlers() -> Iterator[None]:
    """While the block runs, a new botocore `Session` copies its built-in handlers from a prepared
    emitter (see the module docstring)."""
    from botocore import handlers  # noqa: PLC0415 - botocore is loaded by the stack already
    from botocore.hooks import HierarchicalEmitter  # noqa: PLC0415
    from botocore.session import Session  # noqa: PLC0415

    init = vars(Session)["__init__"]
    register_builtins = vars(Session)["_register_builtin_handlers"]  # private: not in the stubs
    prepared: dict[str, Any] = {}  # "builtins": the BUILTIN_HANDLERS it holds; "emitter": the emitter

    def prepared_emitter() -> Any:
        builtins = tuple(handlers.BUILTIN_HANDLERS)
        if prepared.get("builtins") != builtins:
            emitter = HierarchicalEmitter()
            register_builtins(_Registrar(emitter), None)
            prepared.update(builtins=builtins, emitter=emitter)
        return prepared["emitter"]

    def session_init(self: Any, session_vars: Any = None, event_hooks: Any = None,
                     include_builtin_handlers: bool = True, profile: Any = None) -> None:
        if event_hooks is None and include_builtin_handlers:
            event_hooks, include_builtin_handlers = copy.copy(prepared_emitter()), False
        init(self, session_vars, event_hooks, include_builtin_handlers, profile)

    setattr(Session, "__init__", session_init)  # noqa: B010
    try:
        yield
    finally:
        setattr(Session, "__init__", init)  # noqa: B010
