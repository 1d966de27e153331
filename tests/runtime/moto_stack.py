"""A moto account shaped like the deployed runtime, plus helpers shared by tests and benchmarks.

Importing this module puts the layer (`layers/runtime/python`) on sys.path and sets the Powertools and
AWS test environment (without overriding values already set), so it must be imported before any
`sluice_runtime` module. Every function is an `app.py`, so `load_app` imports each in isolation under a
unique name (`sluice_fn_<name>`). Resource names match the sample events (`sluice-raw`,
`sluice-events`, `sluice-ordered.fifo`).

Example (inside `moto.mock_aws()`):
    >>> stack, env = build_stack(); os.environ.update(env)      # doctest: +SKIP
    >>> load_app("ingest").handler(read_sample("ingest-object-created"), FakeContext())  # doctest: +SKIP
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse, HTTPHeaders

REGION, ACCOUNT = "us-east-1", "123456789012"
Invoke = Callable[..., Any]  # the `invoke` fixture: invoke(function, event, context=None)
Sample = Callable[[str], dict[str, Any]]  # the `sample` fixture: sample("ingest-object-created")
BASE_ENV = {
    "AWS_DEFAULT_REGION": REGION,
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_NAMESPACE": "sluice-tests",
    "POWERTOOLS_SERVICE_NAME": "sluice-tests",
    "AWS_LAMBDA_FUNCTION_NAME": "sluice-tests",
}
# Before the layer is imported: Powertools reads its configuration when Logger/Metrics are built.
for _name, _value in BASE_ENV.items():
    os.environ.setdefault(_name, _value)

ROOT = Path(__file__).resolve().parents[2]
LAYER = ROOT / "layers" / "runtime" / "python"
if str(LAYER) not in sys.path:
    sys.path.insert(0, str(LAYER))


@dataclass
class FakeContext:
    """The parts of the Lambda context the handlers and Powertools read."""

    remaining_ms: int = 600_000
    function_name: str = "sluice-tests"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:sluice-tests"
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678"

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


@dataclass
class Stack:
    """Names and ARNs of the moto resources, plus helpers to inspect what the handlers did."""

    table: str = "sluice-idempotency"
    raw_bucket: str = "sluice-raw"
    staging_bucket: str = "sluice-staging"
    quarantine_bucket: str = "sluice-quarantine"
    stream: str = "sluice-events"
    ordered_queue: str = "sluice-ordered.fifo"
    file_pipeline_arn: str = ""
    stream_batch_arn: str = ""
    dlq_url: str = ""
    alerts_inbox_url: str = ""
    clients: dict[str, Any] = field(default_factory=dict)

    def executions(self, state_machine_arn: str | None = None) -> list[dict[str, Any]]:
        """Every execution of a state machine (default: the file pipeline), with its parsed input."""
        sfn = self.clients["stepfunctions"]
        arn = state_machine_arn or self.file_pipeline_arn
        listed = sfn.list_executions(stateMachineArn=arn)["executions"]
        described = [sfn.describe_execution(executionArn=e["executionArn"]) for e in listed]
        return [{"name": d["name"], "status": d["status"], "input": json.loads(d["input"])} for d in described]

    def quarantined(self) -> list[dict[str, Any]]:
        s3 = self.clients["s3"]
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=self.quarantine_bucket).get("Contents", [])]
        return [json.loads(s3.get_object(Bucket=self.quarantine_bucket, Key=k)["Body"].read()) for k in keys]

    def dead_lettered(self) -> list[dict[str, Any]]:
        sqs = self.clients["sqs"]
        messages: list[dict[str, Any]] = sqs.receive_message(
            QueueUrl=self.dlq_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], AttributeNames=["All"]
        ).get("Messages", [])
        return messages

    def alerts(self) -> list[dict[str, Any]]:
        sqs = self.clients["sqs"]
        messages = sqs.receive_message(QueueUrl=self.alerts_inbox_url, MaxNumberOfMessages=10).get("Messages", [])
        return [json.loads(json.loads(m["Body"])["Message"]) for m in messages]

    def ledger_items(self) -> list[dict[str, Any]]:
        return list(self.clients["dynamodb"].scan(TableName=self.table)["Items"])

    def lapse_claims(self) -> int:
        """Move every INPROGRESS claim's expiry into the past: what the clock does to the claim of an
        invocation that crashed or timed out. Returns how many claims lapsed."""
        dynamodb = self.clients["dynamodb"]
        in_progress = [i for i in self.ledger_items() if i["status"]["S"] == "INPROGRESS"]
        for item in in_progress:
            dynamodb.update_item(
                TableName=self.table,
                Key={"id": item["id"]},
                UpdateExpression="SET in_progress_expiration = :past",
                ExpressionAttributeValues={":past": {"N": str(int(time.time() * 1000) - 1)}},
            )
        return len(in_progress)


def build_stack() -> tuple[Stack, dict[str, str]]:
    """Create the runtime's resources in the active moto mock; return them and the runtime environment."""
    stack = Stack()
    make: dict[str, Any] = {
        name: boto3.client(name, region_name=REGION) for name in ("dynamodb", "s3", "stepfunctions", "sqs", "sns")
    }
    stack.clients = make
    make["dynamodb"].create_table(
        TableName=stack.table,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    make["dynamodb"].update_time_to_live(
        TableName=stack.table, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiration"}
    )
    for bucket in (stack.raw_bucket, stack.staging_bucket, stack.quarantine_bucket):
        make["s3"].create_bucket(Bucket=bucket)
    # As in template.yaml: the raw bucket keeps versions (events name them; HeadObject checks them).
    make["s3"].put_bucket_versioning(Bucket=stack.raw_bucket, VersioningConfiguration={"Status": "Enabled"})
    role = f"arn:aws:iam::{ACCOUNT}:role/sluice-states"
    definition = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}})
    sfn = make["stepfunctions"]
    stack.file_pipeline_arn = sfn.create_state_machine(
        name="FilePipeline", definition=definition, roleArn=role, type="STANDARD"
    )["stateMachineArn"]
    stack.stream_batch_arn = sfn.create_state_machine(
        name="StreamBatch", definition=definition, roleArn=role, type="EXPRESS"
    )["stateMachineArn"]
    fifo = {"FifoQueue": "true", "ContentBasedDeduplication": "false"}
    make["sqs"].create_queue(QueueName=stack.ordered_queue, Attributes=fifo)
    stack.dlq_url = make["sqs"].create_queue(QueueName="sluice-ordered-dlq.fifo", Attributes=fifo)["QueueUrl"]
    stack.alerts_inbox_url = make["sqs"].create_queue(QueueName="alerts-inbox")["QueueUrl"]
    topic_arn = make["sns"].create_topic(Name="sluice-alerts")["TopicArn"]
    make["sns"].subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=f"arn:aws:sqs:{REGION}:{ACCOUNT}:alerts-inbox")
    env = {
        "IDEMPOTENCY_TABLE": stack.table,
        "QUARANTINE_BUCKET": stack.quarantine_bucket,
        "STAGING_BUCKET": stack.staging_bucket,
        "ALERTS_TOPIC_ARN": topic_arn,
        "ORDERED_DLQ_URL": stack.dlq_url,
        "RAW_BUCKET": stack.raw_bucket,
        "FILE_PIPELINE_ARN": stack.file_pipeline_arn,
        "STREAM_BATCH_ARN": stack.stream_batch_arn,
        "EVENTS_STREAM_NAME": stack.stream,
        "ORDERED_QUEUE_NAME": stack.ordered_queue,
    }
    return stack, env


