"""Step Functions activities on the local stack, from a template written the way public SAM examples
write them: an `AWS::StepFunctions::Activity` whose ARN reaches the state machine through
`DefinitionSubstitutions` (`!Ref` of an activity is its ARN; `!GetAtt .Name` its name — CloudFormation
resource reference), and workers polling it with GetActivityTask through boto3: the test itself, and a
Lambda function.

AWS behaviour under test (Step Functions developer guide, "Learn about Activities in Step Functions";
API reference: GetActivityTask, SendTaskSuccess/Failure/Heartbeat): a worker gets the oldest task with
its token and input; the answer ends the Task state; an error the worker reports is caught by `Catch`;
HeartbeatSeconds without a heartbeat fails the state with States.HeartbeatTimeout — and a task waiting
for a worker is not timed out by running the stack until idle (ADR 0007).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from sluice.local.errors import TemplateError
from sluice.local.stack import LocalStack

TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Description: Orders above a threshold wait for a manual review done by activity workers

Resources:
  ReviewActivity:
    Type: AWS::StepFunctions::Activity
    Properties:
      Name: !Sub ${AWS::StackName}-manual-review

  AutoReviewFunction:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.lambda_handler
      CodeUri: src/
      Environment:
        Variables:
          ACTIVITY_ARN: !Ref ReviewActivity

  ReviewStateMachine:
    Type: AWS::Serverless::StateMachine
    Properties:
      DefinitionSubstitutions:
        ReviewActivityArn: !Ref ReviewActivity
      Definition:
        Comment: Wait for a reviewer, then record the decision
        StartAt: ManualReview
        States:
          ManualReview:
            Type: Task
            Resource: ${ReviewActivityArn}
            TimeoutSeconds: 3600
            HeartbeatSeconds: 300
            ResultPath: $.review
            Catch:
              - ErrorEquals: [Review.Rejected]
                ResultPath: $.rejection
                Next: Rejected
            Next: Approved
          Approved:
            Type: Pass
            Result: approved
            ResultPath: $.decision
            End: true
          Rejected:
            Type: Pass
            Result: rejected
            ResultPath: $.decision
            End: true

Outputs:
  ReviewActivityName:
    Value: !GetAtt ReviewActivity.Name
"""

# A worker in a Lambda function: takes one task and approves it, within the same invocation.
AUTO_REVIEWER = '''
import json
import os

import boto3


def lambda_handler(event, context):
    sfn = boto3.client("stepfunctions")
    task = sfn.get_activity_task(activityArn=os.environ["ACTIVITY_ARN"], workerName=context.function_name)
    if "taskToken" not in task:
        return {"reviewed": None}
    order = json.loads(task["input"])["order"]
    sfn.send_task_success(taskToken=task["taskToken"], output=json.dumps({"by": "auto", "order": order}))
    return {"reviewed": order}
'''

Decision = Callable[[Any, str, dict[str, Any]], None]


@pytest.fixture
def stack(write_template: Callable[..., Path]) -> Iterator[LocalStack]:
    path = write_template(TEMPLATE, {"src/app.py": AUTO_REVIEWER})
    with LocalStack.from_template(path, use_config=False, start_time=1_700_000_000) as running:
        yield running


def _work(stack: LocalStack, decide: Decision) -> list[dict[str, Any]]:
    """The worker loop of the Step Functions docs' example: poll until no task comes, decide each."""
    sfn = stack.client("stepfunctions")
    inputs = []
    while "taskToken" in (task := sfn.get_activity_task(activityArn=stack.arn("ReviewActivity"),
                                                         workerName="reviewer-1")):
        inputs.append(json.loads(task["input"]))
        decide(sfn, task["taskToken"], inputs[-1])
    stack.run_until_idle()
    return inputs


def _approve(sfn: Any, token: str, order: dict[str, Any]) -> None:
    sfn.send_task_success(taskToken=token, output=json.dumps({"by": "reviewer-1"}))


