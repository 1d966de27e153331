"""Cold start: what a handler's init phase imports, and which clients a call builds (benchmarks/cold_start.py).

Lambda bills and waits for the init phase (`import app`) and the first invocation alike; the benchmark
measures both against `import boto3`. These tests pin the structural part of those figures so a
regression shows here and not only in a noisy timing: a handler module imports neither pydantic nor
boto3, the step functions no botocore session either, and clients that a call may never use (the
StartSyncExecution client, the offload bucket's S3 client, the quarantine's and the dead-letter queue's)
are built only when used; the first model a call builds does not send pydantic looking through every
installed distribution for plugins; and no garbage collection runs during a cold start in Lambda.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from benchmarks import cold_start as benchmark
from sluice.local.lambda_.spec import function_specs
from sluice.local.template.model import SamTemplate

from .moto_stack import ROOT, Stack

# isort: split
from sluice_runtime import clients
from sluice_runtime.errors import InvalidEvent, UnknownRoute
from sluice_runtime.payloads import Offloader
from sluice_runtime.quarantine import DeadLetter, Quarantine
from sluice_runtime.starter import ExecutionType, Starter

FUNCTIONS = sorted(path.parent.name for path in (ROOT / "functions").glob("*/app.py"))
# The event-source handlers route through `wiring`, whose clients module imports botocore's session
# (not boto3). The bare `botocore` package is light: Powertools imports it to tag its user agent.
EVENT_SOURCES = {"ingest", "router", "ordered", "stream"}
HEAVY = ("pydantic", "boto3", "botocore.session")


def modules_after_import(name: str) -> list[str]:
    """Which of HEAVY a fresh interpreter holds after `import app` in functions/<name>/ (Lambda's layout)."""
    code = f"import json, sys, app; print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "layers" / "runtime" / "python")}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT / "functions" / name, env=env,
                          capture_output=True, text=True, check=True)
    return list(json.loads(done.stdout))


def test_every_function_is_checked() -> None:
    assert set(FUNCTIONS) > EVENT_SOURCES  # the step functions are the rest


@pytest.mark.parametrize("name", FUNCTIONS)
def test_init_phase_imports_neither_pydantic_nor_boto3(name: str) -> None:
    # Step functions load their step (models, catalog, clients) on the first call; the event-source
    # handlers only botocore, through `wiring`.
    assert modules_after_import(name) == (["botocore.session"] if name in EVENT_SOURCES else [])


# Whether pydantic searched the installed distributions' entry points for plugins (pydantic.plugin._loader
# caches what it found in `_plugins`; it stays None while no search has run).
_PLUGIN_PROBE = """
import json, pydantic
from pydantic.plugin import _loader
class Model(pydantic.BaseModel):
    value: int
Model(value=1)
print(json.dumps(_loader._plugins is not None))
"""


def searched_for_plugins(environment: dict[str, str]) -> bool:
    env = {key: value for key, value in os.environ.items() if key != "PYDANTIC_DISABLE_PLUGINS"}
    done = subprocess.run([sys.executable, "-c", _PLUGIN_PROBE], env={**env, **environment},
                          capture_output=True, text=True, check=True)
    return bool(json.loads(done.stdout))


def test_no_function_searches_for_pydantic_plugins_on_its_first_model() -> None:
    environments = {spec.code_dir.name: spec.environment
                    for spec in function_specs(SamTemplate.load(ROOT / "template.yaml")).values()}
    assert set(environments) >= set(FUNCTIONS)
    settings = {environment.get("PYDANTIC_DISABLE_PLUGINS") for environment in environments.values()}
    assert len(settings) == 1
    (setting,) = settings
    assert setting is not None
    assert not searched_for_plugins({"PYDANTIC_DISABLE_PLUGINS": setting})
    assert searched_for_plugins({})  # what every cold start paid without it


# A handler's first call (file_notify's makes no AWS call), reporting what the collector did meanwhile.
_GC_PROBE = """
import gc, json, sys
collections = []  # each collection's generation, and whether the layer's cold start was on
def seen(phase, info):
    layer = sys.modules.get("sluice_runtime.cold_start")
    if phase == "stop":
        collections.append((info["generation"], bool(layer and layer.during_cold_start())))
gc.callbacks.append(seen)
import app
during = gc.get_threshold()
""" + benchmark.CONTEXT + """
app.handler(json.load(open(sys.argv[1])), Context())
print(json.dumps({"during": during, "after": gc.get_threshold(), "collections": collections,
                  "frozen": gc.get_freeze_count(), "default": [2000, 10, 10]}))
"""


