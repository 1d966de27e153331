"""Each chaos invariant catches the break it is named after (a checker that cannot fail proves nothing)."""

from __future__ import annotations

import json
import random
from types import SimpleNamespace
from typing import Any

from sluice.chaos.invariants import (
    Dropped,
    Put,
    World,
    digests,
    errors_classified,
    fifo_in_order,
    newest_version_wins,
    one_run_per_input,
    published_or_quarantined,
    replays_visible,
    stream_records_once,
)
from sluice.chaos.workload import FifoCommand, FileDrop, StreamRecord, generate, orders_csv

KEY = "incoming/2024/06/11/orders.csv"


def dropped(version: str, body: bytes, *, good: bool = True, key: str = KEY) -> Dropped:
    sha, etag = digests(body)
    return Dropped(FileDrop(key, body, "good" if good else "bad", good), version, sha, etag)


def run(version: str, status: str = "SUCCEEDED", output: Any = None, *, key: str = KEY, etag: str = "",
        replay: str | None = None) -> Any:
    sluice = {"pipeline": "raw-objects", "replay": {"token": replay, "reason": "r"} if replay else None}
    return SimpleNamespace(input={"records": [{"key": key, "version_id": version, "etag": etag}], "sluice": sluice},
                           status=status, output=output)


def world(**overrides: Any) -> World:
    fields: dict[str, Any] = dict(drops=[], puts=[], commands=[], objects={}, marker_versions={}, executions={},
                                  sink_items=[], dead_letters=[], failed_invocations=[])
    fields.update(overrides)
    return World(**fields)


def marker(version: str, body: bytes, run_id: str = "r1") -> dict[str, Any]:
    return {"source": {"key": KEY, "version_id": version, "sha256": digests(body)[0]},
            "manifest": f"orders/dt=2024-06-11/run={run_id}/_manifest.json"}


def test_a_second_run_for_the_same_version_is_a_violation() -> None:
    body = b"a"
    seen = world(drops=[dropped("v1", body)], executions={"FilePipelineStateMachine": [run("v1"), run("v1")]})
    assert list(one_run_per_input(seen)) == ["version v1 started 2 file-pipeline runs, not 1"]
    assert list(one_run_per_input(world(drops=[dropped("v1", body)],
                                        executions={"FilePipelineStateMachine": [run("v1")]}))) == []


def test_a_version_neither_published_nor_quarantined_is_a_violation() -> None:
    lost = world(drops=[dropped("v1", b"a", good=False)],
                 executions={"FilePipelineStateMachine": [run("v1", "FAILED")]})
    [violation] = published_or_quarantined(lost)
    assert "neither published nor quarantined" in violation
    reason = json.dumps({"raw_object": f"s3://raw/{KEY}?versionId=v1"}).encode()
    kept = world(drops=[dropped("v1", b"a", good=False)], objects={"QuarantineBucket": {"x/reason.json": reason}},
                 executions={"FilePipelineStateMachine": [run("v1", "FAILED")]})
    assert list(published_or_quarantined(kept)) == []


def test_a_version_whose_event_sits_in_the_failure_queue_is_parked_not_lost() -> None:
    # Seed 462428164: StartExecution throttled on all three attempts of one ingest event, so Lambda
    # sent its on-failure record to FailureQueue (docs/runtime.md): no run, but nothing is lost.
    event = {"detail-type": "Object Created", "detail": {"object": {"key": KEY, "version-id": "v1"}}}
    record = json.dumps({"requestContext": {"condition": "RetriesExhausted"}, "requestPayload": event})
    other = json.dumps({"requestPayload": {**event, "detail": {"object": {"key": KEY, "version-id": "v9"}}}})
    for parked, held in (([record], True), ([other], False), ([], False)):
        seen = world(drops=[dropped("v1", b"a")], executions={"FilePipelineStateMachine": []}, parked=parked)
        assert (list(one_run_per_input(seen)) == []) is held
        assert (list(published_or_quarantined(seen)) == []) is held
        assert (list(newest_version_wins(seen)) == []) is held


def test_published_and_quarantined_is_a_violation() -> None:
    reason = json.dumps({"raw_object": f"s3://raw/{KEY}?versionId=v1"}).encode()
    both = world(drops=[dropped("v1", b"a")], objects={"QuarantineBucket": {"x/reason.json": reason}},
                 marker_versions={"orders/_SUCCESS": [marker("v1", b"a")]})
    assert any("both published and quarantined" in v for v in published_or_quarantined(both))


def test_an_older_version_owning_the_partition_is_a_violation() -> None:
    old, new = b"old", b"new"
    manifest = json.dumps({"files": []}).encode()
    stale = world(drops=[dropped("v1", old), dropped("v2", new)],
                  objects={"CuratedBucket": {"orders/dt=2024-06-11/_SUCCESS": json.dumps(marker("v1", old)).encode(),
                                             "orders/dt=2024-06-11/run=r1/_manifest.json": manifest}})
    [violation] = newest_version_wins(stale)
    assert "not the newest good version v2" in violation


def test_a_partial_publish_is_a_violation() -> None:
    manifest = json.dumps({"files": [{"key": "orders/dt=2024-06-11/run=r1/part-0.jsonl"}]}).encode()
    partial = world(drops=[dropped("v1", b"a")],
                    objects={"CuratedBucket": {"orders/dt=2024-06-11/_SUCCESS": json.dumps(marker("v1", b"a")).encode(),
                                               "orders/dt=2024-06-11/run=r1/_manifest.json": manifest}})
    [violation] = newest_version_wins(partial)
    assert "partial publish" in violation


