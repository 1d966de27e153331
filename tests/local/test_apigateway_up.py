"""`sluice up` serves the template's APIs at LocalStack's URL forms: the banner gives each API's
`/restapis/<api-id>/<stage>/_user_request_/` URL, and a `Host: <api-id>.execute-api.localhost.
localstack.cloud` request reaches `/<stage>/<path>` — driven with plain `urllib`, as `curl` would."""

from __future__ import annotations

import json
import signal
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.local.test_apigateway import HELLO_HANDLER, HELLO_WORLD
from tests.local.test_apigateway_service_integrations import SQS_REST
from tests.local.test_cli_up import start_up, stop


def test_sluice_up_serves_the_hello_world_api(write_template: Callable[..., Path]) -> None:
    template = write_template(HELLO_WORLD, {"hello_world/app.py": HELLO_HANDLER})
    up = start_up("--template", str(template))
    try:
        base = up.resources["ServerlessRestApi"]
        api_id = base.split("/restapis/")[1].split("/")[0]
        assert base == f"{up.url}/restapis/{api_id}/Prod/_user_request_/"

        with urllib.request.urlopen(base + "hello?greeting=hi", timeout=30) as response:
            answer = json.loads(response.read())
        assert response.status == 200 and answer["message"] == "hello world"
        assert answer["event"]["queryStringParameters"] == {"greeting": "hi"}
        assert answer["event"]["requestContext"]["apiId"] == api_id

        request = urllib.request.Request(f"{up.url}/Prod/hello",
                                         headers={"Host": f"{api_id}.execute-api.localhost.localstack.cloud:4566"})
        with urllib.request.urlopen(request, timeout=30) as response:
            assert json.loads(response.read())["event"]["path"] == "/hello"

        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(base + "missing", timeout=30)
        assert (refused.value.code, json.loads(refused.value.read())) == \
            (403, {"message": "Missing Authentication Token"})
    finally:
        code, err = stop(up, signal.SIGTERM)
    assert code == 0, err


def test_sluice_up_serves_an_api_in_front_of_a_queue(write_template: Callable[..., Path]) -> None:
    # A REST API's SQS integration through the endpoint: the message lands where the AWS CLI reads it.
    template = write_template(SQS_REST)
    up = start_up("--template", str(template))
    try:
        base = up.resources["OrdersApi"]
        request = urllib.request.Request(base, data=b'{"order": 9}', method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 200 and json.loads(response.read())["accepted"] is True
        sqs = up.client("sqs")
        queue = sqs.list_queues()["QueueUrls"][0]
        received = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=0)["Messages"]
        assert [json.loads(message["Body"]) for message in received] == [{"order": 9}]
    finally:
        code, err = stop(up, signal.SIGTERM)
    assert code == 0, err


GREETER = """\
def lambda_handler(event, context):
    name = event["headers"]["X-Name"]
    return {"statusCode": 200, "headers": {"X-Greeting": f"héllo {name}"}, "body": name}
"""


def test_sluice_up_carries_utf8_header_values_both_ways(write_template: Callable[..., Path]) -> None:
    # Found while adding HTTP integrations: http.server reads and writes header bytes as latin-1, so a
    # UTF-8 header reached the function as mojibake, and one beyond latin-1 in its answer broke the reply.
    template = write_template(HELLO_WORLD, {"hello_world/app.py": GREETER})
    up = start_up("--template", str(template))
    try:
        request = urllib.request.Request(up.resources["ServerlessRestApi"] + "hello",
                                         headers={"X-Name": "中文".encode().decode("latin-1")})
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read().decode()
            greeting = response.headers["X-Greeting"].encode("latin-1").decode()
        assert (body, greeting) == ("中文", "héllo 中文")
    finally:
        code, err = stop(up, signal.SIGTERM)
    assert code == 0, err
