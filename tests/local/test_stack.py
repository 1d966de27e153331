"""The fixture pipeline end to end, from the template: S3 → EventBridge rule → Lambda → DynamoDB →
Step Functions → task Lambda → S3 (→ classic notification → Lambda)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from sluice.local.errors import StackError
from sluice.local.stack import LocalStack

CSV = b"id,amount\n1,9.5\n2,3\n"


def ingest_events(stack: LocalStack) -> list[dict[str, Any]]:
    return [invocation.event for invocation in stack.invocations("IngestFunction")]


def test_a_dropped_file_runs_the_whole_chain(pipeline: LocalStack) -> None:
    pipeline.put_object("RawBucket", "in/orders.csv", CSV)
    pipeline.run_until_idle()

    [execution] = pipeline.executions("Pipeline")
    assert execution.status == "SUCCEEDED"
    assert execution.output["transform"] == {"rows": 2, "output": "curated/orders.json", "calls": 1}
    assert json.loads(pipeline.objects("OutBucket")["curated/orders.json"]) == [
        {"id": "1", "amount": "9.5"}, {"id": "2", "amount": "3"}]
    assert pipeline.items("SeenTable") == [{"id": "in/orders.csv", "status": "DONE"}]
    [audit] = pipeline.invocations("AuditFunction")
    assert audit.result == {"seen": ["curated/orders.json"], "event": "ObjectCreated:Put"}


def test_the_s3_eventbridge_event_has_the_aws_shape(pipeline: LocalStack) -> None:
    first = pipeline.put_object("RawBucket", "in/2024-06-11T09:15:02 orders.csv", CSV)
    pipeline.put_object("RawBucket", "in/more.csv", b"id\n1\n")
    pipeline.run_until_idle()
    event, second = ingest_events(pipeline)
    assert (event["source"], event["detail-type"], event["version"]) == ("aws.s3", "Object Created", "0")
    bucket = pipeline.bucket("RawBucket")
    assert event["resources"] == [f"arn:aws:s3:::{bucket}"]
    assert (event["account"], event["region"]) == ("123456789012", "us-east-1")
    detail = event["detail"]
    assert detail["bucket"] == {"name": bucket}
    assert detail["reason"] == "PutObject" and detail["requester"] == "123456789012"
    obj = detail["object"]
    assert obj["key"] == "in/2024-06-11T09:15:02 orders.csv"  # not URL-encoded in EventBridge events
    assert obj["size"] == len(CSV)
    assert obj["etag"] == hashlib.md5(CSV).hexdigest()
    assert obj["version-id"] == first["VersionId"]  # the bucket is versioned
    assert len(obj["sequencer"]) == 18
    assert second["detail"]["object"]["sequencer"] > obj["sequencer"]


def test_classic_notifications_url_encode_the_key(pipeline: LocalStack) -> None:
    pipeline.put_object("RawBucket", "in/my orders.csv", CSV)
    pipeline.run_until_idle()
    [audit] = pipeline.invocations("AuditFunction")
    record = audit.event["Records"][0]
    assert record["eventSource"] == "aws:s3" and record["eventName"] == "ObjectCreated:Put"
    assert record["s3"]["object"]["key"] == "curated/my+orders.json"
    assert record["s3"]["bucket"]["name"] == pipeline.bucket("OutBucket")
    assert "versionId" not in record["s3"]["object"]  # OutBucket is not versioned


def test_objects_the_rule_does_not_match_start_nothing(pipeline: LocalStack) -> None:
    pipeline.put_object("RawBucket", "in/notes.txt", b"hello")
    pipeline.run_until_idle()
    assert pipeline.invocations() == [] and pipeline.executions() == []
    [event] = pipeline.trace.find("event")
    assert event.detail["rules_matched"] == []


def test_deleting_from_a_versioned_bucket_sends_object_deleted(pipeline: LocalStack) -> None:
    pipeline.put_object("RawBucket", "in/notes.txt", b"hello")
    pipeline.delete_object("RawBucket", "in/notes.txt")
    pipeline.run_until_idle()
    deleted = [activity.ref for activity in pipeline.trace.find("event")
               if activity.ref["detail-type"] == "Object Deleted"]
    [event] = deleted
    assert event["detail"]["reason"] == "DeleteObject"
    assert event["detail"]["deletion-type"] == "Delete Marker Created"
    assert "size" not in event["detail"]["object"]


def test_writes_by_any_client_trigger_the_wiring(pipeline: LocalStack) -> None:
    s3 = boto3.client("s3")  # a client the test creates itself, with no region given
    s3.put_object(Bucket=pipeline.bucket("RawBucket"), Key="in/direct.csv", Body=CSV)
    pipeline.run_until_idle()
    assert [execution.status for execution in pipeline.executions()] == ["SUCCEEDED"]


def test_a_failing_task_is_retried_then_caught(pipeline: LocalStack) -> None:
    pipeline.put_object("RawBucket", "in/empty.csv", b"id,amount\n")
    started = pipeline.clock.now()
    pipeline.run_until_idle()
    [execution] = pipeline.executions()
    assert execution.status == "FAILED" and execution.error == "TransformFailed"
    attempts = pipeline.invocations("TransformFunction")
    assert [invocation.error.error_type for invocation in attempts if invocation.error] == ["ValueError"] * 2
    assert pipeline.clock.now() - started == pytest.approx(30, abs=0.1)  # the Retry interval, on virtual time


def test_asynchronous_failures_are_retried_then_sent_to_the_dead_letter_queue(pipeline: LocalStack) -> None:
    pipeline.put_event("sluice.test", "flaky", {"fail": True})
    started = pipeline.clock.now()
    pipeline.run_until_idle()
    attempts = pipeline.invocations("FlakyFunction")
    assert [invocation.attempt for invocation in attempts] == [1, 2]  # MaximumRetryAttempts: 1
    assert pipeline.clock.now() - started == pytest.approx(60, abs=0.1)  # Lambda waits a minute
    [message] = pipeline.messages("FailureQueue")
    assert message.json() == attempts[0].event
    assert message.attributes["RequestID"]["StringValue"] == attempts[0].request_id
    assert message.attributes["ErrorMessage"]["StringValue"] == "failing as asked (attempt 2)"


def test_input_transformer_shapes_what_the_function_receives(pipeline: LocalStack) -> None:
    pipeline.put_event("sluice.test", "flaky", {"fail": False})
    pipeline.run_until_idle()
    [invocation] = pipeline.invocations("FlakyFunction")
    rule_name = pipeline.world.router.rules[[rule.logical_id for rule in pipeline.world.router.rules].index(
        "FlakyFunctionPing")].name
    assert invocation.event == {"fail": False, "rule": rule_name}


def test_the_trace_connects_causes_and_effects(pipeline: LocalStack) -> None:
    pipeline.put_object("RawBucket", "in/orders.csv", CSV)
    pipeline.run_until_idle()
    [root] = pipeline.trace.roots
    kinds = [activity.kind for activity in root.walk()]
    assert kinds[:4] == ["call", "event", "rule", "invoke"]
    [execution] = root.find("execution")
    assert [child.detail.get("state") for child in execution.children] == ["Transform", "MarkDone"]
    assert root.ok


def test_unknown_names_are_reported_with_what_exists(pipeline: LocalStack) -> None:
    with pytest.raises(StackError, match="no bucket 'Nope' in the template \\(buckets: RawBucket, OutBucket\\)"):
        pipeline.put_object("Nope", "k", b"")


def test_a_direct_invoke_does_not_run_what_it_started(pipeline: LocalStack) -> None:
    event = {"detail": {"bucket": {"name": "b"}, "object": {"key": "in/x.csv", "size": 1}}}
    invocation = pipeline.invoke("IngestFunction", event)
    [execution] = pipeline.executions()
    assert invocation.ok and execution.status == "RUNNING"  # StartExecution returned at once
    pipeline.run_until_idle()
    assert execution.status == "FAILED"  # the bucket in the hand-written event does not exist


def test_one_stack_at_a_time(pipeline: LocalStack) -> None:
    with pytest.raises(StackError, match="another LocalStack is open"):
        LocalStack.from_template(pipeline.template.path or "").start()


def test_a_call_nothing_local_answers_is_refused_never_sent_to_aws(start_stack: Callable[..., LocalStack]) -> None:
    """Found by the sweep of serverless-patterns (`qbusiness-s3-lambda`): a call to a service moto does not
    implement went to its real endpoint. Inside a stack it is refused, saying why; the handler sees the
    ClientError an unimplemented operation gives."""
    template = ("Transform: AWS::Serverless-2016-10-31\nResources:\n  Sync:\n    Type: AWS::Serverless::Function\n"
                "    Properties: {Runtime: python3.13, CodeUri: src/, Handler: app.handler}\n")
    handler = ("import boto3\nfrom botocore.exceptions import ClientError\n\n"
               "def handler(event, context):\n    try:\n"
               "        boto3.client('qbusiness').list_applications()\n    except ClientError as error:\n"
               "        return error.response['Error']\n")
    stack = start_stack(template, {"src/app.py": handler})
    error = stack.invoke("Sync").result
    assert error["Code"] == "NotImplemented"
    assert error["Message"].startswith("qbusiness ListApplications is not emulated locally")
