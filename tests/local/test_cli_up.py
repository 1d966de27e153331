"""`sluice up` and `sluice state` end to end: our own template.yaml served on one endpoint by a
real `sluice up` process, driven by boto3 clients pointed at it (`endpoint_url`, as the AWS CLI's
`--endpoint-url`). A file put into the raw bucket runs the pipeline as on AWS ("Amazon S3 Event
Notifications with EventBridge" → rule → ingest function → StartExecution), and Step Functions
through the same endpoint lists the execution."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.runtime.moto_stack import ROOT
from tests.test_http_endpoint import raw_exchange

# One `sluice up` process serves the module (its fixture): its tests share one xdist worker.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("sluice-up")]

STARTUP_SECONDS = 120
ORDERS = (ROOT / "samples" / "orders.csv").read_bytes()


class Up:
    """A running `sluice up` and boto3 clients pointed at it."""

    def __init__(self, process: subprocess.Popen[str], url: str, resources: dict[str, str]) -> None:
        self.process = process
        self.url = url
        self.resources = resources
        self.session: Any = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test",
                                             region_name="us-east-1")

    def client(self, service: str) -> Any:
        return self.session.client(service, endpoint_url=self.url)

    def state(self) -> dict[str, Any]:
        result = subprocess.run([sys.executable, "-m", "sluice.cli", "state", "--endpoint", self.url, "--json"],
                                capture_output=True, text=True, timeout=60, check=False)
        assert result.returncode == 0, result.stderr
        parsed: dict[str, Any] = json.loads(result.stdout)
        return parsed


def start_up(*arguments: str) -> Up:
    process = subprocess.Popen([sys.executable, "-m", "sluice.cli", "up", "--port", "0", *arguments],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    banner = process.stdout.readline()
    assert banner.startswith("sluice up: http://"), banner + (process.stderr.read() if process.stderr else "")
    resources = {}
    while line := process.stdout.readline().strip():  # the resource table ends with an empty line
        logical, _, name = line.split(None, 2)
        resources[logical] = name
    return Up(process, banner.split()[2], resources)


def stop(up: Up, sig: signal.Signals) -> tuple[int, str]:
    up.process.send_signal(sig)
    _, err = up.process.communicate(timeout=30)
    return up.process.returncode, err


def serving_up(seed: int) -> Iterator[Up]:
    """`sluice up` of our template.yaml for a module-scoped fixture (`yield from serving_up(7)`),
    stopped after the module's tests."""
    running = start_up("--template", str(ROOT / "template.yaml"), "--seed", str(seed))
    yield running
    # SIGTERM (a test runner's terminate(), `kill`) stops it as cleanly as Ctrl-C.
    code, err = stop(running, signal.SIGTERM)
    assert code == 0, err
    assert "sluice up: stopped" in err


@pytest.fixture(scope="module")
def up() -> Iterator[Up]:
    yield from serving_up(7)


def wait_for(condition: Any, what: str, seconds: float = 60) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


def test_the_banner_names_the_physical_resources(up: Up) -> None:
    assert up.resources["RawBucket"].startswith("sluice-dev-rawbucket-")
    assert up.resources["FilePipelineStateMachine"].startswith("arn:aws:states:us-east-1:")
    buckets = {bucket["Name"] for bucket in up.client("s3").list_buckets()["Buckets"]}
    assert up.resources["RawBucket"] in buckets and up.resources["CuratedBucket"] in buckets


def drop_and_wait(up: Up, key: str) -> dict[str, Any]:
    """Put `key` into the raw bucket through the endpoint; the file pipeline's execution for it, ended.
    Each test drops its own key, so the module's tests hold in any order."""
    s3, sfn = up.client("s3"), up.client("stepfunctions")
    s3.put_object(Bucket=up.resources["RawBucket"], Key=key, Body=ORDERS)
    machine = up.resources["FilePipelineStateMachine"]

    def finished() -> list[dict[str, Any]]:
        executions: list[dict[str, Any]] = sfn.list_executions(stateMachineArn=machine)["executions"]
        described = [sfn.describe_execution(executionArn=execution["executionArn"]) for execution in executions]
        return [execution for execution in described
                if execution["status"] != "RUNNING" and json.loads(execution["input"])["records"][0]["key"] == key]

    [execution] = wait_for(finished, f"the file pipeline's execution for {key} to end")
    ended: dict[str, Any] = execution
    return ended


def test_a_file_put_through_the_endpoint_runs_the_pipeline(up: Up) -> None:
    s3 = up.client("s3")
    execution = drop_and_wait(up, "incoming/2024/06/11/orders.csv")
    assert execution["status"] == "SUCCEEDED"
    curated = s3.list_objects_v2(Bucket=up.resources["CuratedBucket"], Prefix="orders/dt=2024-06-11/")
    assert "orders/dt=2024-06-11/_SUCCESS" in [entry["Key"] for entry in curated["Contents"]]
    # The raw object stays, byte for byte (a streamed GetObject through the endpoint).
    assert s3.get_object(Bucket=up.resources["RawBucket"], Key="incoming/2024/06/11/orders.csv")["Body"].read() \
        == ORDERS
    # The ingest function's idempotency claim is in DynamoDB, readable through the endpoint too.
    dynamodb = up.client("dynamodb")
    [item] = [item for item in dynamodb.scan(TableName=up.resources["IdempotencyTable"])["Items"]
              if execution["name"] in item.get("data", {}).get("S", "")]  # the claim's result names its run
    key = {"id": item["id"]}
    assert dynamodb.get_item(TableName=up.resources["IdempotencyTable"], Key=key)["Item"]["status"] == \
        {"S": "COMPLETED"}


