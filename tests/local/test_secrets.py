"""Secrets Manager secrets declared in the template (`sluice.local.resources.secrets`), as public SAM
applications use them: a function reads the secret its environment names with `GetSecretValue`.

AWS behaviour under test (CloudFormation: AWS::SecretsManager::Secret): `Ref` is the secret's full ARN
(`…:secret:<name>-<6 characters>`); `GenerateSecretString` makes a 32-character password by default,
honours `GetRandomPassword`'s options, and stores it under `GenerateStringKey` in
`SecretStringTemplate`; `SecretString` and `GenerateSecretString` cannot both be given.
"""

from __future__ import annotations

import doctest
import json
import re
import string
from collections.abc import Callable

import pytest

from sluice.local.errors import TemplateError
from sluice.local.resources import secrets
from sluice.local.stack import LocalStack

HANDLER = """\
import json
import os

import boto3


def handler(event, context):
    client = boto3.client("secretsmanager")
    return {name: client.get_secret_value(SecretId=os.environ[name])["SecretString"]
            for name in ("API_KEY", "DATABASE")}
"""

TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Parameters:
  ApiKey:
    Type: String
    NoEcho: true
Resources:
  ApiKeySecret:
    Type: AWS::SecretsManager::Secret
    Properties:
      Name: !Sub ${AWS::StackName}-api-key
      SecretString: !Ref ApiKey
  DatabaseSecret:
    Type: AWS::SecretsManager::Secret
    Properties:
      Description: generated at deploy time
      GenerateSecretString:
        SecretStringTemplate: '{"username": "admin"}'
        GenerateStringKey: password
        PasswordLength: 24
        ExcludePunctuation: true
  ReaderFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.13
      Environment:
        Variables:
          API_KEY: !Ref ApiKeySecret
          DATABASE: !Ref DatabaseSecret
      Policies:
        - AWSSecretsManagerGetSecretValuePolicy:
            SecretArn: !Ref ApiKeySecret
Outputs:
  ApiKeyArn:
    Value: !Ref ApiKeySecret
  DatabaseId:
    Value: !GetAtt DatabaseSecret.Id
"""


def test_the_modules_example_holds() -> None:
    assert doctest.testmod(secrets).failed == 0


def test_a_function_reads_the_secrets_its_environment_names(start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(TEMPLATE, {"src/app.py": HANDLER}, parameters={"ApiKey": "k-123"})
    assert stack.warnings == []
    outputs = stack.template.outputs()
    assert re.fullmatch(rf"arn:aws:secretsmanager:us-east-1:{stack.template.account}:secret:"
                        r"sluice-local-api-key-[A-Za-z]{6}", outputs["ApiKeyArn"])
    assert outputs["DatabaseId"].startswith(f"arn:aws:secretsmanager:us-east-1:{stack.template.account}:secret:")

    values = stack.invoke("ReaderFunction", {}).result
    assert values["API_KEY"] == "k-123"
    database = json.loads(values["DATABASE"])
    assert database["username"] == "admin"
    assert len(database["password"]) == 24
    assert not set(database["password"]) & set(string.punctuation)


@pytest.mark.parametrize(("properties", "message"), [
    ("SecretString: x\n      GenerateSecretString: {}", "cannot both be given"),
    ("GenerateSecretString:\n        SecretStringTemplate: 'not json'\n        GenerateStringKey: password",
     "must be a JSON object"),
    ("GenerateSecretString:\n        GenerateStringKey: password", "go together"),
])
def test_a_secret_cloudformation_would_refuse_is_a_template_error(start_stack: Callable[..., LocalStack],
                                                                  properties: str, message: str) -> None:
    template = f"""\
Resources:
  Broken:
    Type: AWS::SecretsManager::Secret
    Properties:
      {properties}
"""
    with pytest.raises(TemplateError, match=message):
        start_stack(template)
