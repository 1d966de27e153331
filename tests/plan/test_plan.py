"""`sluice plan`: the plan moves the right way with load, and the simulation shows a backlog exactly
when the consumer is slower than the producer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sluice.cli import main
from sluice.graph import load_workflow
from sluice.local.template.model import SamTemplate
from sluice.plan import Load, plan_capacity
from sluice.plan.simulate import simulate
from tests.local.templates import function, kinesis_event, kinesis_stream, sam_template
from tests.runtime.moto_stack import ROOT

TEMPLATE = ROOT / "template.yaml"
COUNTER = ROOT / "benchmarks" / "definitions" / "counter_loop.asl.json"

# A stream, a consumer that starts one Express run per batch (one shard, BatchSize 10), as public
# SAM examples wire Kinesis → Lambda → Step Functions.
STREAM_APP = sam_template() + kinesis_stream("Events") + function("Consumer", handler="app.handler", properties="""\
      Runtime: python3.13
      CodeUri: src/
      Environment:
        Variables:
          MACHINE: !Ref Batches
""" + kinesis_event("Events", BatchSize=10)) + """\
  Batches:
    Type: AWS::Serverless::StateMachine
    Properties:
      Type: EXPRESS
      Definition:
        StartAt: Done
        States:
          Done: {Type: Succeed}
"""
HANDLER = """\
import os

import boto3


def handler(event, context):
    boto3.client("stepfunctions").start_execution(stateMachineArn=os.environ["MACHINE"], input="{}")
    return {"records": len(event["Records"])}
"""


@pytest.fixture
def stream_app(tmp_path: Path) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(HANDLER, encoding="utf-8")
    path = tmp_path / "template.yaml"
    path.write_text(STREAM_APP, encoding="utf-8")
    return path


def test_more_records_per_second_need_more_shards() -> None:
    template = SamTemplate.load(TEMPLATE)
    shards = [plan_capacity(template, Load(records_per_second=rate)).kinesis[0].shards_needed
              for rate in (100, 2_000, 20_000)]
    assert shards[0] < shards[1] < shards[2]
    # 1,000 records/s per shard for writes (Kinesis quotas): 20,000 records/s cannot fit in fewer than 20.
    assert shards[2] >= 20


def test_a_template_with_too_few_shards_is_warned_about_write_throttling() -> None:
    plan = plan_capacity(SamTemplate.load(TEMPLATE), Load(records_per_second=5_000))
    assert any("ProvisionedThroughputExceededException" in warning for warning in plan.warnings)


@pytest.mark.parametrize(("payload", "said"), [
    (1_048_576, None),
    (2_000_000, "larger than a stream's default maximum (1,048,576 B): raise the stream's maximum record size"),
    (10_485_761, "larger than any Kinesis record (10,485,760 B): PutRecord refuses it"),
])
def test_a_record_over_kinesis_record_size_is_warned_about(payload: int, said: str | None) -> None:
    # Kinesis "Handle large records": 1 MiB by default, 10 MiB at most. Found by the CLI campaign:
    # `--payload-bytes 99999999999` planned "within every quota checked".
    plan = plan_capacity(SamTemplate.load(TEMPLATE), Load(records_per_second=1, payload_bytes=payload))
    found = [warning for warning in plan.warnings if "record of" in warning]
    if said is None:
        assert found == []
    else:
        (warning,) = found
        assert warning.startswith(f"Kinesis EventStream → StreamFunction: a record of {payload:,} B is {said}")


def test_starts_over_the_standard_refill_rate_are_a_throttling_warning() -> None:
    workflow = load_workflow(str(COUNTER), workflow_type="STANDARD")
    below = plan_capacity(None, Load(executions_per_second=200), workflow=workflow)
    above = plan_capacity(None, Load(executions_per_second=400), workflow=workflow)
    assert not [w for w in below.warnings if w.startswith("StartExecution")]
    # us-east-1 Standard StartExecution: bucket 1,300, refill 300/s → empty after 1,300 / 100 s.
    [warning] = [w for w in above.warnings if w.startswith("StartExecution (STANDARD)")]
    assert "after 13.0 s" in warning
    start = next(use for use in above.buckets if use.api == "StartExecution")
    assert start.headroom < 0 < next(use for use in below.buckets if use.api == "StartExecution").headroom


def test_express_starts_have_their_own_larger_bucket() -> None:
    workflow = load_workflow(str(COUNTER), workflow_type="EXPRESS")
    plan = plan_capacity(None, Load(executions_per_second=400), workflow=workflow)
    assert not plan.warnings
    assert [use.api for use in plan.buckets] == ["StartExecution"]  # no StateTransition quota for Express


def test_the_simulation_shows_a_backlog_when_the_consumer_is_slower_than_the_producer(stream_app: Path) -> None:
    # One shard, BatchSize 10, 1 s per invocation: the consumer finishes 10 records/s.
    slow = simulate(stream_app, Load(records_per_second=50, function_seconds=1.0), seconds=5)
    assert slow.consumer_capacity_per_second == 10
    assert slow.backlog_starts_at == 1
    backlog = [second.backlog_records for second in slow.timeline]
    assert backlog == sorted(backlog) and backlog[-1] > backlog[0] > 0
    assert slow.timeline[-1].iterator_age_seconds > slow.timeline[0].iterator_age_seconds
    fast = simulate(stream_app, Load(records_per_second=5, function_seconds=1.0), seconds=5)
    assert fast.backlog_starts_at is None
    assert sum(second.records_delivered for second in fast.timeline) == 25  # every record really went through


def test_the_simulation_shows_start_execution_throttling_at_scale(stream_app: Path) -> None:
    # 100,000 records/s in batches of 10: 10,000 Express starts/s against a 6,000/s refill.
    result = simulate(stream_app, Load(records_per_second=100_000, function_seconds=0.01), seconds=3)
    assert result.scale < 0.001
    assert result.throttling_starts_at == 1
    assert result.timeline[0].executions_throttled["EXPRESS"] > 0


@pytest.mark.slow
def test_cli_plan_json_and_simulate_state_the_scale(stream_app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", str(stream_app), "--records-per-second", "50", "--function-seconds", "1",
                 "--simulate", "--seconds", "3", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["kinesis"][0]["shards_declared"] == 1 and result["kinesis"][0]["shards_needed"] > 1
    assert result["simulation"]["scale"] == 0.4 and result["simulation"]["backlog_starts_at"] == 1
    assert main(["plan", str(stream_app), "--records-per-second", "50", "--function-seconds", "1",
                 "--simulate", "--seconds", "3"]) == 0
    out = capsys.readouterr().out
    assert "scale 1:2" in out and "backlog starts at second 1" in out


def test_cli_plan_on_our_template_and_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", str(TEMPLATE), "--records-per-second", "2000", "--files-per-day", "50000"]) == 0
    out = capsys.readouterr().out
    assert "StreamBatchStateMachine (EXPRESS)" in out and "FilePipelineStateMachine (STANDARD)" in out
    assert main(["plan", "missing.yaml"]) == 2
    assert main(["plan", str(TEMPLATE), "--payload-bytes", "0"]) == 2
