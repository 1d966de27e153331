"""Which messages of a FIFO queue a receive may return, per "Amazon SQS FIFO queue delivery logic":

- within a message group, messages are received strictly in the order they were sent;
- while any message of a group is in flight (received, not deleted, visibility timeout not
  over), no other message of that group is returned — so a group never has a second batch in
  flight, and when the visibility of a failed batch lapses, its earliest message comes back first;
- a receive returns as many messages of one group as it can, then fills up from other groups.

Example:
    >>> [[m.body for m in group] for group in receivable_groups(messages, now)]
    [['a1', 'a2'], ['b1']]
"""

from __future__ import annotations

from collections.abc import Sequence

from sluice.local.sqs.messages import Message


def receivable_groups(messages: Sequence[Message], now: float) -> list[list[Message]]:
    """The messages that may be received now, by group; groups ordered by their oldest message.

    `messages` is the queue in send order."""
    blocked = {message.group_id for message in messages if message.in_flight(now)}
    stopped: set[str | None] = set()
    groups: dict[str | None, list[Message]] = {}
    for message in messages:
        group = message.group_id
        if group in blocked or group in stopped:
            continue
        if not message.available(now):
            # A group's later messages never overtake an earlier one that is not visible yet.
            stopped.add(group)
            continue
        groups.setdefault(group, []).append(message)
    return list(groups.values())
