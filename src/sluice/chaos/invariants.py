"""The promises a chaos run checks once the stack is idle: exactly once, in order, nothing lost.

Each invariant is a function of the `World` (what the run fed the stack, and what it left behind) that
returns the ways the promise was broken, as readable sentences. None of them trusts the runtime's
own bookkeeping where the data can speak: a version counts as published when a `_SUCCESS` marker
version names it, as quarantined when a `reason.json` names it, a record as written when its sink item
exists.

Example:
    >>> [name for name, _ in INVARIANTS][:2]
    ['one-run-per-input', 'published-or-quarantined']
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from sluice import json_text
from sluice.chaos.workload import FifoCommand, FileDrop, StreamRecord

FILE_PIPELINE = "FilePipelineStateMachine"
STREAM_PIPELINE = "StreamBatchStateMachine"
VERSION_IN_URI = re.compile(r"[?&]versionId=([^&]+)")
# Errors a handler may end with: the runtime's classified errors (sluice_runtime.errors), and
# Powertools' BatchProcessingError, raised when every record of a batch failed so that the event
# source retries it (each record's own error is logged separately).
CLASSIFIED = re.compile(r"^(Sluice\.[A-Za-z]+|TransientError|ClaimInProgress|ExecutionFailed|Deferred|InvalidEvent|"
                        r"InvalidJson|InvalidUnicode|TooDeeplyNested|ObjectNotFound|PermanentError|UnknownRoute|"
                        r"OversizedPayload|IdempotencyConflict|ConfigurationError|BatchProcessingError)$")


@dataclass(frozen=True)
class Dropped:
    """A file drop as it landed: the object version S3 gave it."""

    drop: FileDrop
    version_id: str
    sha256: str
    etag: str  # single-part uploads: the MD5 of the bytes, what the content-identity pipeline keys on


@dataclass(frozen=True)
class Put:
    """A stream record as Kinesis took it."""

    record: StreamRecord
    shard_id: str
    sequence_number: str


@dataclass
class World:
    """Everything the invariants look at. `objects` maps a bucket's logical id to key → bytes."""

    drops: list[Dropped]
    puts: list[Put]
    commands: list[FifoCommand]
    objects: dict[str, dict[str, bytes]]
    marker_versions: dict[str, list[dict[str, Any]]]  # partition marker key -> every version's document
    executions: dict[str, list[Any]]                  # state machine logical id -> executions, oldest first
    sink_items: list[dict[str, Any]]
    dead_letters: list[str]                           # bodies in the ordered queue's DLQ
    failed_invocations: list[Any]
    faulted_requests: set[str] = field(default_factory=set)  # invocations an injected fault broke
    replays: list[tuple[str, str]] = field(default_factory=list)  # (version id, token) asked for
    parked: list[str] = field(default_factory=list)   # bodies in FailureQueue: on-failure records, DLQ'd events

    @cached_property
    def parked_identities(self) -> set[tuple[str, str, str | None]]:
        """The drops whose object event sits in FailureQueue - Lambda's on-failure record of an ingest
        invocation whose async retries all failed, or an event the rule could not deliver: parked with
        the reason, alarmed, and redrivable, so not lost (docs/runtime.md, "Retry paths")."""
        versions = {str(node["version-id"]) for body in self.parked for node in _walk(_json(body))
                    if isinstance(node.get("version-id"), str)}
        return {_identity(dropped) for dropped in self.drops if dropped.version_id in versions}


Invariant = Callable[[World], Iterator[str]]