def _reject(sfn: Any, token: str, order: dict[str, Any]) -> None:
    sfn.send_task_failure(taskToken=token, error="Review.Rejected", cause=f"order {order['order']} looks forged")


def test_the_activity_is_created_and_referenced_by_arn_and_name(stack: LocalStack) -> None:
    name = f"{stack.template.stack_name}-manual-review"
    arn = f"arn:aws:states:{stack.template.region}:{stack.template.account}:activity:{name}"
    assert stack.arn("ReviewActivity") == stack.template.ref("ReviewActivity") == arn
    assert stack.template.get_att("ReviewActivity", "Name") == name
    described = stack.client("stepfunctions").describe_activity(activityArn=arn)
    assert described["name"] == name
    assert not [warning for warning in stack.warnings if "ReviewActivity" in warning]


def test_a_worker_loop_approves_every_queued_order(stack: LocalStack) -> None:
    executions = [stack.start_execution("ReviewStateMachine", {"order": n}) for n in (1, 2)]
    stack.run_until_idle()
    assert [execution.status for execution in executions] == ["RUNNING", "RUNNING"]
    assert _work(stack, _approve) == [{"order": 1}, {"order": 2}]
    assert [(execution.status, execution.output) for execution in executions] == [
        ("SUCCEEDED", {"order": n, "review": {"by": "reviewer-1"}, "decision": "approved"}) for n in (1, 2)]
    started = next(event for event in executions[0].history if event["type"] == "ActivityStarted")
    assert started["activityStartedEventDetails"] == {"workerName": "reviewer-1"}


def test_a_rejection_reported_by_the_worker_is_caught(stack: LocalStack) -> None:
    execution = stack.start_execution("ReviewStateMachine", {"order": 3})
    stack.run_until_idle()
    _work(stack, _reject)
    assert (execution.status, execution.output) == ("SUCCEEDED", {
        "order": 3, "decision": "rejected",
        "rejection": {"Error": "Review.Rejected", "Cause": "order 3 looks forged"}})
    assert "ActivityFailed" in execution.history.types()


def test_a_worker_that_stops_sending_heartbeats_times_the_review_out(stack: LocalStack) -> None:
    execution = stack.start_execution("ReviewStateMachine", {"order": 4})
    stack.run_until_idle()
    sfn = stack.client("stepfunctions")
    token = sfn.get_activity_task(activityArn=stack.arn("ReviewActivity"), workerName="slow")["taskToken"]
    stack.advance(200)
    sfn.send_task_heartbeat(taskToken=token)
    stack.advance(299)
    stack.run_until_idle()  # the heartbeat deadline is the worker's to meet: not fired by running until idle
    assert execution.status == "RUNNING"
    stack.advance(1)
    assert (execution.status, execution.error) == ("FAILED", "States.HeartbeatTimeout")
    assert execution.duration_seconds == pytest.approx(500)
    assert execution.history.types()[-2] == "ActivityTimedOut"
    with pytest.raises(sfn.exceptions.TaskTimedOut):
        sfn.send_task_success(taskToken=token, output="{}")


def test_a_lambda_function_can_be_the_worker(stack: LocalStack) -> None:
    execution = stack.start_execution("ReviewStateMachine", {"order": 5})
    stack.run_until_idle()
    invocation = stack.invoke("AutoReviewFunction")
    stack.run_until_idle()
    assert invocation.result == {"reviewed": 5}
    assert (execution.status, execution.output["review"]) == ("SUCCEEDED", {"by": "auto", "order": 5})
    assert stack.invoke("AutoReviewFunction").result == {"reviewed": None}  # nothing left to review


def test_an_activity_without_a_name_is_a_template_error(write_template: Callable[..., Path]) -> None:
    path = write_template(TEMPLATE.replace("      Name: !Sub ${AWS::StackName}-manual-review\n", "      Tags: []\n"),
                          {"src/app.py": AUTO_REVIEWER})
    with pytest.raises(TemplateError, match="Name is required") as error:
        LocalStack.from_template(path, use_config=False).start()
    assert error.value.resource == "ReviewActivity"