class Calls:
    """AWS API calls made through the runtime's boto3 clients (a botocore `before-call` hook)."""

    def __init__(self) -> None:
        self.made: list[str] = []
        self._failures: dict[str, list[str]] = {}
        self._responders: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {}

    def respond(self, operation: str, responder: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
        """Answer `operation` with `responder(request parameters)` instead of calling moto."""
        self._responders[operation] = responder

    def fail(self, operation: str, code: str, times: int = 1, after: int = 0) -> None:
        """Let `after` calls of `operation` (e.g. "states.StartExecution") through, fail the next `times`."""
        self._failures.setdefault(operation, []).extend([""] * after + [code] * times)

    def count(self, operation: str) -> int:
        return self.made.count(operation)

    def wrap(self, create: Callable[..., Any]) -> Callable[..., Any]:
        """A `create_client` replacement whose clients report every call to this recorder."""

        def client(*args: Any, **kwargs: Any) -> Any:
            made = create(*args, **kwargs)
            made.meta.events.register("before-call.*.*", self.hook)
            return made

        return client

    def hook(self, model: Any, params: dict[str, Any], **_: Any) -> Any:
        operation = f"{model.service_model.endpoint_prefix}.{model.name}"
        self.made.append(operation)
        pending = self._failures.get(operation)
        code = pending.pop(0) if pending else ""
        if code:
            status = 400 if "Throttl" in code or code.startswith("Execution") else 500
            return (
                AWSResponse("", status, HTTPHeaders(), None),
                {"Error": {"Code": code, "Message": f"injected {code}"}},
            )
        if operation in self._responders:
            request = json.loads(params["body"] or b"{}")
            return (AWSResponse("", 200, HTTPHeaders(), None), self._responders[operation](request))
        return None


_APPS: dict[str, ModuleType] = {}


def load_app(function: str) -> ModuleType:
    """Import functions/<function>/app.py under the unique name `sluice_fn_<function>`."""
    if function not in _APPS:
        path = ROOT / "functions" / function / "app.py"
        spec = importlib.util.spec_from_file_location(f"sluice_fn_{function}", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _APPS[function] = module
    return _APPS[function]


def read_sample(name: str) -> dict[str, Any]:
    """A sample event from events/<name>.json (a fresh copy)."""
    event: dict[str, Any] = json.loads((ROOT / "events" / f"{name}.json").read_text(encoding="utf-8"))
    return event


def only_outcome(result: dict[str, Any]) -> dict[str, Any]:
    """The single outcome of an ingest/router response."""
    only: dict[str, Any]
    (only,) = result["outcomes"]
    return only
