"""Delivery faults: an event arrives twice, N times at once, late, or out of order.

Two seams carry every pushed event of the stack, without changing how it is delivered:

- `FaultyInvoker` (Lambda's asynchronous-invocation queue): every event S3, EventBridge and SNS
  push to a function, and every `Invoke` with `InvocationType=Event`. Each extra copy is a new
  asynchronous invocation with its own request id, as a redelivery is on AWS ("EventBridge
  delivers at least once"; "S3 event notifications are delivered at least once").
- `faulty_targets` (EventBridge rule targets other than functions: state machines, queues,
  streams, topics, buses), wrapping the router's `deliver`.

Copies and late events run on the virtual clock. Everything held back is delivered in the end;
nothing is lost. Pollers (SQS, Kinesis) read their source again on failure, so their duplicates
come from the source itself and are not injected here.

Example:
    >>> stack.faults.duplicate("IngestFunction", copies=3)
    >>> stack.faults.reorder("Pipeline", window=30, order="shuffle")
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sluice.local.lambda_.async_invoke import AsyncInvoker

if TYPE_CHECKING:
    from sluice.local.eventbridge.bus import Deliver
    from sluice.local.eventbridge.rules import Rule, Target
    from sluice.local.faults.api import Faults
    from sluice.local.faults.rules import DeliveryFault

Send = Callable[[], None]


class DeliveryFaults:
    """Applies the delivery rules of `faults` to one delivery (`send`) bound for a target."""

    def __init__(self, faults: Faults) -> None:
        self.faults = faults

    def deliver(self, target_arn: str, send: Callable[[int], None]) -> None:
        """Deliver through `send(copy)` (copy 0 is the original) as the rules say."""
        logical = self.faults.names(target_arn) or target_arn
        rule = next((rule for rule in self.faults.deliveries
                     if rule.target == logical and rule.budget.take(self.faults.random)), None)
        if rule is None:
            send(0)
            return
        loop, effect = self.faults.loop, rule.effect
        if effect in {"duplicate", "concurrent"}:
            spacing = rule.delay if effect == "duplicate" else 0.0
            self.faults.record("delivery", logical, f"{effect}: {rule.copies} copies", copies=rule.copies)
            send(0)
            for copy in range(1, rule.copies):
                if spacing:
                    loop.call_later(spacing, send, copy)
                else:
                    send(copy)
        elif effect == "delay":
            self.faults.record("delivery", logical, f"delayed {rule.delay:g}s", delay=rule.delay)
            loop.call_later(rule.delay, send, 0)
        else:
            self._hold(rule, logical, lambda: send(0))

    def _hold(self, rule: DeliveryFault, logical: str, send: Send) -> None:
        if not rule.held:
            self.faults.loop.call_later(rule.window, self._release, rule, logical)
        rule.held.append(send)

    def _release(self, rule: DeliveryFault, logical: str) -> None:
        held, rule.held = rule.held, []
        order = list(range(len(held)))
        if rule.order == "shuffle":
            self.faults.random.shuffle(order)
        else:
            order.reverse()
        self.faults.record("delivery", logical, f"reordered {len(held)} events ({rule.order}): {order}",
                           order=order)
        for index in order:
            held[index]()


class FaultyInvoker(AsyncInvoker):
    """Lambda's asynchronous-invocation queue, with delivery faults applied as events enter it."""

    def __init__(self, *args: Any, faults: DeliveryFaults, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.delivery_faults = faults

    def submit(self, function: str, event: Any, *, request_id: str | None = None, version: str | None = None,
               invoked_arn: str | None = None) -> str:
        """Queue an event; returns the request id of the original (copies get their own)."""
        local = self.runtime.function(function)  # FunctionNotFound at once, as the Invoke API
        first = request_id or self.runtime.new_request_id()

        def send(copy: int) -> None:
            super(FaultyInvoker, self).submit(function, event,
                                              request_id=first if copy == 0 else self.runtime.new_request_id(),
                                              version=version, invoked_arn=invoked_arn)

        self.delivery_faults.deliver(local.spec.arn, send)
        return first


def faulty_targets(deliver: Deliver, faults: DeliveryFaults) -> Deliver:
    """The router's `deliver`, with delivery faults for targets that are not functions (those
    pass through to the invoker, which applies them)."""

    def deliver_target(rule: Rule, target: Target, payload: Any, event: dict[str, Any]) -> None:
        if ":lambda:" in target.arn:
            deliver(rule, target, payload, event)
            return
        faults.deliver(target.arn, lambda _copy: deliver(rule, target, payload, event))

    return deliver_target