def one_run_per_input(world: World) -> Iterator[str]:
    """Every distinct input started exactly one file-pipeline run (by object version; by content for
    the content-identity dropbox pipeline), and every replay exactly one more, marked as a replay."""
    runs = Counter(_run_identity(execution.input) for execution in world.executions.get(FILE_PIPELINE, []))
    expected = {_identity(dropped) for dropped in world.drops}
    expected.update(("version", version, token) for version, token in world.replays)
    parked = world.parked_identities
    for identity in sorted(expected, key=str):
        if runs[identity] != 1 and not (runs[identity] == 0 and identity in parked):
            yield f"{_describe(identity)} started {runs[identity]} file-pipeline runs, not 1"
    for identity, count in runs.items():
        if identity not in expected:
            yield f"{count} file-pipeline run(s) for {_describe(identity)}, which no input asked for"


def published_or_quarantined(world: World) -> Iterator[str]:
    """Every raw object version (every distinct content for the content-identity dropbox) ends
    published exactly once or quarantined with a reason, or - for a version whose bytes are already
    the partition's - skipped visibly by its run; never both, never neither."""
    published = Counter(str(doc.get("source", {}).get("version_id"))
                        for versions in world.marker_versions.values() for doc in versions if not doc.get("replay"))
    quarantined = Counter(version for version, token in _quarantined(world.objects.get("QuarantineBucket", {}))
                          if token is None)
    outputs = {str(execution.input.get("records", [{}])[0].get("version_id")): execution.output
               for execution in world.executions.get(FILE_PIPELINE, []) if _run_identity(execution.input)[2] is None}
    parked = world.parked_identities
    inputs: dict[str, list[Dropped]] = defaultdict(list)  # one distinct input -> the versions that carry it
    for dropped in world.drops:
        inputs[f"content {dropped.etag}" if dropped.drop.key.startswith("dropbox/") else dropped.version_id].append(
            dropped)
    for versions in inputs.values():
        # Whichever version of a content group arrived first ran it (deliveries may be reordered).
        times_published = sum(published[dropped.version_id] for dropped in versions)
        times_quarantined = sum(quarantined[dropped.version_id] for dropped in versions)
        statuses = [_status(outputs.get(dropped.version_id)) for dropped in versions]
        first = versions[0]
        where = f"{first.drop.key}@{first.version_id}"
        if times_published and times_quarantined:
            yield f"{where} is both published and quarantined"
        elif times_published > 1:
            yield f"{where} was published {times_published} times"
        elif times_published + times_quarantined == 0 and not {"skipped", "superseded"} & set(statuses) and \
                _identity(first) not in parked:
            yield f"{where} ({first.drop.kind}) was neither published nor quarantined (run outputs: {statuses})"
        if not first.drop.good and times_published:
            yield f"bad file {where} was published"


def replays_visible(world: World) -> Iterator[str]:
    """Every replay asked for ran once as a replay (its token in the run's input) and ended visibly:
    published or quarantined under its token, or skipped/superseded by its run."""
    published = {(str(doc.get("source", {}).get("version_id")), str(doc.get("replay", {}).get("token")))
                 for versions in world.marker_versions.values() for doc in versions if doc.get("replay")}
    quarantined = set(_quarantined(world.objects.get("QuarantineBucket", {})))
    runs = {_run_identity(execution.input)[1:]: execution for execution in world.executions.get(FILE_PIPELINE, [])}
    for version, token in world.replays:
        run = runs.get((version, token))
        if run is None:
            continue  # one-run-per-input names it
        status = _status(run.output)
        if (version, token) not in published and (version, token) not in quarantined and \
                status not in ("skipped", "superseded"):
            yield f"replay {token} of {version} ended {run.status} without a visible outcome (output status: {status})"


