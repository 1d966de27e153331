"""End to end on the local stack: `template.yaml` as deployed - a file dropped into the raw bucket goes
through EventBridge, the ingest function, the idempotency table and the file pipeline's real task
functions, all in this process on one virtual clock."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from sluice.asl.execution import Execution
from sluice.local import LocalStack
from tests.runtime.moto_stack import ROOT

from .conftest import Faults, dataset_entry, orders_csv

ORDERS_KEY = "incoming/2024/06/11/orders.csv"
PARTITION = "orders/dt=2024-06-11/"
Catalogs = Callable[[Callable[[dict[str, Any]], None]], Path]


class Stack:
    """The local stack plus an SQS inbox subscribed to the alerts topic."""

    def __init__(self, stack: LocalStack) -> None:
        self.local = stack
        sqs = stack.client("sqs")
        self.inbox = sqs.create_queue(QueueName="test-alerts-inbox")["QueueUrl"]
        inbox_arn = sqs.get_queue_attributes(QueueUrl=self.inbox, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        stack.client("sns").subscribe(TopicArn=stack.arn("AlertsTopic"), Protocol="sqs", Endpoint=inbox_arn)

    def drop(self, key: str, body: str) -> None:
        self.local.put_object("RawBucket", key, body)
        self.local.run_until_idle()

    def runs(self) -> list[Execution]:
        return self.local.executions("FilePipelineStateMachine")

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        return sorted(self.local.objects(bucket, prefix))

    def json(self, bucket: str, key: str) -> Any:
        return json.loads(self.local.get_object(bucket, key))

    def alerts(self) -> list[dict[str, Any]]:
        return [{"subject": json.loads(m.body).get("Subject"), "message": json.loads(json.loads(m.body)["Message"])}
                for m in self.local.messages(self.inbox)]

    def marker_versions(self, partition: str) -> list[dict[str, Any]]:
        listed = self.local.client("s3").list_object_versions(Bucket=self.local.bucket("CuratedBucket"),
                                                              Prefix=f"{partition}_SUCCESS")
        return list(listed.get("Versions", []))


@pytest.fixture
def stack() -> Iterator[Stack]:
    with LocalStack.from_template(ROOT / "template.yaml", parameters={"Stage": "test"}, seed=5) as local:
        yield Stack(local)


def small_chunks(document: dict[str, Any]) -> None:
    orders = dataset_entry(document, "orders")
    orders["chunking"].update(rows_per_chunk=10, max_concurrency=2)
    orders["sample_rows"] = 2


def test_a_dropped_file_is_published_with_its_manifest(stack: Stack) -> None:
    stack.drop(ORDERS_KEY, orders_csv(25))

    [run] = stack.runs()
    assert run.status == "SUCCEEDED", run.cause
    marker = stack.json("CuratedBucket", f"{PARTITION}_SUCCESS")
    manifest = stack.json("CuratedBucket", marker["manifest"])
    assert manifest["rows"] == 25 and manifest["source"]["key"] == ORDERS_KEY
    assert stack.keys("CuratedBucket") == sorted([f"{PARTITION}_SUCCESS", marker["manifest"],
                                                  *(f["key"] for f in manifest["files"])])
    rows = [json.loads(line) for f in manifest["files"]
            for line in stack.local.get_object("CuratedBucket", f["key"]).decode().splitlines()]
    assert len(rows) == 25 and rows[0]["amount"] == "0.00"
    assert stack.keys("StagingBucket") == [] and stack.alerts() == []


def test_the_same_file_again_is_skipped(stack: Stack) -> None:
    body = orders_csv(5)
    stack.drop(ORDERS_KEY, body)
    stack.drop(ORDERS_KEY, body)  # a new object version with the same bytes: ingest starts a run, it skips

    first, again = stack.runs()
    assert (first.output["status"], again.output["status"]) == ("published", "skipped")
    assert len(stack.marker_versions(PARTITION)) == 1

    # The same object event delivered twice (dropbox pipeline: same ETag and size) starts nothing twice.
    stack.drop("dropbox/team-a/export.csv", "id,name\n1,a\n")
    stack.drop("dropbox/team-a/export.csv", "id,name\n1,a\n")
    assert len(stack.runs()) == 3
    outcomes = [i.result["outcomes"][0]["status"] for i in stack.local.invocations("IngestFunction")]
    assert outcomes == ["started", "started", "started", "duplicate"]


def test_a_bad_file_is_quarantined_with_its_reason_and_the_raw_object_intact(stack: Stack) -> None:
    body = orders_csv(4, bad={2: "twelve"})
    stack.drop(ORDERS_KEY, body)

    [run] = stack.runs()
    assert (run.status, run.error) == ("FAILED", "Sluice.InvalidInput")
    quarantined = stack.keys("QuarantineBucket")
    assert [key.rsplit("/", 1)[1] for key in quarantined] == ["orders.csv", "reason.json"]
    reason = stack.json("QuarantineBucket", quarantined[1])
    assert reason["reason"]["code"] == "schema_violation"
    assert reason["reason"]["details"]["violations"] == ["row 3: amount: 'twelve' is not a decimal number"]
    assert stack.local.get_object("QuarantineBucket", quarantined[0]).decode() == body
    assert stack.local.get_object("RawBucket", ORDERS_KEY).decode() == body
    [alert] = stack.alerts()
    assert alert["message"]["object"]["key"] == ORDERS_KEY
    assert alert["message"]["failure"]["quarantine"]["reason"] == quarantined[1]


def test_a_chunk_failure_is_isolated_and_reported(stack: Stack, catalog_file: Catalogs) -> None:
    catalog_file(small_chunks)
    stack.drop(ORDERS_KEY, orders_csv(30, bad={25: "n/a"}))  # row 26: the third chunk

    [run] = stack.runs()
    assert (run.status, run.error) == ("FAILED", "Sluice.InvalidData")
    details = json.loads(run.cause or "{}")["reason"]["details"]
    assert details["staged_chunks"] == [0, 1]
    assert [(c["index"], c["violations"]) for c in details["failed_chunks"]] == [
        (2, ["row 26: amount: 'n/a' is not a decimal number"])]
    assert stack.keys("StagingBucket") == [] and stack.keys("CuratedBucket") == []


def test_a_failure_after_staging_is_compensated_and_leaves_no_trace(stack: Stack, faults: Faults) -> None:
    # The commit of _SUCCESS is refused, on the first attempt and on both retries of an unexpected
    # error: the parts and the manifest were already copied into curated by then.
    commit = faults.fail("s3.PutObject", "AccessDenied", 403, times=3,
                         when=lambda p: p.get("Key", "").endswith("_SUCCESS"))

    stack.drop(ORDERS_KEY, orders_csv(12))

    [run] = stack.runs()
    assert commit.raised == 3
    assert (run.status, run.error) == ("FAILED", "Sluice.ProcessingFailed")
    cause = json.loads(run.cause or "{}")
    assert cause["stage"] == "publish"
    assert cause["compensation"]["curated_removed"] == 2  # one part and the manifest
    assert stack.keys("CuratedBucket") == [] and stack.keys("StagingBucket") == []
    assert [a["message"]["failure"]["kind"] for a in stack.alerts()] == ["processing"]
    # Set aside for a replay, with its reason: the raw object is intact, a copy waits in quarantine.
    [copy, reason] = stack.keys("QuarantineBucket")
    assert copy.endswith("/orders.csv") and stack.json("QuarantineBucket", reason)["kind"] == "processing"


def test_a_transient_error_is_retried_with_backoff_and_succeeds(stack: Stack, faults: Faults) -> None:
    faults.fail("s3.GetObject", "SlowDown", 503, times=2, when=lambda p: "Range" in p)

    stack.drop(ORDERS_KEY, orders_csv(8))

    [run] = stack.runs()
    assert run.status == "SUCCEEDED", run.cause
    failed = [e for e in run.history if e["type"] == "LambdaFunctionFailed"]
    assert [e["lambdaFunctionFailedEventDetails"]["error"] for e in failed] == ["TransientError", "TransientError"]
    retried = [e for e in run.history if e["type"] == "LambdaFunctionScheduled"
               and e["id"] > failed[0]["id"]][:2]
    waits = [(later["timestamp"] - fail["timestamp"]).total_seconds() for fail, later in zip(failed, retried,
                                                                                              strict=True)]
    assert 0 < waits[0] < 2 and 0 < waits[1] < 4  # full jitter under 2 s, then 4 s, on the virtual clock
    assert stack.json("CuratedBucket", f"{PARTITION}_SUCCESS")["rows"] == 8


@pytest.mark.slow
def test_a_backfill_of_100_files_respects_its_cap_and_publishes_each_partition_once(
    stack: Stack, faults: Faults
) -> None:
    days = [date(2024, 1, 1) + timedelta(days=n) for n in range(100)]
    for n, day in enumerate(days):
        stack.local.put_object("RawBucket", f"incoming/{day:%Y/%m/%d}/orders.csv", orders_csv(2, start=n))
    stack.local.run_until_idle()
    assert [run.output["status"] for run in stack.runs()] == ["published"] * 100  # the original runs
    running: list[int] = []

    def sample(params: dict[str, Any]) -> None:
        if params.get("Key", "").endswith("orders.csv") and params.get("VersionId"):  # validation's HeadObject
            running.append(sum(1 for run in stack.runs() if run.status == "RUNNING"))

    faults.watch("s3.HeadObject", sample)

    backfill = stack.local.start_execution("BackfillStateMachine", {"token": "bf-q1", "prefix": "incoming/2024/",
                                                                    "max_concurrency": 5})
    stack.local.run_until_idle()

    assert backfill.status == "SUCCEEDED", backfill.cause
    assert backfill.output["counts"] == {"published": 100, "total": 100}
    assert len(running) == 100 and max(running) == 5
    for day in days:
        partition = f"orders/dt={day:%Y-%m-%d}/"
        assert len(stack.marker_versions(partition)) == 2  # the original and the backfill, once each
        assert stack.json("CuratedBucket", f"{partition}_SUCCESS")["run"].endswith("-r-bf-q1")

    # A replay request for the same object and token is recognised as the backfill's run, not a conflict.
    replayed = dict(json.loads((ROOT / "events" / "ingest-replay.json").read_text(encoding="utf-8")))
    replayed["replay"] = {"token": "bf-q1", "reason": ""}
    detail = replayed["event"]["detail"]
    head = stack.local.client("s3").head_object(Bucket=stack.local.bucket("RawBucket"),
                                                Key=f"incoming/{days[0]:%Y/%m/%d}/orders.csv")
    detail["bucket"]["name"] = stack.local.bucket("RawBucket")
    detail["object"].update({"key": f"incoming/{days[0]:%Y/%m/%d}/orders.csv", "size": head["ContentLength"],
                             "etag": head["ETag"].strip('"'), "version-id": head["VersionId"]})
    invocation = stack.local.invoke("IngestFunction", replayed)
    assert invocation.ok and invocation.result["outcomes"][0]["status"] == "started"
    assert invocation.result["outcomes"][0]["execution_name"].endswith("-r-bf-q1")
    assert len(stack.runs()) == 200  # nothing new was started


def test_the_freshness_monitor_alerts_on_a_stale_dataset_and_stays_quiet_on_a_fresh_one(
    stack: Stack, catalog_file: Catalogs
) -> None:
    def only_orders_has_an_sla(document: dict[str, Any]) -> None:
        for entry in document["datasets"]:
            if entry["name"] != "orders":
                entry.pop("freshness", None)

    catalog_file(only_orders_has_an_sla)
    stack.drop(ORDERS_KEY, orders_csv(3))

    stack.local.advance(2 * 3600)  # the hourly schedule fires twice
    checks = [i.result for i in stack.local.invocations("FreshnessFunction")]
    assert [c["datasets"][0]["status"] for c in checks] == ["fresh", "fresh"] and stack.alerts() == []

    stack.local.advance(24 * 3600)  # 26 h after publishing (the SLA), then more
    stack.drop(ORDERS_KEY, orders_csv(3))  # the same file again: the run succeeds, publishes nothing
    stack.local.advance(2 * 3600)

    statuses = [i.result["datasets"][0]["status"] for i in stack.local.invocations("FreshnessFunction")]
    assert statuses[:25] == ["fresh"] * 25 and statuses[-2:] == ["stale", "stale"]
    assert stack.runs()[-1].output["status"] == "skipped"
    alerts = stack.alerts()
    assert alerts and {a["subject"] for a in alerts} == {"sluice: 1 stale dataset(s)"}
    assert '"DatasetStale":[1.0]' in stack.local.invocations("FreshnessFunction")[-1].logs


def test_stream_records_reach_the_sink_exactly_once(stack: Stack) -> None:
    for n in (0, 1, 2, 1):  # evt-1 is produced twice (a producer retry: a new sequence number)
        stack.local.put_record("EventStream", {"event_id": f"evt-{n}", "type": "page_view", "customer": "c-1",
                                               "at": "2024-06-11T09:00:00Z"}, partition_key=f"c-{n}")
    stack.local.run_until_idle()

    [batch] = stack.local.executions("StreamBatchStateMachine")
    assert batch.status == "SUCCEEDED", batch.cause
    assert [o["status"] for o in batch.output["outcomes"]] == ["written", "written", "written", "duplicate"]
    items = stack.local.items("StreamSinkTable")
    assert sorted(item["pk"] for item in items) == ["page-events#evt-0", "page-events#evt-1", "page-events#evt-2"]


def test_an_older_version_slowed_by_a_transient_error_never_wins_the_partition(stack: Stack, faults: Faults) -> None:
    # v1 and v2 of one key are processed concurrently; one transient S3 error (503 SlowDown) on v1's chunk
    # read makes v1's run back off, so it reaches Publish after v2's run has published.
    old = stack.local.put_object("RawBucket", ORDERS_KEY, orders_csv(3))
    new = stack.local.put_object("RawBucket", ORDERS_KEY, orders_csv(4, start=10))
    slowed = faults.fail("s3.GetObject", "SlowDown", 503,
                         when=lambda p: "Range" in p and p.get("VersionId") == old["VersionId"])

    stack.local.run_until_idle()

    assert slowed.raised == 1
    runs = {run.input["records"][0]["version_id"]: run for run in stack.runs()}
    stale, current = runs[old["VersionId"]], runs[new["VersionId"]]
    assert (stale.status, current.status) == ("SUCCEEDED", "SUCCEEDED"), (stale.cause, current.cause)
    marker = stack.json("CuratedBucket", f"{PARTITION}_SUCCESS")
    manifest = stack.json("CuratedBucket", marker["manifest"])
    assert marker["run"] == manifest["run"] == current.name
    assert marker["source"]["version_id"] == manifest["source"]["version_id"] == new["VersionId"]
    assert manifest["rows"] == 4
    # The stale run is a visible no-op: its output says so and names the version that superseded it.
    assert stale.output["status"] == "superseded"
    assert stale.output["superseded_by"]["run"] == current.name
    assert stale.output["superseded_by"]["source"]["sequencer"] == current.input["records"][0]["sequencer"]
    assert stale.input["records"][0]["sequencer"] < current.input["records"][0]["sequencer"]
    assert stack.keys("StagingBucket") == [] and f"run={stale.name}/" not in "".join(stack.keys("CuratedBucket"))
    assert stack.alerts() == []
