"""The project's own template.yaml on the local stack.

The resources are provisioned as the template declares them; once functions appear in the
template, `sluice invoke` runs each `events/*.json` sample on the function it belongs to (the
sample's name starts with the function's CodeUri directory: `ingest-…` → `functions/ingest`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from sluice.cli import main
from sluice.local.lambda_.spec import FUNCTION_TYPES
from sluice.local.stack import LocalStack
from sluice.local.template.model import SamTemplate

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
# events/<code dir>-<case>.json; events/env.json is SAM's --env-vars file, not a sample.
SAMPLES = sorted(path for path in (ROOT / "events").glob("*-*.json"))
ENV_VARS = ROOT / "events" / "env.json"


def functions_by_code_dir() -> dict[str, str]:
    template = SamTemplate.load(TEMPLATE)
    found = {}
    for decl in template.of_type(*FUNCTION_TYPES):
        code = template.prop(decl, "CodeUri")
        if isinstance(code, str):
            found[Path(code).name] = decl.logical_id
    return found


@pytest.fixture(scope="module")
def functions() -> dict[str, str]:
    return functions_by_code_dir()


@pytest.fixture
def stack() -> Iterator[LocalStack]:
    with LocalStack.from_template(TEMPLATE) as started:
        yield started


def test_the_templates_resources_are_provisioned(stack: LocalStack) -> None:
    buckets = {bucket["Name"] for bucket in stack.client("s3").list_buckets()["Buckets"]}
    for decl in stack.template.of_type("AWS::S3::Bucket"):
        assert stack.bucket(decl.logical_id) in buckets
    for decl in stack.template.of_type("AWS::SQS::Queue"):
        attributes = stack.client("sqs").get_queue_attributes(QueueUrl=stack.queue_url(decl.logical_id),
                                                              AttributeNames=["All"])["Attributes"]
        assert attributes["QueueArn"] == stack.arn(decl.logical_id)
        fifo = str(decl.properties.get("FifoQueue", False)).lower() == "true"
        assert (attributes.get("FifoQueue") == "true") is fifo
    for decl in stack.template.of_type("AWS::DynamoDB::Table"):
        assert stack.client("dynamodb").describe_table(TableName=stack.table(decl.logical_id))["Table"]


def test_the_template_runs_without_unsupported_constructs(stack: LocalStack) -> None:
    assert stack.warnings == []


def test_a_valid_daily_file_is_published(stack: LocalStack) -> None:
    """The deployed chain, from the project's own template: S3 → EventBridge → ingest → idempotency
    claim → file pipeline → task functions → curated partition with its _SUCCESS marker."""
    if not any(stack.template.of_type("AWS::Serverless::StateMachine")):
        pytest.skip("template.yaml declares no state machine yet")
    catalog = json.loads((ROOT / "layers/runtime/python/sluice_runtime/datasets/catalog.json").read_text())
    orders = next(dataset for dataset in catalog["datasets"] if dataset["name"] == "orders")
    sample = {"order_id": "A-1", "customer_id": "c1", "amount": "9.50", "currency": "EUR",
              "ordered_at": "2024-06-11T09:00:00Z"}
    columns = [column["name"] for column in orders["schema"]["columns"] if column.get("required")]
    body = ",".join(columns) + "\n" + ",".join(sample.get(column, "x") for column in columns) + "\n"
    activities = stack.drop("RawBucket", "incoming/2024/06/11/orders.csv", body)
    assert all(activity.ok for activity in activities)
    [execution] = stack.executions()
    assert execution.status == "SUCCEEDED", execution.cause
    assert any(key.endswith("dt=2024-06-11/_SUCCESS") for key in stack.objects("CuratedBucket"))
    decisions = [activity.title for activity in stack.trace.find("idempotency")]
    assert decisions and decisions[0].startswith("idempotency: new request")


@pytest.mark.parametrize("sample", SAMPLES, ids=[sample.stem for sample in SAMPLES])
def test_sluice_invoke_runs_each_event_sample(sample: Path, functions: dict[str, str],
                                             capsys: pytest.CaptureFixture[str]) -> None:
    function = functions[sample.stem.split("-", 1)[0]]  # every sample names its function's code directory
    code = main(["invoke", function, "-e", str(sample), "--template", str(TEMPLATE), "--env-vars", str(ENV_VARS)])
    out, err = capsys.readouterr()
    response = json.loads(out)
    failed = isinstance(response, dict) and {"errorType", "errorMessage"} <= set(response)
    assert code == (1 if failed else 0), err
    if failed:
        # A handler may reject a bad sample, but the function itself must load and run.
        assert not str(response["errorType"]).startswith(("Runtime.", "Sandbox.")), response
    if sample.stem in {"ingest-object-created", "router-dataset-ready"}:
        assert [outcome["status"] for outcome in response["outcomes"]] == ["started"]
