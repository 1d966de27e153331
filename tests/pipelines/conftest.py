"""Fixtures for the reference pipelines: a moto world with the stack's stores, the real task handlers,
and the real ASL files on the local engine.

* `world` - a fresh moto account: versioned raw / staging / curated / quarantine buckets, the stream
  sink table, the alerts topic (subscribed by an SQS inbox the tests read), the environment the task
  functions read (`CURATED_BUCKET`, ...), and the packaged catalog unless a test swaps it.
* `pipelines` - an `Engine` on a virtual clock with the three state machines created from
  `statemachines/*.asl.json`, each `${Name}` replaced the way the template's DefinitionSubstitutions
  do, every task function mapped to its real handler (`functions/<name>/app.py`, imported in isolation
  by file path), and service integrations (SNS, nested executions, S3 item reader) on moto.

Handlers are the deployed code: the layer directory goes on `sys.path`, never `src/sluice`.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws

# isort: off
# The same test environment as the runtime tests (AWS test credentials, Powertools settings, the
# layer on sys.path): importing it first applies it before the layer itself is imported.
from tests.runtime.moto_stack import ACCOUNT, REGION, ROOT
from sluice_runtime import wiring as runtime_wiring
from sluice_runtime.datasets import wiring

# isort: on
from sluice.asl import Engine
from sluice.asl.execution import Execution
from sluice.asl.integrations import ServiceIntegrations
from sluice.asl.tasks.lambda_ import SimpleLambdaContext
from sluice.local.clients import shared_model_loader

STATE_MACHINES = ROOT / "statemachines"
# Function logical id -> code directory, as in template.yaml.
FUNCTIONS = {
    "FileValidateFunction": "file_validate",
    "FileChunkFunction": "file_chunk",
    "FileReduceFunction": "file_reduce",
    "FileQualityFunction": "file_quality",
    "FilePublishFunction": "file_publish",
    "FileCompensateFunction": "file_compensate",
    "FileQuarantineFunction": "file_quarantine",
    "FileNotifyFunction": "file_notify",
    "StreamSinkFunction": "stream_sink",
    "BackfillFunction": "backfill",
    "FreshnessFunction": "freshness",
}
MACHINES = {"FilePipeline": ("file_pipeline", "STANDARD"), "StreamBatch": ("stream_batch", "EXPRESS"),
            "Backfill": ("backfill", "STANDARD")}


def machine_arn(name: str) -> str:
    return f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{name}"


def function_arn(logical_id: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{logical_id}"


_APPS: dict[str, ModuleType] = {}


def context(function: str = "sluice-tests") -> SimpleLambdaContext:
    """A Lambda context for calling a handler directly."""
    return SimpleLambdaContext(function, "c6af9ac6-7b61-11e6-9a41-93e812345678", function_arn(function))


def load_app(directory: str) -> ModuleType:
    """Import functions/<directory>/app.py under its own module name (every function has an app.py)."""
    if directory not in _APPS:
        path = ROOT / "functions" / directory / "app.py"
        spec = importlib.util.spec_from_file_location(f"sluice_pipeline_fn_{directory}", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _APPS[directory] = module
    return _APPS[directory]


@dataclass
class World:
    """The moto resources and what the tests inspect."""

    raw: str = "sluice-raw"
    staging: str = "sluice-staging"
    curated: str = "sluice-curated"
    quarantine: str = "sluice-quarantine"
    sink_table: str = "sluice-stream-sink"
    topic_arn: str = ""
    inbox_url: str = ""
    clients: dict[str, Any] = field(default_factory=dict)
    writes: int = 0  # S3's sequencers increase with every write to a key; a counter does here

    @property
    def s3(self) -> Any:
        return self.clients["s3"]

    def put(self, key: str, body: str | bytes, bucket: str | None = None) -> dict[str, Any]:
        """Upload an object; returns the S3 record entry `ingest` would put in the execution input."""
        data = body.encode() if isinstance(body, str) else body
        target = bucket or self.raw
        response = self.s3.put_object(Bucket=target, Key=key, Body=data)
        self.writes += 1
        return {"type": "s3", "bucket": target, "key": key, "version_id": response.get("VersionId", "null"),
                "etag": response["ETag"].strip('"'), "size": len(data), "sequencer": f"{self.writes:018X}"}

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        return [entry["Key"] for page in pages for entry in page.get("Contents", [])]

    def read(self, bucket: str, key: str) -> bytes:
        body: bytes = self.s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        return body

    def read_json(self, bucket: str, key: str) -> Any:
        return json.loads(self.read(bucket, key))

    def read_lines(self, bucket: str, key: str) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.read(bucket, key).decode().splitlines()]

    def curated_rows(self, dataset: str, partition: str) -> list[dict[str, Any]]:
        """What a reader sees: follow `_SUCCESS` -> manifest -> files."""
        marker = self.read_json(self.curated, f"{dataset}/{partition}/_SUCCESS")
        manifest = self.read_json(self.curated, marker["manifest"])
        return [row for entry in manifest["files"] for row in self.read_lines(self.curated, entry["key"])]

    def alerts(self) -> list[dict[str, Any]]:
        """SNS messages published to the alerts topic since the last call (subject and parsed message)."""
        found: list[dict[str, Any]] = []
        while True:
            messages = self.clients["sqs"].receive_message(QueueUrl=self.inbox_url, MaxNumberOfMessages=10)
            batch = messages.get("Messages", [])
            if not batch:
                return found
            for message in batch:
                envelope = json.loads(message["Body"])
                found.append({"subject": envelope.get("Subject"), "message": json.loads(envelope["Message"])})
                self.clients["sqs"].delete_message(QueueUrl=self.inbox_url, ReceiptHandle=message["ReceiptHandle"])

    def sink_items(self) -> list[dict[str, Any]]:
        items = self.clients["dynamodb"].scan(TableName=self.sink_table)["Items"]
        return [{name: next(iter(value.values())) for name, value in item.items()} for item in items]


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    with shared_model_loader(), mock_aws():  # moto drops boto3's default session on start: reuse parsed models
        made = World()
        made.clients = {name: boto3.client(name, region_name=REGION) for name in ("s3", "sqs", "sns", "dynamodb")}
        for bucket in (made.raw, made.staging, made.curated, made.quarantine):
            made.s3.create_bucket(Bucket=bucket)
            made.s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        made.clients["dynamodb"].create_table(
            TableName=made.sink_table,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        made.topic_arn = made.clients["sns"].create_topic(Name="sluice-alerts")["TopicArn"]
        made.inbox_url = made.clients["sqs"].create_queue(QueueName="alerts-inbox")["QueueUrl"]
        made.clients["sns"].subscribe(TopicArn=made.topic_arn, Protocol="sqs",
                                      Endpoint=f"arn:aws:sqs:{REGION}:{ACCOUNT}:alerts-inbox")
        environment = {
            "RAW_BUCKET": made.raw,
            "STAGING_BUCKET": made.staging,
            "CURATED_BUCKET": made.curated,
            "QUARANTINE_BUCKET": made.quarantine,
            "ALERTS_TOPIC_ARN": made.topic_arn,
            "STREAM_SINK_TABLE": made.sink_table,
            "FILE_PIPELINE_ARN": machine_arn("FilePipeline"),
            "STREAM_BATCH_ARN": machine_arn("StreamBatch"),
            "IDEMPOTENCY_TABLE": "unused-by-pipelines",
            "EVENTS_STREAM_NAME": "sluice-events",
            "ORDERED_QUEUE_NAME": "sluice-ordered.fifo",
        }
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("SLUICE_CATALOG", raising=False)
        wiring.reset()
        runtime_wiring.reset()
        yield made
        wiring.reset()
        runtime_wiring.reset()


@pytest.fixture
def catalog_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[Callable[[dict[str, Any]], None]], Path]:
    """Run with a modified copy of the packaged catalog: `catalog_file(lambda c: ...mutate c...)`."""
    from sluice_runtime.datasets.catalog import PACKAGED_CATALOG  # noqa: PLC0415

    def use(change: Callable[[dict[str, Any]], None]) -> Path:
        document = json.loads(PACKAGED_CATALOG.read_text(encoding="utf-8"))
        change(document)
        path = tmp_path / f"catalog-{len(list(tmp_path.glob('catalog-*')))}.json"
        path.write_text(json.dumps(document), encoding="utf-8")
        monkeypatch.setenv("SLUICE_CATALOG", str(path))
        return path

    return use


def dataset_entry(document: dict[str, Any], name: str) -> dict[str, Any]:
    entry: dict[str, Any] = next(d for d in document["datasets"] if d["name"] == name)
    return entry


def substitutions(world: World) -> dict[str, str]:
    """What template.yaml's DefinitionSubstitutions resolve to in this world."""
    # Every task function is invoked by a state machine; the freshness monitor only by its schedule.
    values = {f"{logical_id}Arn": function_arn(logical_id) for logical_id in FUNCTIONS
              if logical_id != "FreshnessFunction"}
    values |= {"AlertsTopicArn": world.topic_arn, "FilePipelineArn": machine_arn("FilePipeline"),
               "StagingBucketName": world.staging, "QuarantineBucketName": world.quarantine}
    return values