def newest_version_wins(world: World) -> Iterator[str]:
    """The curated partition of every key describes its newest good version (same bytes), and a
    partition's marker never points at files that are not all there."""
    newest: dict[str, Dropped] = {}
    for dropped in world.drops:
        if dropped.drop.key.startswith("incoming/") and dropped.drop.good:
            newest[dropped.drop.key] = dropped
    curated = world.objects.get("CuratedBucket", {})
    markers = {key: json_text.loads(body) for key, body in curated.items() if key.endswith("/_SUCCESS")}
    by_source = {str(marker.get("source", {}).get("key")): marker for marker in markers.values()}
    parked = world.parked_identities
    for key, dropped in newest.items():
        if _identity(dropped) in parked:
            continue  # its event is in the failure queue: no run may have published it yet
        marker = by_source.get(key)
        if marker is None:
            yield f"{key}: no curated partition, although version {dropped.version_id} is good"
            continue
        if marker["source"].get("sha256") != dropped.sha256:
            yield f"{key}: the partition describes version {marker['source'].get('version_id')}, " \
                  f"not the newest good version {dropped.version_id}"
    for marker_key, marker in markers.items():
        manifest = curated.get(str(marker.get("manifest")))
        if manifest is None:
            yield f"{marker_key} points at a missing manifest {marker.get('manifest')}"
            continue
        missing = [f["key"] for f in json_text.loads(manifest).get("files", []) if f["key"] not in curated]
        if missing:
            yield f"{marker_key}: a partial publish is visible (missing {missing[:3]})"


def stream_records_once(world: World) -> Iterator[str]:
    """Every Kinesis record took effect exactly once, or sits in quarantine / its on-failure destination."""
    items = Counter(str(item.get("transport_id")) for item in world.sink_items
                    if str(item.get("pipeline")) == "events-stream")
    set_aside = _set_aside_sequences(world.objects.get("QuarantineBucket", {}))
    for put in world.puts:
        transport = f"{put.shard_id}:{put.sequence_number}"
        written = items[transport]
        aside = put.sequence_number in set_aside or any(
            lo <= int(put.sequence_number) <= hi for lo, hi in set_aside.ranges)
        if put.record.poison:
            if written:
                yield f"poison record {transport} was written to the sink"
            if not aside:
                yield f"poison record {transport} is neither quarantined nor in the on-failure destination"
        elif written != 1 and not (written == 0 and aside):
            yield f"record {transport} ({put.record.event_id}) took effect {written} times"


def fifo_in_order(world: World) -> Iterator[str]:
    """Within every FIFO group, effects happened in send order, and every command took effect once or
    sits in the dead-letter queue."""
    effects: dict[str, list[int]] = defaultdict(list)
    for execution in world.executions.get(STREAM_PIPELINE, []):
        if execution.status != "SUCCEEDED" or (execution.input or {}).get("sluice", {}).get("pipeline") != \
                "ordered-commands":
            continue
        for record in execution.input.get("records", []):
            body = _json(record.get("body"))
            if isinstance(body, dict) and "seq" in body:
                effects[str(body.get("account"))].append(int(body["seq"]))
    dead = [_json(body) for body in world.dead_letters]
    dead_seqs = {(str(b.get("account")), int(b.get("seq", -1))) for b in _bodies(dead)}
    written = {str(item.get("record_id")) for item in world.sink_items if item.get("pipeline") == "ordered-commands"}
    for group, seqs in effects.items():
        firsts = list(dict.fromkeys(seqs))
        if firsts != sorted(firsts):
            yield f"group {group}: effects out of send order {firsts}"
    for command in world.commands:
        took = f"{command.group}|{command.seq}" in written
        if not took and (command.group, command.seq) not in dead_seqs:
            yield f"command {command.group}#{command.seq} neither took effect nor is dead-lettered"


def errors_classified(world: World) -> Iterator[str]:
    """No exception escaped a handler without a classified error type and an error log line (an
    invocation that an injected fault crashed, timed out or failed is the fault's, not the handler's)."""
    for invocation in world.failed_invocations:
        if invocation.request_id in world.faulted_requests:
            continue
        error = invocation.error
        if not CLASSIFIED.match(error.error_type):
            yield f"{invocation.function} {invocation.request_id}: unclassified {error.error_type}: " \
                  f"{error.message.splitlines()[0][:160] if error.message else ''}"
        elif '"level":"ERROR"' not in invocation.logs.replace(" ", ""):
            yield f"{invocation.function} {invocation.request_id}: {error.error_type} without an error log line"


