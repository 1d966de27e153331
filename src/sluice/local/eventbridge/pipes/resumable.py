"""A pipe's stream source that can stop and start again where it was (`StopPipe`/`StartPipe`,
`UpdatePipe`): Kinesis and DynamoDB Streams sources are this.

A stopped pipe keeps its place in each shard — like a disabled event source mapping, which
"resumes polling from where it stopped" when enabled again — so the pipe built when it starts
again (or with an updated definition) reads on from the `positions` of the one it replaces, not
from its `StartingPosition`: records written while it was stopped are read then, none twice.

Example:
    >>> later = KinesisPipeSource(host, updated_spec, Pipeline(updated_spec, host), resume=source.positions())
    >>> later.start()      # reads on from where `source` was
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sluice.local.eventbridge.pipes.pipeline import Pipeline
from sluice.local.eventbridge.pipes.spec import PipeSpec
from sluice.local.eventbridge.pipes.streams import StreamPipeSource
from sluice.local.lambda_.stream_poller import ShardStream
from sluice.local.sources import SourceHost

#: Where a stream source is: per shard, the sequence number each of its lanes (`ParallelizationFactor`)
#: was read up to (None: nothing read yet).
Positions = Mapping[str, Sequence[str | None]]


class ResumableStreamSource(StreamPipeSource):
    """A `StreamPipeSource` that starts at `resume` (when given) and stops for good on `close`."""

    def __init__(self, host: SourceHost, spec: PipeSpec, pipeline: Pipeline, stream: ShardStream, *,
                 resume: Positions | None = None) -> None:
        super().__init__(host, spec, pipeline, stream)
        for shard_id, kept in (resume or {}).items():
            shard = self.shards.get(shard_id)
            if shard is None:
                continue
            checkpoints = list(kept)
            if len(checkpoints) != len(shard.lanes):
                # The partition keys were spread over another number of lanes: every lane reads on
                # from where all of them were done (records some lane had passed may come again:
                # at least once, as AWS promises, never lost).
                done = None if any(checkpoint is None for checkpoint in checkpoints) else \
                    min((checkpoint for checkpoint in checkpoints if checkpoint is not None), key=int)
                checkpoints = [done] * len(shard.lanes)
            for lane, checkpoint in zip(shard.lanes, checkpoints, strict=True):
                lane.checkpoint = checkpoint

    def positions(self) -> dict[str, list[str | None]]:
        return {shard_id: [lane.checkpoint for lane in shard.lanes] for shard_id, shard in self.shards.items()}

    def start(self) -> None:
        """Read what the shards already hold past their positions (a pipe created or started)."""
        for shard_id in self.shards:
            self.written(shard_id)

    def close(self) -> None:
        # A closed source may still be called back by its stream (its watch is never removed): it
        # must not read again, or a stopped or replaced pipe would deliver through its old definition.
        self.enabled = False
        super().close()
