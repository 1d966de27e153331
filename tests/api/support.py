"""Constants and recorders shared by the API tests."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from botocore.config import Config

ROLE = "arn:aws:iam::123456789012:role/sfn-role"


class Calls:
    """What the in-process Lambda functions saw, so tests can read task tokens from it."""

    def __init__(self) -> None:
        self.events: list[Any] = []
        self.failures_left = 0


def client(url: str) -> Any:
    """A boto3 Step Functions client for a `sluice serve` endpoint."""
    # StartSyncExecution and TestState go to "sync-<host>" unless host prefixes are off, as with
    # Step Functions Local.
    return boto3.client("stepfunctions", endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing",
                        config=Config(inject_host_prefix=False))


@contextmanager
def sluice_serve(*options: str) -> Iterator[tuple[str, str]]:
    """Run the `sluice serve` command on a free port; yield its URL and banner line, then stop it
    (it must exit cleanly)."""
    process = subprocess.Popen([sys.executable, "-m", "sluice.cli", "serve", "--port", "0", *options],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        yield banner.split(" on ", 1)[1].split(" ", 1)[0], banner
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert process.returncode == 0
