"""`Late`: a collaborator handed to a constructor before it exists, bound once when it does.

The local world has cycles no construction order breaks: a rule target or a Lambda destination may
be EventBridge or Lambda, whose deliveries go through the `Deliverer` in turn (deliverer ↔ router,
deliverer ↔ asynchronous invoker), and the engine's Task dispatcher stops executions of the engine
it is given to. `sluice.local.builder` passes a `Late` to the first constructor and binds it right
after building the other side: no attribute is patched after construction, and a use before the
binding (a bug of the builder) fails with a clear error instead of an `AttributeError` on None.

Example:
    >>> router: Late[EventRouter] = Late("the event router")
    >>> deliverer = Deliverer(..., router=router)            # calls router() when it delivers
    >>> router.bind(EventRouter(rules, deliver=deliverer.target, ...))
"""

from __future__ import annotations

from typing import Generic, TypeVar

from sluice.local.errors import StackError

T = TypeVar("T")


class Late(Generic[T]):
    """A value bound once, after the objects that call it were built; call it to get the value."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._value: T | None = None

    def bind(self, value: T) -> T:
        if self._value is not None:
            raise StackError(f"{self.what} is bound already")
        self._value = value
        return value

    def __call__(self) -> T:
        if self._value is None:
            raise StackError(f"{self.what} is used before the stack has built it")
        return self._value
