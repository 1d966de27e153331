"""Event sources and delivery semantics: SQS and Kinesis pollers, schedules, SNS, Lambda's Invoke
API, asynchronous-invocation destinations, and Powertools idempotency as the trace shows it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from sluice.local.stack import LocalStack

from .conftest import FIXTURES

TEMPLATE = FIXTURES / "wiring" / "template.yaml"
MIDNIGHT = datetime(2024, 6, 1, tzinfo=UTC).timestamp()


@pytest.fixture
def stack() -> Iterator[LocalStack]:
    with LocalStack.from_template(TEMPLATE, start_time=MIDNIGHT) as started:
        yield started


def results(stack: LocalStack) -> dict[str, Any]:
    return {item["id"]: json.loads(item["value"]) for item in stack.items("Results")}


def test_sqs_batches_partial_failures_and_redrive(stack: LocalStack) -> None:
    for number in range(7):
        stack.send_message("Jobs", {"id": number, "fail": number == 3})
    started = stack.clock.now()
    stack.run_until_idle()
    sizes = [len(invocation.event["Records"]) for invocation in stack.invocations("WorkerFunction")]
    assert sizes[0] == 5 and sum(sizes) == 7 + 1  # job 3 came back once after its visibility timeout
    done = results(stack)
    assert sorted(key for key in done if key.startswith("job-")) == [f"job-{n}" for n in (0, 1, 2, 4, 5, 6)]
    # Received twice (maxReceiveCount 2), it went to the dead-letter queue on the third receive.
    assert [message.json() for message in stack.messages("JobsDeadLetters")] == [{"id": 3, "fail": True}]
    assert stack.messages("Jobs") == []
    assert stack.clock.now() - started == pytest.approx(120, abs=0.1)  # two 60 s visibility timeouts


def test_fifo_queue_keeps_group_order(stack: LocalStack) -> None:
    for group, number in [("a", 1), ("b", 1), ("a", 2), ("a", 3), ("b", 2), ("a", 4)]:
        stack.send_message("Ordered", {"group": group, "n": number}, group_id=group)
    stack.run_until_idle()
    seen = results(stack)["ordered"]
    assert sorted(seen) == ["a:1", "a:2", "a:3", "a:4", "b:1", "b:2"]
    for group in "ab":
        mine = [entry for entry in seen if entry.startswith(group)]
        assert mine == sorted(mine, key=lambda entry: int(entry.split(":")[1]))
    assert all(len(invocation.event["Records"]) <= 3 for invocation in stack.invocations("OrderedFunction"))


def test_kinesis_bisects_a_failing_batch_and_reports_the_poison_record(stack: LocalStack) -> None:
    for number in range(4):
        stack.put_record("Events", {"id": f"r{number}", "poison": number == 2}, partition_key="k")
    stack.run_until_idle()
    batches = results(stack)["stream-batches"]
    assert batches[0] == ["r0", "r1", "r2", "r3"]
    assert ["r0", "r1"] in batches and batches[-1] == ["r3"]  # halves retried; r3 after r2 was skipped
    [failure] = stack.messages("StreamFailures")
    info = failure.json()
    assert info["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert info["KinesisBatchInfo"]["batchSize"] == 1
    assert info["KinesisBatchInfo"]["streamArn"] == stack.arn("Events")


def test_schedules_fire_while_time_passes(stack: LocalStack) -> None:
    stack.run_until_idle()
    assert stack.invocations("TickFunction") == []  # nothing fires until time passes
    stack.advance(3 * 3600)  # from midnight to 03:00
    events = [invocation.event for invocation in stack.invocations("TickFunction")]
    assert events.count({"tick": True}) == 3  # rate(1 hour), first one hour after creation
    assert events.count({"nightly": True}) == 1  # cron(30 2 * * ? *) at 02:30
    assert [invocation.started_at - MIDNIGHT for invocation in stack.invocations("TickFunction")] == [
        3600, 7200, 9000, 10800]
    stack.advance(24 * 3600)
    events = [invocation.event for invocation in stack.invocations("TickFunction")]
    assert (events.count({"tick": True}), events.count({"nightly": True})) == (27, 2)


def test_sns_delivers_to_lambda_subscribers(stack: LocalStack) -> None:
    stack.client("sns").publish(TopicArn=stack.arn("Alerts"), Message="disk full", Subject="alert")
    stack.run_until_idle()
    [invocation] = stack.invocations("NotifyFunction")
    record = invocation.event["Records"][0]
    assert record["EventSource"] == "aws:sns"
    assert (record["Sns"]["Message"], record["Sns"]["Subject"]) == ("disk full", "alert")


def test_handlers_invoke_other_functions_through_the_lambda_api(stack: LocalStack) -> None:
    caller = stack.invoke("CallerFunction", {})
    assert caller.result == {"sync": {"received": 1}, "sync_status": 200, "async_status": 202,
                             "missing": "ResourceNotFoundException"}
    stack.run_until_idle()
    events = [invocation.event for invocation in stack.invocations("NotifyFunction")]
    assert events == [{"via": "sync"}, {"via": "async"}]


def test_asynchronous_destinations(stack: LocalStack) -> None:
    stack.invoke_async("DestinedFunction", {"id": 1})
    stack.invoke_async("DestinedFunction", {"fail": True})
    stack.run_until_idle()
    [success] = stack.messages("Outcomes")
    record = success.json()
    assert record["requestContext"]["condition"] == "Success"
    assert (record["requestPayload"], record["responsePayload"]) == ({"id": 1}, {"done": 1})
    # The failure went to the default bus, where a rule hands it to FailureWatcherFunction.
    [watched] = stack.invocations("FailureWatcherFunction")
    assert watched.event["detail-type"] == "Lambda Function Invocation Result - Failure"
    assert watched.event["detail"]["requestContext"]["condition"] == "RetriesExhausted"
    assert watched.event["detail"]["responsePayload"]["errorType"] == "KeyError"


def test_idempotency_decisions_appear_in_the_trace(stack: LocalStack) -> None:
    first = stack.invoke("IdempotentFunction", {"order": 7})
    second = stack.invoke("IdempotentFunction", {"order": 7})
    assert first.result == second.result  # the saved response, same receipt
    decisions = [activity.title for activity in stack.trace.find("idempotency")]
    assert decisions[0].startswith("idempotency: new request, claimed key")
    assert decisions[-1].endswith("(COMPLETED): returned its saved response")


def test_events_older_than_the_maximum_age_are_given_up(stack: LocalStack) -> None:
    stack.invoke_async("AgingFunction", {"fail": True})
    stack.run_until_idle()
    attempts = stack.invocations("AgingFunction")
    assert len(attempts) == 2  # the third attempt would come 180 s after the event: too old (60 s)
    [record] = [message.json() for message in stack.messages("Outcomes")]
    assert record["requestContext"]["condition"] == "EventAgeExceeded"
    assert record["requestContext"]["approximateInvokeCount"] == 2


def test_a_declared_rule_on_a_custom_bus_delivers_to_step_functions_and_fifo_sqs(stack: LocalStack) -> None:
    stack.put_event("audit", "login", {"who": "ada"}, bus="audit")
    stack.put_event("audit", "login", {"who": "bot-7"}, bus="audit")  # excluded by anything-but prefix
    stack.put_event("audit", "login", {"who": "eve"})  # the default bus: no rule there
    stack.run_until_idle()
    [execution] = stack.executions("AuditFlow")
    assert execution.status == "SUCCEEDED" and execution.output == {"who": "ada", "bus": "audit"}
    [message] = stack.messages("AuditQueue")
    assert message.json() == {"who": "ada"} and message.group_id == "audit"


def test_classic_notifications_to_a_queue(stack: LocalStack) -> None:
    stack.put_object("Landing", "drop/a b.csv", b"x")
    stack.put_object("Landing", "elsewhere/c.csv", b"x")  # outside the prefix filter
    stack.run_until_idle()
    [message] = stack.messages("LandingQueue")
    record = message.json()["Records"][0]
    assert record["eventName"] == "ObjectCreated:Put"
    assert record["s3"]["object"]["key"] == "drop/a+b.csv"
    assert record["s3"]["object"]["size"] == 1
