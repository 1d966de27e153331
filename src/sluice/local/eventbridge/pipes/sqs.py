"""A pipe's SQS source, standard or FIFO ("Amazon SQS as a source" of the Pipes guide).

Batches of up to `BatchSize` messages (10 by default), gathered for up to
`MaximumBatchingWindowInSeconds`, received from sluice's own SQS (`sluice.local.sqs.queues`), so
a FIFO group has one batch at a time and comes back in order. A processed batch is deleted —
filtered-out messages included ("EventBridge automatically removes the message from the queue");
failed messages stay in flight and return when their visibility timeout ends, reaching the
queue's dead-letter queue per its `RedrivePolicy` ("A pipe inherits dead-letter queue behavior
from the source"); with `batchItemFailures`, only the named messages return.

Example:
    >>> stack.send_message("SourceQueue", {"type": "NEW"})
    >>> stack.run_until_idle()           # the pipe's target gets [<the SQS record>]
"""

from __future__ import annotations

from sluice.local.errors import StackError
from sluice.local.eventbridge.pipes.pipeline import Pipeline
from sluice.local.eventbridge.pipes.resumable import Positions
from sluice.local.eventbridge.pipes.spec import PipeSpec
from sluice.local.sources import EventSource, SourceHost, Wakeup
from sluice.local.sqs.poller import receive_batch, sqs_record
from sluice.local.sqs.queues import SqsError
from sluice.local.trace import FAILED


class SqsPipeSource(EventSource):
    """A pipe's poller on a queue. A queue keeps no position for its readers (`resume` is accepted
    for the sources' common signature): messages sent while the pipe was stopped wait in the queue."""

    def __init__(self, host: SourceHost, spec: PipeSpec, pipeline: Pipeline, *,
                 resume: Positions | None = None) -> None:
        self.host = host
        self.spec = spec
        self.pipeline = pipeline
        self.queue_arn = spec.source.arn
        self.queue = self.queue_arn.rsplit(":", 1)[-1]
        self.wakeup = Wakeup(host.clock.loop, self.poll)
        self.closed = False
        try:
            host.queues.listen(self.queue, self._changed)
        except SqsError as error:
            raise StackError(f"queue {self.queue_arn}: {error.message}") from None

    def start(self) -> None:
        """Receive what the queue already holds (a pipe created or started)."""
        self.wakeup.at(0)

    def close(self) -> None:
        # The queue keeps calling its listeners: a stopped or replaced pipe must not poll again.
        self.closed = True
        self.wakeup.cancel()

    def poll(self) -> None:
        """Receive one batch and run it through the pipe."""
        if self.closed:
            return
        queues = self.host.queues
        messages = receive_batch(queues, self.queue, self.spec.source.batch_size)
        if not messages:
            due = queues.next_visible_at(self.queue)  # wake when a message in flight or delayed returns
            if due is not None:
                self.wakeup.at(due - self.host.clock.now())
            return
        parent = messages[0].sender
        activity = self.host.trace.record(
            "batch", f"pipe {self.spec.logical_id}: SQS {self.host.logical_id(self.queue_arn) or self.queue} → "
                     f"{self.host.logical_id(self.spec.target.arn) or self.spec.target.arn} ({len(messages)} "
                     f"message{'s' if len(messages) > 1 else ''})", parent=parent, root=parent is None)
        with self.host.trace.within(activity):
            outcome = self.pipeline.run([sqs_record(message, queue_arn=self.queue_arn, region=self.host.region)
                                         for message in messages])
        for message in messages:
            if message.message_id not in outcome.retry and message.receipt is not None:
                queues.delete(self.queue, message.receipt)
        if not outcome.ok:
            # They come back when their visibility timeout ends (the source sleeps until then).
            activity.status = FAILED
            activity.title += f": {outcome.reason}"
            activity.detail["returned"] = sorted(outcome.retry)
        self.wakeup.at(0)  # there may be more

    def _changed(self, arrived: bool) -> None:
        if not self.closed:
            self.wakeup.at(self.spec.source.window if arrived else 0)
