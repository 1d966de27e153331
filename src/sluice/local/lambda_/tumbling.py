"""Tumbling windows of a stream mapping (`TumblingWindowInSeconds`, 1 to 900; 0 is none): state
carried across invocations within a window ("Implementing stateful Kinesis Data Streams
processing in Lambda", "... DynamoDB Streams processing ...").

What AWS documents, and this module encodes:

- every record belongs to one window; windows are fixed, back to back, and aligned on the epoch
  (a 120 s window runs 07:04:00 to 07:06:00), by the record's arrival (Kinesis
  `approximateArrivalTimestamp`, DynamoDB `ApproximateCreationDateTime`) on the virtual clock;
- the event is the batch's `Records` plus `window` {`start`, `end`} (ISO 8601, UTC), `state` (what
  the function returned as `state` the previous time in this window and shard; `{}` at a new
  window), `shardId`, `eventSourceARN`, `isFinalInvokeForWindow` and `isWindowTerminatedEarly`
  (the `KinesisTimeWindowEvent`/`DynamodbTimeWindowEvent` examples);
- the response is `{"state": {...}, "batchItemFailures": [...]}`: "If the response does not
  contain a state property, Lambda considers this a failed invocation";
- once the window's end has passed and its records are processed, the function is invoked once
  more with `isFinalInvokeForWindow: true` (here with no records: it is for the aggregate) — "If
  invocation is unsuccessful, your Lambda function suspends further processing until a successful
  invocation"; then the state is dropped;
- "Your state can be a maximum of 1 MB per shard. If it exceeds that size, Lambda terminates the
  window early": the state over 1 MB is dropped and the window continues with a fresh state, every
  later invocation of it saying `isWindowTerminatedEarly: true` (the flag's description in AWS's
  event libraries: "Subsequent invoke will continue the same window with a fresh state").

Example:
    >>> window = Window(start=window_start(1607497475.0, 120), seconds=120)
    >>> window.event([], shard_id="shardId-000000000000", source_arn=arn, final=False)["window"]
    {'start': '2020-12-09T07:04:00Z', 'end': '2020-12-09T07:06:00Z'}
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

#: "Your state can be a maximum of 1 MB per shard."
STATE_LIMIT = 1_048_576
MAX_WINDOW = 900


@dataclass
class Window:
    """An open window of a shard: its start, and the state the function returned so far."""

    start: float
    seconds: int
    state: dict[str, Any] = field(default_factory=dict)
    terminated_early: bool = False

    @property
    def end(self) -> float:
        return self.start + self.seconds

    @property
    def label(self) -> str:
        """The window as trace titles and reports name it."""
        return f"{_iso(self.start)} to {_iso(self.end)}"

    def holds(self, arrival: float) -> bool:
        """Whether a record that arrived at `arrival` belongs to this window."""
        return self.start <= arrival < self.end

    def event(self, records: list[dict[str, Any]], *, shard_id: str, source_arn: str, final: bool) -> dict[str, Any]:
        """The function's event for `records` of this window."""
        return {
            "Records": records,
            "window": {"start": _iso(self.start), "end": _iso(self.end)},
            "state": self.state,
            "shardId": shard_id,
            "eventSourceARN": source_arn,
            "isFinalInvokeForWindow": final,
            "isWindowTerminatedEarly": self.terminated_early,
        }

    def took(self, result: Any) -> bool:
        """Keep the `state` of the function's response; False when it has none (a failed invocation)."""
        if not isinstance(result, dict) or "state" not in result:
            return False
        state = result["state"] or {}
        if not isinstance(state, dict):
            return False
        if len(json.dumps(state, default=str).encode()) > STATE_LIMIT:
            self.state, self.terminated_early = {}, True
        else:
            self.state = state
        return True


def window_start(arrival: float, seconds: int) -> float:
    """The start of the window a record that arrived at `arrival` (epoch seconds) belongs to."""
    return math.floor(arrival / seconds) * seconds


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
