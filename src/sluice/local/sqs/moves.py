"""Dead-letter queue redrive: SQS message move tasks (`StartMessageMoveTask`, `ListMessageMoveTasks`,
`CancelMessageMoveTask`).

AWS's rules (SQS API Reference, "StartMessageMoveTask"; Developer Guide, "Configuring a
dead-letter queue redrive"):

- the source must be the dead-letter queue of another queue ("Source queue must be configured as
  a Dead Letter Queue.", `InvalidParameterValue`); a queue that does not exist is
  `ResourceNotFoundException`, for `SourceArn` and `DestinationArn` alike;
- without `DestinationArn` each message goes back to the queue it was dead-lettered from (its
  `DeadLetterQueueSourceArn`), otherwise to the destination;
- one active task per source queue; `MaxNumberOfMessagesPerSecond` is 1 to 500;
- `ListMessageMoveTasks` lists the most recent tasks first (`MaxResults` 1 to 10, default 1);
  `TaskHandle` is only shown for a task that is still `RUNNING`.

Locally a task moves what the queue holds when it starts (`ApproximateNumberOfMessagesToMove`:
its visible messages; messages in flight stay), all at once at that virtual moment: the moved
messages arrive at once and wake their queues' pollers. `MaxNumberOfMessagesPerSecond` is
validated and reported but does not spread the move over time, so a task is `COMPLETED` when
`StartMessageMoveTask` returns (and `CancelMessageMoveTask` finds nothing running to cancel). A
message that cannot go back — no destination given and no source queue recorded, or its source
queue deleted — stays in the dead-letter queue and the task ends `FAILED` with the reason.

Example:
    >>> task = moves.start(dlq_arn)          # back to the queues the messages came from
    >>> moves.list(dlq_arn)[0].entry()["Status"]
    'COMPLETED'
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from sluice.local.sqs.queues import Queues, SqsError, invalid
from sluice.local.trace import FAILED

RUNNING, COMPLETED, CANCELLED, FAILED_STATUS = "RUNNING", "COMPLETED", "CANCELLED", "FAILED"
MAX_RATE = 500
MAX_LISTED = 10


@dataclass
class MoveTask:
    """One message move task, as `ListMessageMoveTasks` shows it."""

    handle: str
    source_arn: str
    destination_arn: str | None
    rate: int | None
    started_at: float
    to_move: int
    moved: int = 0
    status: str = RUNNING
    failure: str | None = None

    def entry(self) -> dict[str, Any]:
        """The `ListMessageMoveTasksResultEntry`."""
        found: dict[str, Any] = {"Status": self.status, "SourceArn": self.source_arn,
                                 "ApproximateNumberOfMessagesMoved": self.moved,
                                 "ApproximateNumberOfMessagesToMove": self.to_move,
                                 "StartedTimestamp": round(self.started_at * 1000)}
        if self.status == RUNNING:
            found["TaskHandle"] = self.handle
        if self.destination_arn is not None:
            found["DestinationArn"] = self.destination_arn
        if self.rate is not None:
            found["MaxNumberOfMessagesPerSecond"] = self.rate
        if self.failure is not None:
            found["FailureReason"] = self.failure
        return found


class MessageMoves:
    """The message move tasks of the stack's queues."""

    def __init__(self, queues: Queues, *, account: str) -> None:
        self.queues = queues
        self.account = account
        self._tasks: list[MoveTask] = []

    def start(self, source_arn: str, destination_arn: str | None = None, rate: int | None = None) -> MoveTask:
        """Start (and here, run) a task moving the dead-letter queue `source_arn`'s messages."""
        source = self._queue(source_arn, "SourceArn")
        if not self.queues.dead_letter_sources(source_arn):
            raise invalid("Source queue must be configured as a Dead Letter Queue.")
        destination = None if destination_arn is None else self._queue(destination_arn, "DestinationArn")
        if rate is not None and not 1 <= rate <= MAX_RATE:
            raise invalid(f"Value {rate} for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: Must be "
                          f"between 1 and {MAX_RATE}, if provided.")
        if any(task.source_arn == source_arn and task.status == RUNNING for task in self._tasks):
            raise invalid("There is already a task running. Only one active task is allowed for a source queue arn "
                          "at a given time.")
        now = self.queues.now()
        waiting = [message for message in self.queues.peek(source) if message.available(now)]
        task = MoveTask(_handle(source_arn, len(self._tasks)), source_arn, destination_arn, rate, now, len(waiting))
        self._tasks.append(task)
        activity = self.queues.trace.record("delivery", f"SQS {source}: message move task to "
                                                 f"{destination or 'the source queues'} ({len(waiting)} messages)")
        for message in waiting:
            target = destination or self._owned((message.dead_letter_source or "").rsplit(":", 1)[-1])
            if target is None:
                task.status, task.failure = FAILED_STATUS, (
                    f"Message {message.message_id} has no source queue to return to: it was not moved to "
                    f"{source} by a redrive policy, or that queue no longer exists. Give a DestinationArn.")
                activity.status = FAILED
                activity.title += f" failed: {task.failure}"
                return task
            self.queues.redrive(source, message, target, activity=activity)
            task.moved += 1
        task.status = COMPLETED
        return task

    def list(self, source_arn: str, max_results: int = 1) -> list[MoveTask]:
        """The most recent tasks of the queue `source_arn`, newest first."""
        self._queue(source_arn, "SourceArn")
        if not 1 <= max_results <= MAX_LISTED:
            raise invalid(f"Value {max_results} for parameter MaxResults is invalid. Reason: You must enter a number "
                          f"that's between 1 and {MAX_LISTED}.")
        return [task for task in reversed(self._tasks) if task.source_arn == source_arn][:max_results]

    def cancel(self, handle: str) -> MoveTask:
        """Cancel a running task; every task here has finished by the time its handle is known."""
        task = next((task for task in self._tasks if task.handle == handle), None)
        if task is None:
            raise SqsError("ResourceNotFoundException", "The resource that you specified for the TaskHandle "
                           "parameter doesn't exist.")
        if task.status != RUNNING:
            raise SqsError("AWS.SimpleQueueService.UnsupportedOperation",
                           f"Only tasks in RUNNING status can be cancelled; this one is {task.status}.",
                           query_code="UnsupportedOperation")
        task.status = CANCELLED
        return task

    def _queue(self, arn: str, parameter: str) -> str:
        parts = arn.split(":")
        name = self._owned(parts[-1]) if len(parts) == 6 and parts[:3] == ["arn", "aws", "sqs"] \
            and parts[4] == self.account else None
        if name is None:
            raise SqsError("ResourceNotFoundException",
                           f"The resource that you specified for the {parameter} parameter doesn't exist.")
        return name

    def _owned(self, name: str) -> str | None:
        return name if name and self.queues.owns(name) else None


def _handle(source_arn: str, serial: int) -> str:
    """An opaque task handle (AWS's are base64 JSON naming the task and its source queue)."""
    document = json.dumps({"taskId": f"sluice-move-{serial}", "sourceArn": source_arn}, separators=(",", ":"))
    return base64.b64encode(document.encode()).decode()