def definition(name: str, values: dict[str, str]) -> str:
    text = (STATE_MACHINES / f"{name}.asl.json").read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace("${" + key + "}", value)
    assert "${" not in text, f"{name}: unresolved substitution"
    return text


class Pipelines:
    """The engine with the stack's state machines and handlers; handlers can be wrapped per test."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.handlers: dict[str, Callable[[Any, Any], Any]] = {
            logical_id: load_app(directory).handler for logical_id, directory in FUNCTIONS.items()
        }
        self.calls: dict[str, int] = dict.fromkeys(FUNCTIONS, 0)
        self.engine = Engine(functions={name: self._dispatch(name) for name in FUNCTIONS},
                             integrations=ServiceIntegrations(), seed=11)
        values = substitutions(world)
        for name, (file_name, kind) in MACHINES.items():
            self.engine.create_state_machine(name, json.loads(definition(file_name, values)), type=kind)

    def _dispatch(self, name: str) -> Callable[[Any, Any], Any]:
        def invoke(event: Any, context: Any) -> Any:
            self.calls[name] += 1
            # A JSON round trip, as Lambda serializes the event and the result.
            result = self.handlers[name](json.loads(json.dumps(event)), context)
            return json.loads(json.dumps(result))

        return invoke

    def wrap(self, name: str, wrapper: Callable[[Callable[[Any, Any], Any]], Callable[[Any, Any], Any]]) -> None:
        self.handlers[name] = wrapper(self.handlers[name])

    def run(self, machine: str, document: Any, name: str | None = None) -> Execution:
        return self.engine.run(machine, document, name=name)

    def run_file(self, record: dict[str, Any], name: str = "raw-objects-0001", replay: Any = None) -> Execution:
        """Run the file pipeline on one S3 record, with the input `ingest` would build."""
        return self.run("FilePipeline", file_input(record, name, replay), name=name)


def file_input(record: dict[str, Any], name: str, replay: Any = None, pipeline: str = "raw-objects") -> dict[str, Any]:
    return {"sluice": {"pipeline": pipeline, "execution_name": name, "idempotency_key": f"{pipeline}|{name}",
                       "replay": replay}, "records": [record]}


@pytest.fixture
def pipelines(world: World) -> Iterator[Pipelines]:
    made = Pipelines(world)
    yield made
    made.engine.close()


@dataclass
class Fault:
    operation: str  # "s3.HeadObject"
    code: str
    status: int
    times: int
    when: Callable[[dict[str, Any]], bool]
    raised: int = 0


class Faults:
    """Make chosen AWS calls fail, whoever makes them (handlers in any sandbox included).

    botocore copies `botocore.handlers.BUILTIN_HANDLERS` into every session it creates (moto and the
    local stack hook in the same way), so the hooks reach every client created after `install`.
    """

    _PARAMS = "sluice.tests.faults.params"

    def __init__(self) -> None:
        self.faults: list[Fault] = []
        self.watchers: list[tuple[str, Callable[[dict[str, Any]], None]]] = []

    def fail(self, operation: str, code: str, status: int, *, times: int = 1,
             when: Callable[[dict[str, Any]], bool] = lambda params: True) -> Fault:
        fault = Fault(operation, code, status, times, when)
        self.faults.append(fault)
        return fault

    def watch(self, operation: str, callback: Callable[[dict[str, Any]], None]) -> None:
        """Call `callback(params)` before every `operation` ("s3.HeadObject"), without changing it."""
        self.watchers.append((operation, callback))

    def remember(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context[self._PARAMS] = params

    def intercept(self, model: Any, context: dict[str, Any], **_: Any) -> Any:
        from botocore.awsrequest import AWSResponse  # noqa: PLC0415
        from botocore.compat import HTTPHeaders  # noqa: PLC0415

        operation = f"{model.service_model.service_name}.{model.name}"
        params = context.get(self._PARAMS) or {}
        for watched, callback in self.watchers:
            if watched == operation:
                callback(params)
        for fault in self.faults:
            if fault.operation == operation and fault.raised < fault.times and fault.when(params):
                fault.raised += 1
                error = {"Error": {"Code": fault.code, "Message": f"injected {fault.code}"},
                         "ResponseMetadata": {"HTTPStatusCode": fault.status}}
                return AWSResponse("", fault.status, HTTPHeaders(), None), error
        return None


@pytest.fixture
def faults(monkeypatch: pytest.MonkeyPatch) -> Faults:
    import botocore.handlers  # noqa: PLC0415

    made = Faults()
    hooks: list[tuple[str, Any]] = [("before-parameter-build", made.remember), ("before-call", made.intercept)]
    monkeypatch.setattr(botocore.handlers, "BUILTIN_HANDLERS", [*botocore.handlers.BUILTIN_HANDLERS, *hooks])
    # Clients come from boto3's default session: start a new one so that it copies the hooks.
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    wiring.reset()
    runtime_wiring.reset()
    return made


def orders_csv(rows: int, *, start: int = 0, bad: dict[int, str] | None = None) -> str:
    """An orders file with `rows` valid rows; `bad` replaces the amount of some rows (by 0-based index)."""
    lines = ["order_id,customer_id,amount,currency,ordered_at,coupon"]
    for n in range(start, start + rows):
        amount = (bad or {}).get(n - start, f"{n % 97}.{n % 100:02d}")
        coupon = "SUMMER" if n % 3 == 0 else ""
        lines.append(f"o-{n:06d},c-{n % 13},{amount},EUR,2024-06-11T09:{n % 60:02d}:00Z,{coupon}")
    return "\n".join(lines) + "\n"