def first_call_collector(environment: dict[str, str]) -> dict[str, Any]:
    event = benchmark.sample_event("file_notify")
    done = subprocess.run([sys.executable, "-c", _GC_PROBE, str(event)], cwd=ROOT / "functions" / "file_notify",
                          env=environment, capture_output=True, text=True, check=True, timeout=60)
    report: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return report


def test_no_collection_runs_during_a_cold_start_in_lambda_and_the_collector_is_back_after_it() -> None:
    report = first_call_collector(benchmark.lambda_env("file_notify"))  # AWS_EXECUTION_ENV=AWS_Lambda_python3.13
    assert report["during"][0] == 500_000
    assert [generation for generation, cold in report["collections"] if cold] == []
    assert report["after"] == report["default"]  # CPython 3.13's thresholds, restored after the first call
    assert report["frozen"] > 10_000  # what the init and the first call built, never scanned again


@pytest.mark.parametrize("outside", [{"AWS_SAM_LOCAL": "true"}, {"AWS_EXECUTION_ENV": ""}])
def test_outside_lambda_the_layer_leaves_the_collector_alone(outside: dict[str, str]) -> None:
    report = first_call_collector({**benchmark.lambda_env("file_notify"), **outside})
    assert report["during"] == report["default"] and report["frozen"] == 0
    assert len(report["collections"]) > 10  # CPython's own pace: a collection every 2,000 allocations


class Built:
    """A client factory that counts how often it is asked."""

    def __init__(self, client: Any) -> None:
        self.client, self.calls = client, 0

    def __call__(self) -> Any:
        self.calls += 1
        return self.client


class SyncClient:
    """StartSyncExecution, which moto lacks: every run succeeds."""

    def start_sync_execution(self, stateMachineArn: str, name: str, input: str) -> dict[str, Any]:
        arn = stateMachineArn.replace(":stateMachine:", ":express:") + f":{name}:1"
        return {"executionArn": arn, "status": "SUCCEEDED", "output": "{}"}


def test_the_sync_client_is_built_only_for_an_express_sync_start(aws: Stack) -> None:
    sync = Built(SyncClient())
    starter = Starter(clients.stepfunctions(), sync)
    assert starter.start(aws.file_pipeline_arn, ExecutionType.STANDARD, "run-1", {}).status == "started"
    assert sync.calls == 0
    assert starter.start(aws.stream_batch_arn, ExecutionType.EXPRESS_SYNC, "run-2", {}).status == "succeeded"
    assert sync.calls == 1


def test_the_offload_client_is_built_only_when_a_payload_is_offloaded(aws: Stack) -> None:
    s3 = Built(clients.s3())
    offloader = Offloader(aws.staging_bucket, s3)
    small = {"id": "r1", "data": "x"}
    assert offloader.fit(small, "data", "events-stream", "r1", 1024) == small
    assert s3.calls == 0
    offloaded = offloader.fit({"id": "r2", "data": "y" * 2048}, "data", "events-stream", "r2", 1024)
    assert offloaded["data_ref"]["bucket"] == aws.staging_bucket
    assert s3.calls == 1


def test_the_quarantine_builds_its_clients_on_the_first_set_aside(aws: Stack) -> None:
    s3, sns = Built(clients.s3()), Built(clients.sns())
    sink = Quarantine(aws.quarantine_bucket, os.environ["ALERTS_TOPIC_ARN"], s3, sns)
    assert (s3.calls, sns.calls) == (0, 0)  # built for every invocation, used by few
    location = sink.set_aside(UnknownRoute("no pipeline for s3://raw/tmp/x"), {"k": 1}, record_id="r1", pipeline=None)
    assert location.startswith(f"s3://{aws.quarantine_bucket}/quarantine/unknown_route/")
    assert (s3.calls, sns.calls) == (1, 1)
    assert len(aws.alerts()) == 1


def test_the_dead_letter_queue_builds_its_client_on_the_first_message(aws: Stack) -> None:
    sqs = Built(clients.sqs())
    sink = DeadLetter(os.environ["ORDERED_DLQ_URL"], sqs)
    assert sqs.calls == 0
    sink.set_aside(InvalidEvent("body is not JSON"), "{", record_id="m1", pipeline=None, group="g1")
    assert sqs.calls == 1
