"""The README's main job: the whole SAM application on the local stack, one scenario a newcomer
should see, with every outcome checked.

Steps (each one is checked; any miss makes `sluice demo` exit 1):
1. a good orders file lands in the raw bucket -> the file pipeline validates, stages and publishes
   it: the curated partition gets its data, a manifest and the `_SUCCESS` marker written last;
2. EventBridge delivers the same "Object Created" event again (at-least-once delivery) -> the
   idempotency table recognises it: no second execution;
3. the same export is dropped twice under two names (content identity: same ETag) -> one run;
4. a bad file -> quarantined with a `reason.json`, the raw object left intact, nothing curated;
5. Kinesis records -> one Express `stream_batch` run per micro-batch, one sink item per event;
6. SQS FIFO commands for two accounts -> processed strictly in order per account.

Example:
    >>> report = run_demo(Path("template.yaml"))
    >>> report.ok
    True
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sluice import json_text

# `samples/` beside the template holds the files the demo drops, which a newcomer can also drop by
# hand: `sluice drop samples/orders.csv s3://RawBucket/incoming/2024/06/11/orders.csv`.
SAMPLE_FILES = ("orders.csv", "orders-bad.csv", "prices.csv")


PAGE_EVENTS = [
    {
        "event_id": f"evt-{n:04d}",
        "type": "page_view",
        "customer": f"customer-{n % 3}",
        "path": f"/products/{n}",
        "at": "2024-06-11T09:15:00Z",
    }
    for n in range(6)
]
COMMANDS = [
    ("account-1", {"account": "account-1", "command": "open", "seq": 1}),
    ("account-2", {"account": "account-2", "command": "open", "seq": 1}),
    ("account-1", {"account": "account-1", "command": "deposit", "seq": 2, "amount": 40}),
    ("account-2", {"account": "account-2", "command": "deposit", "seq": 2, "amount": 15}),
    ("account-1", {"account": "account-1", "command": "close", "seq": 3}),
]


@dataclass
class Check:
    step: str
    expectation: str
    ok: bool
    detail: str = ""


@dataclass
class DemoReport:
    checks: list[Check] = field(default_factory=list)
    buckets: dict[str, list[str]] = field(default_factory=dict)
    executions: list[tuple[str, str, str, str]] = field(default_factory=list)
    tables: dict[str, int] = field(default_factory=dict)
    queues: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    def record(self, step: str, expectation: str, ok: bool, detail: str) -> None:
        self.checks.append(Check(step, expectation, ok, "" if ok else detail))

    def expect(self, step: str, expectation: str, condition: Callable[[], bool], detail: Callable[[], str]) -> None:
        try:
            ok = bool(condition())
        except Exception as error:  # a broken expectation is a failed expectation, with its reason
            ok, text = False, f"{type(error).__name__}: {error}"
        else:
            text = "" if ok else detail()
        self.checks.append(Check(step, expectation, ok, text))


def run_demo(template: Path, *, on_step: Callable[[str], None] = lambda _: None) -> DemoReport:
    from sluice.local import LocalStack  # noqa: PLC0415 - heavy: moto, boto3

    report = DemoReport()
    orders, bad_orders, export = ((template.parent / "samples" / name).read_bytes() for name in SAMPLE_FILES)
    with LocalStack.from_template(template) as stack:
        on_step("1. a good file lands in the raw bucket")
        stack.put_object("RawBucket", "incoming/2024/06/11/orders.csv", orders)
        stack.run_until_idle()
        pipeline = "FilePipelineStateMachine"
        curated = stack.objects("CuratedBucket", "orders/dt=2024-06-11/")
        report.expect(
            "good file",
            "the file pipeline SUCCEEDED",
            lambda: [e.status for e in stack.executions(pipeline)] == ["SUCCEEDED"],
            lambda: _statuses(stack.executions(pipeline)),
        )
        report.expect(
            "good file",
            "curated partition has data, a manifest and _SUCCESS",
            lambda: (
                "orders/dt=2024-06-11/_SUCCESS" in curated
                and any(key.endswith("_manifest.json") for key in curated)
                and any(key.endswith(".jsonl") for key in curated)
            ),
            lambda: f"curated objects: {sorted(curated)}",
        )

        on_step("2. EventBridge delivers the same event again")
        first_event = stack.invocations("IngestFunction")[0].event
        redelivery = stack.invoke("IngestFunction", first_event)
        stack.run_until_idle()
        report.expect(
            "duplicate delivery",
            "recognised as a duplicate, no second execution",
            lambda: _outcome(redelivery.result) == "duplicate" and len(stack.executions(pipeline)) == 1,
            lambda: f"ingest answered {redelivery.result!r}",
        )

        on_step("3. the same export dropped twice under two names")
        stack.put_object("RawBucket", "dropbox/team-a/prices.csv", export)
        stack.run_until_idle()
        stack.put_object("RawBucket", "dropbox/team-b/prices.csv", export)
        stack.run_until_idle()
        answers = [_outcome(i.result) for i in stack.invocations("IngestFunction")[-2:]]
        report.expect(
            "same content again",
            "first copy started, second skipped (same ETag)",
            lambda: answers == ["started", "duplicate"],
            lambda: f"ingest answers: {answers}",
        )
        report.expect(
            "same content again",
            "the export is published once",
            lambda: "dropbox-exports/export=team-a.prices/_SUCCESS" in stack.objects("CuratedBucket"),
            lambda: f"curated: {sorted(stack.objects('CuratedBucket'))}",
        )

        on_step("4. a bad file")
        stack.put_object("RawBucket", "incoming/2024/06/12/orders.csv", bad_orders)
        stack.run_until_idle()
        quarantine = stack.objects("QuarantineBucket", "datasets/orders/dt=2024-06-12/")
        reasons = [json_text.loads(body) for key, body in quarantine.items() if key.endswith("reason.json")]
        report.expect(
            "bad file",
            "quarantined with a reason.json naming the problem",
            lambda: len(reasons) == 1 and "amount" in json.dumps(reasons[0]),
            lambda: f"quarantine: {sorted(quarantine)} reasons: {reasons}",
        )
        report.expect(
            "bad file",
            "the raw object is intact and nothing is curated for that day",
            lambda: (
                stack.get_object("RawBucket", "incoming/2024/06/12/orders.csv") == bad_orders
                and not stack.objects("CuratedBucket", "orders/dt=2024-06-12/")
            ),
            lambda: "raw object changed or partition published",
        )

        on_step("5. Kinesis records -> micro-batches")
        for event in PAGE_EVENTS:
            stack.put_record("EventStream", event, partition_key=event["customer"])
        stack.run_until_idle()
        batches = stack.executions("StreamBatchStateMachine")
        sink = stack.items("StreamSinkTable")
        report.expect(
            "stream",
            "one Express run per micro-batch, not per record",
            lambda: 1 <= len(batches) < len(PAGE_EVENTS) and all(e.status == "SUCCEEDED" for e in batches),
            lambda: _statuses(batches),
        )
        report.expect(
            "stream",
            "every event written to the sink once",
            lambda: (
                len([i for i in sink if str(i.get("dataset")) == "page-events" or "event_id" in str(i)])
                >= len(PAGE_EVENTS)
            ),
            lambda: f"{len(sink)} sink items",
        )

        on_step("6. SQS FIFO commands, in order per account")
        for group, body in COMMANDS:
            stack.send_message("OrderedQueue", body, group_id=group)
        stack.run_until_idle()
        handled = [
            json_text.loads(record["body"])
            for invocation in stack.invocations("OrderedFunction")
            for record in (invocation.event or {}).get("Records", [])
        ]
        for account in ("account-1", "account-2"):
            seqs = [body["seq"] for body in handled if body["account"] == account]
            in_order = seqs == sorted(seqs) and len(seqs) == len(set(seqs)) > 0
            report.record("fifo", f"{account} commands handled in order", in_order, f"order seen: {seqs}")
        report.expect(
            "fifo",
            "nothing dead-lettered",
            lambda: not stack.messages("OrderedDeadLetterQueue"),
            lambda: f"{len(stack.messages('OrderedDeadLetterQueue'))} messages in the DLQ",
        )

        _summarise(stack, report)
    return report


def _outcome(result: Any) -> str | None:
    outcomes = result.get("outcomes") if isinstance(result, dict) else None
    return outcomes[0].get("status") if outcomes else None


def _statuses(executions: list[Any]) -> str:
    return ", ".join(f"{e.name}: {e.status} {e.error or ''}".strip() for e in executions) or "no executions"


def _summarise(stack: Any, report: DemoReport) -> None:
    for bucket in ("RawBucket", "StagingBucket", "CuratedBucket", "QuarantineBucket"):
        report.buckets[bucket] = sorted(stack.objects(bucket))
    for execution in stack.executions():
        machine = execution.state_machine_arn.rsplit(":", 1)[-1]
        report.executions.append((machine, execution.name, execution.status, execution.error or ""))
    for table in ("IdempotencyTable", "StreamSinkTable"):
        report.tables[table] = len(stack.items(table))
    for queue in ("OrderedQueue", "OrderedDeadLetterQueue", "FailureQueue"):
        report.queues[queue] = len(stack.messages(queue))
