"""Cognito user pools and SES identities declared in the template (`sluice.local.resources.cognito`,
`sluice.local.resources.ses`), as public SAM applications use them: a function signs users up in the pool
its environment names, or sends mail from the template's identity.

AWS behaviour under test (CloudFormation return values): `Ref` of a user pool is its id
(`<region>_…`), `Arn`/`ProviderName`/`ProviderURL` are built from it; `Ref` of a client is its client id
and `ClientSecret` its secret when `GenerateSecret` is true; `Ref` of an email identity is the identity.
"""

from __future__ import annotations

import doctest
import re
from collections.abc import Callable

import pytest

from sluice.local.resources import cognito, ses
from sluice.local.stack import LocalStack

HANDLER = """\
import os

import boto3


def sign_up(event, context):
    cognito = boto3.client("cognito-idp")
    cognito.admin_create_user(UserPoolId=os.environ["POOL_ID"], Username=event["username"])
    users = cognito.list_users(UserPoolId=os.environ["POOL_ID"])["Users"]
    return {"users": [user["Username"] for user in users], "client": os.environ["CLIENT_ID"]}


def send(event, context):
    answer = boto3.client("ses").send_email(
        Source=event.get("sender", os.environ["SENDER"]), Destination={"ToAddresses": ["someone@example.org"]},
        Message={"Subject": {"Data": "hi"}, "Body": {"Text": {"Data": "hello"}}})
    return answer["MessageId"] != ""
"""

TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Users:
    Type: AWS::Cognito::UserPool
    Properties:
      UserPoolName: app-users
      AutoVerifiedAttributes: [email]
      UsernameAttributes: [email]
      EnabledMfas: [SOFTWARE_TOKEN_MFA]
      Policies:
        PasswordPolicy:
          MinimumLength: 8
  WebClient:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref Users
      ClientName: web
      GenerateSecret: true
      ExplicitAuthFlows: [ALLOW_USER_SRP_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
  Sender:
    Type: AWS::SES::EmailIdentity
    Properties:
      EmailIdentity: orders@example.com
  SignUpFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.sign_up
      Runtime: python3.13
      Environment:
        Variables:
          POOL_ID: !Ref Users
          CLIENT_ID: !Ref WebClient
  SendFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.send
      Runtime: python3.13
      Environment:
        Variables:
          SENDER: !Ref Sender
Outputs:
  PoolArn:
    Value: !GetAtt Users.Arn
  ProviderUrl:
    Value: !GetAtt Users.ProviderURL
  ClientSecret:
    Value: !GetAtt WebClient.ClientSecret
"""


@pytest.mark.parametrize("module", [cognito, ses])
def test_the_modules_examples_hold(module: object) -> None:
    assert doctest.testmod(module).failed == 0  # type: ignore[arg-type]


def test_a_function_works_with_the_templates_user_pool(start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(TEMPLATE, {"src/app.py": HANDLER})
    assert stack.warnings == []
    pool_id = stack.template.ref("Users")
    assert re.fullmatch(r"us-east-1_\w+", pool_id)
    outputs = stack.template.outputs()
    assert outputs["PoolArn"] == f"arn:aws:cognito-idp:us-east-1:{stack.template.account}:userpool/{pool_id}"
    assert outputs["ProviderUrl"] == f"https://cognito-idp.us-east-1.amazonaws.com/{pool_id}"
    assert outputs["ClientSecret"]
    described = stack.client("cognito-idp").describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert (described["Name"], described["Policies"]["PasswordPolicy"]["MinimumLength"]) == ("app-users", 8)

    result = stack.invoke("SignUpFunction", {"username": "ada@example.com"}).result
    # With `UsernameAttributes: [email]` the pool names its users by a generated id, not the address.
    [user] = result["users"]
    assert re.fullmatch(r"[0-9a-f-]{36}", user)
    assert result["client"] == stack.template.ref("WebClient")


def test_a_function_sends_mail_from_the_templates_identity(start_stack: Callable[..., LocalStack]) -> None:
    stack = start_stack(TEMPLATE, {"src/app.py": HANDLER})
    assert stack.invoke("SendFunction", {}).result is True
    # Verification is what lets it send: another address is refused, as in SES's sandbox.
    stranger = stack.invoke("SendFunction", {"sender": "stranger@example.net"})
    assert stranger.error is not None and "MessageRejected" in stranger.error.message


def test_a_pool_the_backend_refuses_in_full_is_created_by_name_with_a_warning(
        start_stack: Callable[..., LocalStack]) -> None:
    broken = TEMPLATE.replace("          MinimumLength: 8", "          MinimumLength: eight")
    stack = start_stack(broken, {"src/app.py": HANDLER})
    assert any("user pool Users: the local backend refused its properties" in warning for warning in stack.warnings)
    assert stack.client("cognito-idp").describe_user_pool(
        UserPoolId=stack.template.ref("Users"))["UserPool"]["Name"] == "app-users"


def test_cognito_triggers_are_warned_about(start_stack: Callable[..., LocalStack]) -> None:
    triggered = TEMPLATE.replace("      UserPoolName: app-users\n",
                                 "      UserPoolName: app-users\n      LambdaConfig:\n"
                                 "        PreSignUp: !GetAtt SendFunction.Arn\n")
    stack = start_stack(triggered, {"src/app.py": HANDLER})
    assert any("Cognito triggers are not invoked locally" in warning for warning in stack.warnings)