def put(sequence: str, *, poison: bool = False) -> Put:
    return Put(StreamRecord(b"{}", "c", f"evt-{sequence}", poison), "shardId-000000000000", sequence)


def test_a_record_written_twice_or_lost_is_a_violation() -> None:
    item = {"pipeline": "events-stream", "transport_id": "shardId-000000000000:1"}
    assert list(stream_records_once(world(puts=[put("1")], sink_items=[item, item]))) == \
        ["record shardId-000000000000:1 (evt-1) took effect 2 times"]
    assert list(stream_records_once(world(puts=[put("1")], sink_items=[item]))) == []
    [lost] = stream_records_once(world(puts=[put("2", poison=True)]))
    assert "neither quarantined nor in the on-failure destination" in lost
    on_failure = json.dumps({"KinesisBatchInfo": {"startSequenceNumber": "1", "endSequenceNumber": "3"}}).encode()
    assert list(stream_records_once(world(puts=[put("2", poison=True)],
                                          objects={"QuarantineBucket": {"aws/lambda/x": on_failure}}))) == []


def ordered_run(*seqs: int, group: str = "account-1") -> Any:
    records = [{"body": json.dumps({"account": group, "seq": seq})} for seq in seqs]
    return SimpleNamespace(status="SUCCEEDED", input={"sluice": {"pipeline": "ordered-commands"}, "records": records})


def test_fifo_effects_out_of_send_order_are_a_violation() -> None:
    commands = [FifoCommand("account-1", seq, "") for seq in (1, 2)]
    sink = [{"pipeline": "ordered-commands", "record_id": f"account-1|{seq}"} for seq in (1, 2)]
    swapped = world(commands=commands, sink_items=sink,
                    executions={"StreamBatchStateMachine": [ordered_run(2), ordered_run(1)]})
    assert list(fifo_in_order(swapped)) == ["group account-1: effects out of send order [2, 1]"]
    in_order = world(commands=commands, sink_items=sink,
                     executions={"StreamBatchStateMachine": [ordered_run(1), ordered_run(1, 2)]})
    assert list(fifo_in_order(in_order)) == []
    [lost] = fifo_in_order(world(commands=commands, sink_items=sink[:1]))
    assert lost == "command account-1#2 neither took effect nor is dead-lettered"


def failed(error_type: str, logs: str = "", request_id: str = "r") -> Any:
    return SimpleNamespace(function="F", request_id=request_id, logs=logs,
                           error=SimpleNamespace(error_type=error_type, message="boom"))


def test_an_unclassified_or_unlogged_error_is_a_violation() -> None:
    assert list(errors_classified(world(failed_invocations=[failed("KeyError")]))) == \
        ["F r: unclassified KeyError: boom"]
    assert list(errors_classified(world(failed_invocations=[failed("TransientError")]))) == \
        ["F r: TransientError without an error log line"]
    logged = failed("TransientError", logs='{"level": "ERROR", "message": "handler failed"}')
    assert list(errors_classified(world(failed_invocations=[logged]))) == []
    injected = world(failed_invocations=[failed("Runtime.ExitError")], faulted_requests={"r"})
    assert list(errors_classified(injected)) == []


def test_the_workload_is_reproducible_and_mixes_every_kind_of_input() -> None:
    workload = generate(random.Random(5), files=40, records=40, commands=10)
    assert workload == generate(random.Random(5), files=40, records=40, commands=10)
    assert {drop.kind for drop in workload.drops} == {"good", "bad", "same-content", "new-version"}
    assert any(record.poison for record in workload.records) and not all(r.poison for r in workload.records)
    assert b"twelve" in orders_csv(random.Random(1), 3, bad=True)


def test_the_same_content_under_two_names_counts_once_whichever_name_ran_it() -> None:
    body = b"id,name\n1,a\n"
    first = dropped("v1", body, key="dropbox/team-1/export.csv")
    copy = dropped("v2", body, key="dropbox/team-1-copy/export.csv")
    ran_copy = world(drops=[first, copy], marker_versions={"x/_SUCCESS": [marker("v2", body)]})
    assert list(published_or_quarantined(ran_copy)) == []
    assert list(published_or_quarantined(world(drops=[first, copy]))) == [
        "dropbox/team-1/export.csv@v1 (good) was neither published nor quarantined (run outputs: [None, None])"]


def test_a_replay_runs_once_more_as_a_replay_and_ends_visibly() -> None:
    body = b"a"
    replayed = marker("v1", body) | {"replay": {"token": "t1"}}
    runs = [run("v1", output={"status": "published"}), run("v1", replay="t1", output={"status": "published"})]
    done = world(drops=[dropped("v1", body)], replays=[("v1", "t1")], executions={"FilePipelineStateMachine": runs},
                 marker_versions={"m": [marker("v1", body), replayed]})
    assert list(one_run_per_input(done)) == [] and list(published_or_quarantined(done)) == []
    assert list(replays_visible(done)) == []

    never_ran = world(drops=[dropped("v1", body)], replays=[("v1", "t1")],
                      executions={"FilePipelineStateMachine": runs[:1]})
    assert list(one_run_per_input(never_ran)) == ["version v1 (replay t1) started 0 file-pipeline runs, not 1"]
    silent = world(drops=[dropped("v1", body)], replays=[("v1", "t1")],
                   executions={"FilePipelineStateMachine": [runs[0], run("v1", "FAILED", replay="t1")]})
    assert list(replays_visible(silent)) == \
        ["replay t1 of v1 ended FAILED without a visible outcome (output status: None)"]