def test_sqs_messages_sent_through_the_endpoint_are_received_there(up: Up) -> None:
    sqs = up.client("sqs")
    queue = up.resources["FailureQueue"]
    sqs.send_message(QueueUrl=queue, MessageBody=json.dumps({"hello": "edge"}))
    received = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=0, MaxNumberOfMessages=10)["Messages"]
    [message] = [message for message in received if message["Body"] == json.dumps({"hello": "edge"})]
    sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.send_message(QueueUrl=queue + "-missing", MessageBody="x")


def test_the_endpoint_serves_the_services_functions_call_besides_the_pipelines(up: Up) -> None:
    """SSM, Secrets Manager, KMS, STS, SES, Cognito and Firehose are answered too (moto's), as a Node.js
    function's SDK calls reach them through the same replay (docs/adr/0016)."""
    ssm = up.client("ssm")
    ssm.put_parameter(Name="/edge/colour", Value="teal", Type="String")
    secrets = up.client("secretsmanager")
    secrets.create_secret(Name="edge-secret", SecretString="s3cret")
    kms = up.client("kms")
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    ses = up.client("ses")
    ses.verify_email_identity(EmailAddress="sender@example.com")
    assert ssm.get_parameter(Name="/edge/colour")["Parameter"]["Value"] == "teal"
    assert secrets.get_secret_value(SecretId="edge-secret")["SecretString"] == "s3cret"
    assert kms.decrypt(CiphertextBlob=kms.encrypt(KeyId=key, Plaintext=b"hi")["CiphertextBlob"])["Plaintext"] == b"hi"
    assert up.client("sts").get_caller_identity()["Account"] == "123456789012"
    assert ses.send_email(Source="sender@example.com", Destination={"ToAddresses": ["to@example.com"]},
                          Message={"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}})["MessageId"]
    assert up.client("cognito-idp").create_user_pool(PoolName="edge")["UserPool"]["Id"].startswith("us-east-1_")
    assert up.client("firehose").list_delivery_streams()["DeliveryStreamNames"] == []


def test_sluice_state_shows_queue_depths_dead_letter_queues_and_executions(up: Up) -> None:
    drop_and_wait(up, "incoming/2024/06/12/orders.csv")
    sqs = up.client("sqs")
    sqs.send_message(QueueUrl=up.resources["FailureQueue"], MessageBody="waiting")
    state = up.state()
    queues = {queue["logical_id"]: queue for queue in state["queues"]}
    assert queues["FailureQueue"]["visible"] == 1
    assert queues["OrderedDeadLetterQueue"]["dead_letter_queue"] is True
    assert queues["OrderedQueue"]["dead_letter_target"] == up.resources["OrderedDeadLetterQueue"].rsplit("/", 1)[-1]
    [stream] = state["streams"]
    assert stream["logical_id"] == "EventStream" and stream["readers"][0]["function"] == "StreamFunction"
    buckets = {bucket["logical_id"]: bucket for bucket in state["buckets"]}
    assert "incoming/2024/06/12/orders.csv" in [entry["key"] for entry in buckets["RawBucket"]["objects"]]
    statuses = [execution["status"] for execution in state["executions"]
                if execution["state_machine"] == "FilePipelineStateMachine"]
    assert statuses and set(statuses) == {"SUCCEEDED"}


MINIMAL = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  UploadsBucket:
    Type: AWS::S3::Bucket
"""


def test_ctrl_c_stops_cleanly_with_exit_code_0(write_template: Any) -> None:
    running = start_up("--template", str(write_template(MINIMAL)), "--no-config")
    running.client("s3").put_object(Bucket=running.resources["UploadsBucket"], Key="a.txt", Body=b"a")
    code, err = stop(running, signal.SIGINT)
    assert code == 0, err
    assert "s3 PutObject UploadsBucket/a.txt" in err  # the log printed what ran
    assert err.rstrip().endswith("sluice up: stopped")


def test_sluice_state_without_a_running_up_is_a_one_line_error() -> None:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    result = subprocess.run([sys.executable, "-m", "sluice.cli", "state", "--endpoint", f"http://127.0.0.1:{port}"],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "no `sluice up` answers at" in result.stderr


def test_a_port_in_use_is_a_one_line_error(tmp_path: Path, write_template: Any) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "sluice.cli", "up", "--port", str(port), "--template",
                                 str(write_template(MINIMAL)), "--no-config"],
                                capture_output=True, text=True, timeout=STARTUP_SECONDS, check=False)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith(f"sluice: error: cannot listen on 127.0.0.1:{port}")


@pytest.mark.parametrize(("request_bytes", "answered"), [
    # A chunked body whose chunk size is not hexadecimal: before, a traceback and a dropped connection.
    (b"PUT /bucket/key HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n{}\r\n", b"HTTP/1.1 400 "),
    (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", b"HTTP/1.1 400 "),
    # `//a[b` is a path, not a host (urlsplit raised "Invalid IPv6 URL"): answered as any unknown path is.
    (b"GET //a[b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", b"HTTP/1.1 "),
], ids=["bad-chunk", "negative-length", "path-like-host"])
def test_a_malformed_request_is_answered_and_the_endpoint_serves_on(up: Up, request_bytes: bytes,
                                                                    answered: bytes) -> None:
    answer = raw_exchange(up.url, request_bytes)
    assert answer.startswith(answered), answer[:200]
    if answered.endswith(b"400 "):
        assert b"unreadable request" in answer
    assert up.client("s3").list_buckets()["ResponseMetadata"]["HTTPStatusCode"] == 200
