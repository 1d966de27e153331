"""`sluice state` — what a running `sluice up` holds: objects, items, queue depths (dead-letter
queues marked), stream positions, recent executions and open WebSocket connections.

    $ sluice state                                  # http://127.0.0.1:4566
    $ sluice state --endpoint http://127.0.0.1:4600 --json | jq '.queues[] | select(.dead_letter_queue)'

Exit code 2 when no `sluice up` answers at the endpoint.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from sluice.local.edge.state import WorldState

DEFAULT_ENDPOINT = "http://127.0.0.1:4566"
TIMEOUT_SECONDS = 60


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--endpoint", default=DEFAULT_ENDPOINT,
                        help=f"the endpoint `sluice up` printed (default: {DEFAULT_ENDPOINT})")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace) -> int:
    import urllib.error  # noqa: PLC0415
    import urllib.request  # noqa: PLC0415

    from pydantic import ValidationError  # noqa: PLC0415

    from sluice.commands._io import console, fail  # noqa: PLC0415
    from sluice.local.edge.state import STATE_PATH, WorldState  # noqa: PLC0415

    if not args.endpoint.startswith(("http://", "https://")):
        return fail(f"--endpoint must be the http:// URL `sluice up` printed, not {args.endpoint!r}")
    url = args.endpoint.rstrip("/") + STATE_PATH
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
            state = WorldState.model_validate_json(response.read())
    except urllib.error.HTTPError as error:
        return fail(f"{args.endpoint} answered {error.code} {error.reason}: is it a `sluice up` endpoint?")
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        return fail(f"no `sluice up` answers at {args.endpoint} ({reason})")
    except ValidationError:
        return fail(f"{args.endpoint} is not a `sluice up` endpoint (its {STATE_PATH} is not a world state)")
    if args.json:
        print(state.model_dump_json(indent=2))
    else:
        _show(console(sys.stdout), state)
    return 0


def _show(out: Console, state: WorldState) -> None:
    from rich.table import Table  # noqa: PLC0415

    out.print(f"[bold]sluice up[/bold] at {state.endpoint} ({state.region}), {state.time:%Y-%m-%d %H:%M:%S} UTC")
    buckets = Table("bucket", "name", "objects", "keys", title="S3", title_justify="left")
    for bucket in state.buckets:
        keys = ", ".join(entry.key for entry in bucket.objects[:5]) + (" …" if len(bucket.objects) > 5 else "")
        buckets.add_row(bucket.logical_id, bucket.name, str(len(bucket.objects)), keys)
    tables = Table("table", "name", "items", title="DynamoDB", title_justify="left")
    for table in state.tables:
        tables.add_row(table.logical_id, table.name, str(table.item_count))
    queues = Table("queue", "visible", "in flight", "delayed", "dead letters go to", title="SQS",
                   title_justify="left")
    for queue in state.queues:
        label = (queue.logical_id or queue.name) + (" (dead-letter queue)" if queue.dead_letter_queue else "")
        queues.add_row(label, str(queue.visible), str(queue.in_flight), str(queue.delayed),
                       queue.dead_letter_target or "")
    streams = Table("stream", "shard", "records", "read by", "behind", title="Kinesis", title_justify="left")
    for stream in state.streams:
        for shard in stream.shards:
            readers = [reader for reader in stream.readers if reader.shard_id == shard.shard_id]
            streams.add_row(stream.logical_id, shard.shard_id, str(shard.records),
                            ", ".join(reader.function for reader in readers),
                            ", ".join(str(reader.behind) for reader in readers))
    executions = Table("state machine", "execution", "status", "started", title="recent executions",
                       title_justify="left")
    for execution in state.executions:
        executions.add_row(execution.state_machine, execution.name, execution.status, f"{execution.start:%H:%M:%S}")
    connections = Table("WebSocket API", "connection", "from", "connected", title="WebSocket connections",
                        title_justify="left")
    for connection in state.websocket_connections:
        connections.add_row(connection.api, connection.connection_id, connection.source_ip,
                            f"{connection.connected_at:%H:%M:%S}")
    for section in (buckets, tables, queues, streams, executions, connections):
        if section.row_count:
            out.print(section)
