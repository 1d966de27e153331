"""The AWS CLI against `sluice up`, exactly as the README tells a newcomer: `aws s3 cp` into the raw
bucket with `--endpoint-url` starts the file pipeline, and `aws stepfunctions list-executions`
through the same endpoint shows it. The CLI sends what boto3 in the other tests does not: `s3 cp`'s
upload (with its checksum trailer) and the CLI's own request shapes. `make test` installs the CLI
in `.tools/awscli` (its own venv: awscli pins botocore)."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.local.test_cli_up import Up, serving_up, wait_for
from tests.runtime.moto_stack import ROOT

# One `sluice up` process serves the module (its fixture): its tests share one xdist worker.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("sluice-up-awscli")]

AWS = ROOT / ".tools" / "awscli" / "bin" / "aws"


@pytest.fixture(scope="module")
def up() -> Iterator[Up]:
    yield from serving_up(11)


def aws(up: Up, *arguments: str) -> str:
    """Run the AWS CLI against the endpoint; its stdout (`s3` commands print progress lines, API
    commands JSON)."""
    if not AWS.exists():
        pytest.fail(f"the AWS CLI is not installed at {AWS}: `make tools` installs it")
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": os.devnull,
           "AWS_SHARED_CREDENTIALS_FILE": os.devnull}
    result = subprocess.run([str(AWS), *arguments, "--endpoint-url", up.url, "--output", "json"],
                            capture_output=True, text=True, timeout=120, env=env, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


def aws_json(up: Up, *arguments: str) -> Any:
    return json.loads(aws(up, *arguments))


def test_aws_s3_cp_starts_the_pipeline_and_list_executions_shows_it(up: Up, tmp_path: Path) -> None:
    raw, machine = up.resources["RawBucket"], up.resources["FilePipelineStateMachine"]
    uploaded = aws(up, "s3", "cp", str(ROOT / "samples" / "orders.csv"), f"s3://{raw}/incoming/2024/06/11/orders.csv")
    assert "upload: " in uploaded and f"s3://{raw}/incoming/2024/06/11/orders.csv" in uploaded

    def finished() -> list[dict[str, Any]]:
        listed = aws_json(up, "stepfunctions", "list-executions", "--state-machine-arn", machine)
        return [execution for execution in listed["executions"] if execution["status"] != "RUNNING"]

    [execution] = wait_for(finished, "the file pipeline's execution to end")
    assert execution["status"] == "SUCCEEDED"
    listing = aws_json(up, "s3api", "list-objects-v2", "--bucket", up.resources["CuratedBucket"],
                  "--prefix", "orders/dt=2024-06-11/")
    assert "orders/dt=2024-06-11/_SUCCESS" in [entry["Key"] for entry in listing["Contents"]]
    copy = tmp_path / "orders.csv"
    aws(up, "s3", "cp", f"s3://{raw}/incoming/2024/06/11/orders.csv", str(copy))
    assert copy.read_bytes() == (ROOT / "samples" / "orders.csv").read_bytes()