INVARIANTS: list[tuple[str, Invariant]] = [
    ("one-run-per-input", one_run_per_input),
    ("published-or-quarantined", published_or_quarantined),
    ("replays-visible", replays_visible),
    ("newest-version-wins", newest_version_wins),
    ("stream-records-once", stream_records_once),
    ("fifo-in-order", fifo_in_order),
    ("errors-classified", errors_classified),
]


# -- reading the evidence ------------------------------------------------------------------------


class _Sequences(set[str]):
    """Sequence numbers named in set-aside documents, plus the ranges of on-failure batch records."""

    def __init__(self) -> None:
        super().__init__()
        self.ranges: list[tuple[int, int]] = []


def _set_aside_sequences(quarantine: dict[str, bytes]) -> _Sequences:
    found = _Sequences()
    for body in quarantine.values():
        document = _json(body)
        for node in _walk(document):
            for name in ("sequenceNumber", "sequence_number"):
                if isinstance(node.get(name), str):
                    found.add(node[name])
            if isinstance(node.get("transport_id"), str) and ":" in node["transport_id"]:
                found.add(node["transport_id"].rsplit(":", 1)[1])
            batch = node.get("KinesisBatchInfo")
            if isinstance(batch, dict):
                found.ranges.append((int(batch["startSequenceNumber"]), int(batch["endSequenceNumber"])))
    return found


def _quarantined(quarantine: dict[str, bytes]) -> Iterator[tuple[str, str | None]]:
    """(version id, replay token or None) of every file a `reason.json` sets aside."""
    for key, body in quarantine.items():
        if key.endswith("reason.json"):
            document = _json(body)
            match = VERSION_IN_URI.search(str(document.get("raw_object", "")))
            if match:
                replay = document.get("replay")
                yield match.group(1), (str(replay.get("token")) if isinstance(replay, dict) else None)


def _identity(dropped: Dropped) -> tuple[str, str, str | None]:
    """The run identity a drop asks for (as `_run_identity` reads it back from a run's input)."""
    if dropped.drop.key.startswith("dropbox/"):
        return "content", dropped.etag, None
    return "version", dropped.version_id, None


def _run_identity(execution_input: Any) -> tuple[str, str, str | None]:
    """(kind, identity, replay token) of a file-pipeline run, from its input."""
    record = (execution_input or {}).get("records", [{}])[0]
    replay = (execution_input or {}).get("sluice", {}).get("replay")
    token = str(replay.get("token")) if isinstance(replay, dict) else None
    if str(record.get("key", "")).startswith("dropbox/"):
        return "content", str(record.get("etag")).strip('"'), token
    return "version", str(record.get("version_id")), token


def _describe(identity: tuple[str, str, str | None]) -> str:
    kind, value, token = identity
    return f"{kind} {value}" + (f" (replay {token})" if token else "")


def _status(output: Any) -> str | None:
    return str(output.get("status")) if isinstance(output, dict) else None


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _json(data: Any) -> Any:
    try:
        return json_text.loads(data) if isinstance(data, bytes | str) else data
    except ValueError:
        return None


def _bodies(documents: list[Any]) -> Iterator[dict[str, Any]]:
    """FIFO command bodies inside dead-letter messages (as sent, or wrapped with a reason)."""
    for document in documents:
        for node in _walk(document):
            if "account" in node and "seq" in node:
                yield node
            for value in node.values():
                inner = _json(value) if isinstance(value, str) and value.startswith("{") else None
                if isinstance(inner, dict) and "seq" in inner:
                    yield inner


def digests(data: bytes) -> tuple[str, str]:
    """(SHA-256, S3 ETag of a single-part upload) of an object's bytes."""
    return hashlib.sha256(data).hexdigest(), hashlib.md5(data, usedforsecurity=False).hexdigest()
