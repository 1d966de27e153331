"""`sluice up` answers other requests while a `StartSyncExecution` runs: the synchronous Express
execution is awaited on the world's clock (as `sluice serve --real-time` does), not run to the end
inside it. On AWS, StartSyncExecution "starts a Synchronous Express state machine execution" and
returns when it completes, while the account's other APIs keep answering; StartExecution returns
as soon as the execution has started.

A real `sluice up` process serves a small template written the way public SAM examples are: an
Express state machine whose Wait state takes 2 seconds, and a bucket."""

from __future__ import annotations

import json
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.config import Config

from tests.local.test_cli_up import Up, start_up, stop

# One `sluice up` process serves the module (its fixture): its tests share one xdist worker.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("sluice-up-sync")]

TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Description: A synchronous Express workflow that takes its time, next to a bucket

Resources:
  UploadsBucket:
    Type: AWS::S3::Bucket

  SlowWorkflow:
    Type: AWS::Serverless::StateMachine
    Properties:
      Type: EXPRESS
      Definition:
        StartAt: Settle
        States:
          Settle:
            Type: Wait
            Seconds: 3
            Next: Done
          Done:
            Type: Pass
            End: true
      Policies:
        - S3ReadPolicy:
            BucketName: !Ref UploadsBucket

Outputs:
  SlowWorkflowArn:
    Value: !Ref SlowWorkflow
"""

WAIT_SECONDS = 3.0  # the Wait state's Seconds: how long each execution lasts in real time


@pytest.fixture(scope="module")
def up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Up]:
    template: Path = tmp_path_factory.mktemp("sync-up") / "template.yaml"
    template.write_text(TEMPLATE, encoding="utf-8")
    running = start_up("--template", str(template))
    yield running
    code, err = stop(running, signal.SIGTERM)
    assert code == 0, err


def machine_arn(up: Up) -> str:
    [machine] = up.client("stepfunctions").list_state_machines()["stateMachines"]
    return str(machine["stateMachineArn"])


def test_other_requests_are_answered_while_a_sync_execution_waits(up: Up) -> None:
    arn = machine_arn(up)
    # botocore prefixes StartSyncExecution's host with `sync-` (its endpoint's hostPrefix): not on localhost.
    sfn = up.session.client("stepfunctions", endpoint_url=up.url,
                            config=Config(read_timeout=30, inject_host_prefix=False))
    s3 = up.client("s3")
    result: dict[str, Any] = {}

    def start_sync() -> None:
        result["answer"] = sfn.start_sync_execution(stateMachineArn=arn, input=json.dumps({"order": 7}))
        result["answered"] = time.monotonic()

    started = time.monotonic()
    caller = threading.Thread(target=start_sync)
    caller.start()
    time.sleep(0.5)
    buckets = s3.list_buckets()["Buckets"]
    listed = time.monotonic()
    caller.join(timeout=30)

    assert listed < result["answered"], "ListBuckets was answered only after the synchronous execution"
    assert [bucket["Name"] for bucket in buckets] == [up.resources["UploadsBucket"]]
    answer = result["answer"]
    assert result["answered"] - started >= WAIT_SECONDS
    assert answer["status"] == "SUCCEEDED"
    assert json.loads(answer["output"]) == {"order": 7}
    assert answer["stateMachineArn"] == arn


def test_start_execution_answers_at_once(up: Up) -> None:
    asked = time.monotonic()
    started = up.client("stepfunctions").start_execution(stateMachineArn=machine_arn(up), input="{}")
    # Answered before the execution could have ended: StartExecution does not wait for the run.
    assert time.monotonic() - asked < WAIT_SECONDS
    assert started["executionArn"].startswith(machine_arn(up).replace(":stateMachine:", ":express:"))
