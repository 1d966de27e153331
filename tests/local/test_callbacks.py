"""Task-token callbacks on the local stack: a token sent through SQS stays valid for the task's
whole `TimeoutSeconds`, however the test lets the world run.

`stack.run_until_idle()` jumps over time only the stack controls (SQS redelivery, retries) and
returns while a task still waits for an answer nobody inside the stack will give; the test (or a
later handler) answers with `SendTaskSuccess`. `stack.advance()` or
`run_until_idle(fire_callback_timeouts=True)` let the deadline pass instead.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from botocore.exceptions import ClientError

from sluice.local.stack import LocalStack
from tests.local.templates import sam_template

DAY = 86_400

TEMPLATE = sam_template() + """\
  Approvals:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 30
  Tokens:
    Type: AWS::Serverless::SimpleTable
  ApproverFunction:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      CodeUri: functions
      Handler: approver.handler
      Environment:
        Variables:
          TOKENS_TABLE: !Ref Tokens
      Events:
        Asked:
          Type: SQS
          Properties:
            Queue: !GetAtt Approvals.Arn
  ApprovalMachine:
    Type: AWS::Serverless::StateMachine
    Properties:
      DefinitionSubstitutions:
        QueueUrl: !Ref Approvals
      Definition:
        StartAt: Ask
        States:
          Ask:
            Type: Task
            Resource: arn:aws:states:::sqs:sendMessage.waitForTaskToken
            Parameters:
              QueueUrl: ${QueueUrl}
              MessageBody:
                token.$: $$.Task.Token
                order.$: $.order
                mode.$: $.mode
            TimeoutSeconds: 86400
            End: true
"""

# "keep": store the token for someone to answer later; "retry": fail the first delivery, answer the redelivery.
APPROVER = '''
import json
import os

import boto3


def handler(event, context):
    for record in event["Records"]:
        body = json.loads(record["body"])
        if body["mode"] == "keep":
            boto3.client("dynamodb").put_item(TableName=os.environ["TOKENS_TABLE"], Item={
                "id": {"S": body["order"]}, "token": {"S": body["token"]}})
        elif record["attributes"]["ApproximateReceiveCount"] == "1":
            raise RuntimeError("not ready yet: answer on redelivery")
        else:
            boto3.client("stepfunctions").send_task_success(
                taskToken=body["token"], output=json.dumps({"approved": body["order"]}))
'''


@pytest.fixture
def stack(start_stack: Callable[..., LocalStack]) -> LocalStack:
    return start_stack(TEMPLATE, {"functions/approver.py": APPROVER}, start_time=1_700_000_000)


def _kept_token(stack: LocalStack, order: str) -> str:
    (item,) = [item for item in stack.items("Tokens") if item["id"] == order]
    return str(item["token"])


def test_a_token_kept_by_the_handler_is_answered_after_run_until_idle(stack: LocalStack) -> None:
    execution = stack.start_execution("ApprovalMachine", {"order": "o-1", "mode": "keep"})
    stack.run_until_idle()
    assert execution.status == "RUNNING"
    assert stack.clock.now() == execution.start_time  # no jump to the one-day deadline
    sfn = stack.client("stepfunctions")
    sfn.send_task_success(taskToken=_kept_token(stack, "o-1"), output='{"approved": "o-1"}')
    stack.run_until_idle()
    assert (execution.status, execution.output) == ("SUCCEEDED", {"approved": "o-1"})


def test_a_handler_answering_on_redelivery_still_gets_the_stacks_own_time(stack: LocalStack) -> None:
    # The 30 s visibility timeout before the redelivery is time only the stack controls: it jumps.
    execution = stack.start_execution("ApprovalMachine", {"order": "o-2", "mode": "retry"})
    stack.run_until_idle()
    assert (execution.status, execution.output) == ("SUCCEEDED", {"approved": "o-2"})
    assert [invocation.ok for invocation in stack.invocations("ApproverFunction")] == [False, True]
    assert execution.duration_seconds == pytest.approx(30, abs=0.01)


def test_advancing_past_the_deadline_times_the_task_out(stack: LocalStack) -> None:
    execution = stack.start_execution("ApprovalMachine", {"order": "o-3", "mode": "keep"})
    stack.run_until_idle()
    stack.advance(DAY)
    assert (execution.status, execution.error) == ("FAILED", "States.Timeout")
    assert execution.duration_seconds == DAY
    with pytest.raises(ClientError) as late:
        stack.client("stepfunctions").send_task_success(taskToken=_kept_token(stack, "o-3"), output="{}")
    assert late.value.response["Error"]["Code"] == "TaskTimedOut"


def test_run_until_idle_can_be_told_to_fire_callback_timeouts(stack: LocalStack) -> None:
    execution = stack.start_execution("ApprovalMachine", {"order": "o-4", "mode": "keep"})
    stack.run_until_idle(fire_callback_timeouts=True)
    assert (execution.status, execution.error) == ("FAILED", "States.Timeout")
    assert execution.duration_seconds == DAY
