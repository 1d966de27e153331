"""The AWS Parameters and Secrets Lambda Extension (`sluice.local.lambda_.secrets_extension`), as
serverless-patterns' `lambda-secrets-manager-extension-python` uses it: the function names the extension's
layer and reads its secret over HTTP from `localhost:<PARAMETERS_SECRETS_EXTENSION_HTTP_PORT>`.

AWS behaviour under test (Secrets Manager user guide, "Use AWS Secrets Manager secrets in AWS Lambda
functions"; Systems Manager user guide, "Parameter Store integration with Lambda extensions"):
`/secretsmanager/get?secretId=` answers GetSecretValue's JSON and `/systemsmanager/parameters/get?name=`
GetParameter's; the `X-Aws-Parameters-Secrets-Token` header must carry the function's session token; an
answer is cached for `SECRETS_MANAGER_TTL` seconds (300 by default).
"""

from __future__ import annotations

import doctest
import json
import socket
import urllib.error
import urllib.request
from collections.abc import Callable

import pytest

from sluice.local.lambda_ import secrets_extension
from sluice.local.stack import LocalStack

HANDLER = """\
import json
import os
import urllib.error
import urllib.request

BASE = "http://localhost:" + os.environ["PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"]


def fetch(path, token=True):
    headers = {"X-Aws-Parameters-Secrets-Token": os.environ["AWS_SESSION_TOKEN"]} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(BASE + path, headers=headers)) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def handler(event, context):
    secret_status, secret = fetch("/secretsmanager/get?secretId=" + os.environ["SECRET_NAME"])
    parameter_status, parameter = fetch("/systemsmanager/parameters/get?name=%2Fapp%2Fcolour")
    refused, _ = fetch("/secretsmanager/get?secretId=" + os.environ["SECRET_NAME"], token=False)
    missing, error = fetch("/secretsmanager/get?secretId=no-such-secret")
    return {"secret": [secret_status, secret.get("SecretString"), secret.get("Name")],
            "parameter": [parameter_status, parameter["Parameter"]["Value"]],
            "refused": refused, "missing": [missing, error.get("__type")]}
"""

TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Parameters:
  ExtensionPort:
    Type: String
  SecretsTtl:
    Type: String
    Default: '300'
Resources:
  AppSecret:
    Type: AWS::SecretsManager::Secret
    Properties:
      Name: app-secret
      SecretString: first
  Colour:
    Type: AWS::SSM::Parameter
    Properties:
      Name: /app/colour
      Type: String
      Value: blue
  ReaderFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.13
      Layers:
        - arn:aws:lambda:us-east-1:177933569100:layer:AWS-Parameters-and-Secrets-Lambda-Extension:12
      Environment:
        Variables:
          SECRET_NAME: app-secret
          PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: !Ref ExtensionPort
          SECRETS_MANAGER_TTL: !Ref SecretsTtl
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_modules_example_holds() -> None:
    assert doctest.testmod(secrets_extension).failed == 0


def test_a_function_reads_secrets_and_parameters_through_the_extension(
        start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(TEMPLATE, {"src/app.py": HANDLER}, parameters={"ExtensionPort": str(free_port())})
    assert stack.warnings == []  # the extension's layer is served, not reported as a layer sluice cannot load
    result = stack.invoke("ReaderFunction").result
    assert result == {"secret": [200, "first", "app-secret"], "parameter": [200, "blue"], "refused": 401,
                      "missing": [400, "ResourceNotFoundException"]}


@pytest.mark.parametrize(("ttl", "after_change", "after_ttl"), [("300", "first", "second"), ("0", "second", "second")])
def test_answers_are_cached_for_the_ttl_on_the_stacks_clock(start_stack: Callable[..., LocalStack], ttl: str,
                                                            after_change: str, after_ttl: str) -> None:
    stack = start_stack(TEMPLATE, {"src/app.py": HANDLER},
                        parameters={"ExtensionPort": str(free_port()), "SecretsTtl": ttl})
    assert stack.invoke("ReaderFunction").result["secret"][1] == "first"
    stack.client("secretsmanager").put_secret_value(SecretId="app-secret", SecretString="second")
    assert stack.invoke("ReaderFunction").result["secret"][1] == after_change
    stack.advance(301)
    assert stack.invoke("ReaderFunction").result["secret"][1] == after_ttl


def test_a_port_another_process_holds_is_warned_about(start_stack: Callable[..., LocalStack]) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        stack = start_stack(TEMPLATE, {"src/app.py": HANDLER}, parameters={"ExtensionPort": str(port)})
        assert any(f"cannot listen on localhost:{port}" in warning for warning in stack.warnings)


def test_an_unexpected_failure_is_answered_not_dropped() -> None:
    def broken(service: str) -> object:
        raise RuntimeError(f"no {service} here")

    port = free_port()
    server = secrets_extension.ExtensionServer(port, secrets_extension.ExtensionCache(
        client=broken, now=lambda: 0.0, token="t", settings={}))
    server.start()
    try:
        request = urllib.request.Request(f"http://127.0.0.1:{port}/secretsmanager/get?secretId=x",
                                         headers={secrets_extension.TOKEN_HEADER: "t"})
        with pytest.raises(urllib.error.HTTPError) as answered:
            urllib.request.urlopen(request, timeout=10)
        assert (answered.value.code, json.loads(answered.value.read())) == \
            (500, {"message": "RuntimeError: no secretsmanager here"})
    finally:
        server.stop()
