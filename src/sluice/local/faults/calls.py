"""API faults at the botocore hooks: the stack's call listener, with faults first.

`FaultyCalls` wraps the stack's listener (`Reactions`). Before a call is sent, an armed crash
point may end the invocation making it, then an API fault may answer it with an AWS error (before
anything else, Lambda's in-process `Invoke` included); after it returned, the wrapped listener
observes it (so its effects are wired as usual) and only then may a crash point end the invocation.

Example:
    >>> with listening(FaultyCalls(faults, guard, reactions)):
    ...     boto3.client("s3").put_object(...)   # may raise ClientError(SlowDown)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sluice.local.hooks import ApiCall, CallListener

if TYPE_CHECKING:
    from sluice.local.faults.api import Faults
    from sluice.local.faults.functions import InvocationGuard


class FaultyCalls:
    """A `CallListener` injecting API faults and call-bound function faults around `inner`."""

    def __init__(self, faults: Faults, guard: InvocationGuard, inner: CallListener) -> None:
        self.faults = faults
        self.guard = guard
        self.inner = inner

    def intercept(self, call: ApiCall) -> tuple[Any, dict[str, Any]] | None:
        self.guard.before_call(call.service, call.operation)
        error = self.faults.api_error(call.service, call.operation, call.params)
        if error is not None:
            return error.response()
        return self.inner.intercept(call)

    def observe(self, call: ApiCall) -> None:
        self.inner.observe(call)
        if call.ok:
            self.guard.after_call(call.service, call.operation)
