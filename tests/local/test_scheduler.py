"""EventBridge Scheduler on the local stack (`sluice.local.eventbridge.scheduler`), from a template
written the way public SAM examples write Scheduler apps: a `ScheduleV2` event in a time zone,
`AWS::Scheduler::Schedule`s with a FIFO queue, a universal target, an event bus and a dead-letter
queue, and one-time schedules a handler creates at run time.

AWS behaviour under test (EventBridge Scheduler user guide): "Schedule types" (`at`, `rate`,
`cron`, time zones, `StartDate`/`EndDate`), "Adding context attributes", "Using universal
targets", "Configuring flexible time windows", "Configuring a dead-letter queue" and
`ActionAfterCompletion` ("CreateSchedule", API reference).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from sluice.local.stack import LocalStack
from sluice.local.trace import FAILED
from tests.local.templates import sam_template, service_role

MIDNIGHT = datetime(2024, 6, 1, tzinfo=UTC).timestamp()  # a Saturday; Paris is UTC+2 in June
HOUR = 3600

TEMPLATE = sam_template(
    "Scheduled reports, reminders scheduled at run time, and scheduled queue jobs",
    Runtime="python3.13", Handler="app.lambda_handler", CodeUri="src/",
    Environment={"Variables": {"NOTIFY_ARN": "!GetAtt NotifyFunction.Arn",
                               "SCHEDULER_ROLE_ARN": "!GetAtt SchedulerRole.Arn"}}) + """\
  ReportFunction:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        MorningReport:
          Type: ScheduleV2
          Properties:
            ScheduleExpression: cron(0/5 9 * * ? *)
            ScheduleExpressionTimezone: Europe/Paris
            Input: '{"report": "<aws.scheduler.scheduled-time>"}'

  RemindFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: remind.lambda_handler
      Policies:
        - Statement:
            - Effect: Allow
              Action: [scheduler:CreateSchedule, iam:PassRole]
              Resource: '*'

  NotifyFunction:
    Type: AWS::Serverless::Function

""" + service_role("SchedulerRole", "scheduler.amazonaws.com") + """
  JobsGroup:
    Type: AWS::Scheduler::ScheduleGroup
    Properties:
      Name: jobs

  JobsQueue:
    Type: AWS::SQS::Queue
    Properties:
      FifoQueue: true

  CompactionSchedule:
    Type: AWS::Scheduler::Schedule
    Properties:
      GroupName: !Ref JobsGroup
      ScheduleExpression: rate(1 hour)
      FlexibleTimeWindow:
        Mode: 'OFF'
      Target:
        Arn: !GetAtt JobsQueue.Arn
        RoleArn: !GetAtt SchedulerRole.Arn
        Input: '{"job": "compact", "for": "<aws.scheduler.scheduled-time>"}'
        SqsParameters:
          MessageGroupId: compaction

  AuditQueue:
    Type: AWS::SQS::Queue

  AuditSchedule:
    Type: AWS::Scheduler::Schedule
    Properties:
      ScheduleExpression: cron(0 12 * * ? *)
      FlexibleTimeWindow:
        Mode: 'OFF'
      Target:
        Arn: arn:aws:scheduler:::aws-sdk:sqs:sendMessage
        RoleArn: !GetAtt SchedulerRole.Arn
        Input: !Sub >-
          {"QueueUrl": "${AuditQueue}",
           "MessageBody": "audit <aws.scheduler.execution-id> try <aws.scheduler.attempt-number>"}

  ScheduleDeadLetterQueue:
    Type: AWS::SQS::Queue

  ExportSchedule:
    Type: AWS::Scheduler::Schedule
    Properties:
      ScheduleExpression: at(2024-06-01T01:00:00)
      FlexibleTimeWindow:
        Mode: 'OFF'
      Target:
        Arn: !Sub arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:decommissioned-exports
        RoleArn: !GetAtt SchedulerRole.Arn
        Input: '{"export": "daily"}'
        RetryPolicy:
          MaximumRetryAttempts: 2
          MaximumEventAgeInSeconds: 3600
        DeadLetterConfig:
          Arn: !GetAtt ScheduleDeadLetterQueue.Arn

  OpsBus:
    Type: AWS::Events::EventBus
    Properties:
      Name: ops

  HeartbeatSchedule:
    Type: AWS::Scheduler::Schedule
    Properties:
      ScheduleExpression: rate(30 minutes)
      StartDate: '2024-06-01T06:00:00Z'
      EndDate: '2024-06-01T07:10:00Z'
      FlexibleTimeWindow:
        Mode: FLEXIBLE
        MaximumWindowInMinutes: 10
      Target:
        Arn: !GetAtt OpsBus.Arn
        RoleArn: !GetAtt SchedulerRole.Arn
        Input: '{"beat": "<aws.scheduler.scheduled-time>"}'
        EventBridgeParameters:
          DetailType: Heartbeat
          Source: ops.scheduler

  HeartbeatQueue:
    Type: AWS::SQS::Queue

  HeartbeatRule:
    Type: AWS::Events::Rule
    Properties:
      EventBusName: !Ref OpsBus
      EventPattern:
        source: [ops.scheduler]
      Targets:
        - Id: heartbeats
          Arn: !GetAtt HeartbeatQueue.Arn
"""

APP = '''\
def lambda_handler(event, context):
    return event
'''

REMIND = '''\
import json
import os

import boto3

scheduler = boto3.client("scheduler")


def lambda_handler(event, context):
    scheduler.create_schedule(
        Name=event["name"],
        ScheduleExpression=f"at({event['at']})",
        ScheduleExpressionTimezone="Europe/Paris",
        FlexibleTimeWindow={"Mode": "OFF"},
        ActionAfterCompletion=event.get("after", "DELETE"),
        Target={"Arn": os.environ["NOTIFY_ARN"], "RoleArn": os.environ["SCHEDULER_ROLE_ARN"],
                "Input": json.dumps({"remind": event["name"]})},
    )
    return {"scheduled": event["name"]}
'''

HANDLERS = {"src/app.py": APP, "src/remind.py": REMIND}


@pytest.fixture
def stack(start_stack: Callable[..., LocalStack]) -> LocalStack:
    return start_stack(TEMPLATE, HANDLERS, start_time=MIDNIGHT)


def times(stack: LocalStack, function: str) -> list[str]:
    return [_clock(invocation.started_at) for invocation in stack.invocations(function)]


def _clock(moment: float) -> str:
    return datetime.fromtimestamp(moment, tz=UTC).strftime("%H:%M")


def attribute(message: Any, name: str) -> str:
    return str(message.attributes[name]["StringValue"])


def test_a_sam_schedule_invokes_the_function_every_five_minutes_in_its_time_zone(stack: LocalStack) -> None:
    stack.advance(24 * HOUR)
    # 09:00-09:55 in Paris is 07:00-07:55 UTC in June (CEST).
    assert times(stack, "ReportFunction") == [f"07:{minute:02d}" for minute in range(0, 60, 5)]
    # Scheduler sends the Input only, with <aws.scheduler.scheduled-time> substituted.
    assert stack.invocations("ReportFunction")[0].event == {"report": "2024-06-01T07:00:00Z"}
    [listed] = [entry for entry in stack.client("scheduler").list_schedules()["Schedules"]
                if entry["Name"] == "ReportFunctionMorningReport"]
    assert listed["Target"]["Arn"] == stack.arn("ReportFunction")


def test_nothing_fires_until_time_passes(stack: LocalStack) -> None:
    stack.run_until_idle()
    assert stack.invocations("ReportFunction") == [] and stack.messages("JobsQueue") == []


def test_a_handler_schedules_one_time_reminders_deleted_after_completion_unless_kept(stack: LocalStack) -> None:
    stack.invoke("RemindFunction", {"name": "pay-invoice", "at": "2024-06-01T10:00:00"})
    stack.invoke("RemindFunction", {"name": "renew-domain", "at": "2024-06-01T11:30:00", "after": "NONE"})
    scheduler = stack.client("scheduler")
    assert scheduler.get_schedule(Name="pay-invoice")["ActionAfterCompletion"] == "DELETE"
    stack.advance(7 * HOUR)
    assert stack.invocations("NotifyFunction") == []  # 10:00 in Paris is 08:00 UTC
    stack.advance(3 * HOUR)
    assert [invocation.event for invocation in stack.invocations("NotifyFunction")] == [
        {"remind": "pay-invoice"}, {"remind": "renew-domain"}]
    assert times(stack, "NotifyFunction") == ["08:00", "09:30"]
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        scheduler.get_schedule(Name="pay-invoice")
    assert scheduler.get_schedule(Name="renew-domain")["State"] == "ENABLED"  # NONE keeps it
    stack.advance(48 * HOUR)
    assert len(stack.invocations("NotifyFunction")) == 2  # a one-time schedule runs once


def test_a_fifo_queue_target_gets_its_message_group(stack: LocalStack) -> None:
    stack.advance(3 * HOUR)
    messages = stack.messages("JobsQueue")
    assert [message.json() for message in messages] == [
        {"job": "compact", "for": f"2024-06-01T0{hour}:00:00Z"} for hour in (1, 2, 3)]
    assert {message.group_id for message in messages} == {"compaction"}
    [listed] = stack.client("scheduler").list_schedules(GroupName="jobs")["Schedules"]
    assert listed["Arn"] == stack.arn("CompactionSchedule") and listed["Arn"].endswith(":schedule/jobs/"
                                                                                       + listed["Name"])


def test_a_universal_target_calls_the_api_with_its_input(stack: LocalStack) -> None:
    stack.advance(13 * HOUR)
    [message] = stack.messages("AuditQueue")
    words = message.body.split()
    assert words[0] == "audit" and len(words[1]) == 16 and words[2:] == ["try", "1"]


def test_a_failing_target_lands_in_the_dead_letter_queue_after_its_retries(stack: LocalStack) -> None:
    stack.advance(2 * HOUR)
    [dead] = stack.messages("ScheduleDeadLetterQueue")
    assert dead.json() == {"export": "daily"}
    assert attribute(dead, "RETRY_ATTEMPTS") == "2"
    assert attribute(dead, "EXHAUSTED_RETRY_CONDITION") == "MaximumRetryAttempts"
    assert attribute(dead, "SCHEDULE_ARN") == stack.arn("ExportSchedule")
    assert attribute(dead, "SCHEDULED_TIME") == "2024-06-01T01:00:00Z"
    assert attribute(dead, "TARGET_ARN").endswith(":decommissioned-exports")
    assert "queue does not exist" in attribute(dead, "ERROR_MESSAGE")
    assert len(attribute(dead, "EXECUTION_ID")) == 16
    # The first attempt and two retries were made; giving up is a failure in the trace, not silent.
    [failure] = stack.world.deliverer.failures
    assert "gave up" in failure and "after 3 attempt(s)" in failure
    [schedule] = [activity for activity in stack.trace.find("schedule") if "at(" in activity.title]
    assert schedule.children[-1].status == FAILED


def test_a_bus_target_puts_events_inside_the_flexible_window_between_start_and_end(stack: LocalStack) -> None:
    stack.advance(12 * HOUR)
    beats = [message.json() for message in stack.messages("HeartbeatQueue")]
    # rate(30 minutes) from StartDate 06:00 up to EndDate 07:10: 06:00, 06:30, 07:00.
    assert [beat["detail"] for beat in beats] == [
        {"beat": f"2024-06-01T{clock}:00Z"} for clock in ("06:00", "06:30", "07:00")]
    assert {(beat["source"], beat["detail-type"]) for beat in beats} == {("ops.scheduler", "Heartbeat")}
    delays = [datetime.fromisoformat(beat["time"]).timestamp() - datetime.fromisoformat(
        beat["detail"]["beat"]).timestamp() for beat in beats]
    assert all(0 <= delay < 600 for delay in delays) and len(set(delays)) > 1


def test_schedules_created_updated_and_deleted_at_run_time_are_rearmed(stack: LocalStack) -> None:
    scheduler = stack.client("scheduler")
    target = {"Arn": stack.arn("NotifyFunction"), "RoleArn": stack.arn("SchedulerRole"), "Input": '{"n": 1}'}
    scheduler.create_schedule(Name="poll", ScheduleExpression="rate(10 minutes)",
                              FlexibleTimeWindow={"Mode": "OFF"}, Target=target)
    stack.advance(HOUR)
    assert len(stack.invocations("NotifyFunction")) == 6
    scheduler.update_schedule(Name="poll", ScheduleExpression="rate(10 minutes)", State="DISABLED",
                              FlexibleTimeWindow={"Mode": "OFF"}, Target=target)
    stack.advance(HOUR)
    assert len(stack.invocations("NotifyFunction")) == 6
    scheduler.update_schedule(Name="poll", ScheduleExpression="rate(30 minutes)",
                              FlexibleTimeWindow={"Mode": "OFF"}, Target={**target, "Input": '{"n": 2}'})
    stack.advance(HOUR)
    assert [invocation.event for invocation in stack.invocations("NotifyFunction")][6:] == [{"n": 2}, {"n": 2}]
    scheduler.delete_schedule(Name="poll")
    stack.advance(HOUR)
    assert len(stack.invocations("NotifyFunction")) == 8


def test_a_schedule_a_handler_cannot_arm_is_refused_to_it(stack: LocalStack) -> None:
    # Scheduler refuses the expression when the schedule is created (before, sluice took it and reported
    # it as a failed delivery once moto had stored it).
    with pytest.raises(ClientError, match=r"ValidationException.*'rate\(5 fortnights\)' is not a rate"):
        stack.client("scheduler").create_schedule(
            Name="typo", ScheduleExpression="rate(5 fortnights)", FlexibleTimeWindow={"Mode": "OFF"},
            Target={"Arn": stack.arn("NotifyFunction"), "RoleArn": stack.arn("SchedulerRole")})
    assert stack.world.deliverer.failures == []


def test_a_deleted_group_takes_its_schedules_with_it(stack: LocalStack) -> None:
    stack.client("scheduler").delete_schedule_group(Name="jobs")
    stack.advance(3 * HOUR)
    assert stack.messages("JobsQueue") == []


def test_same_seed_same_flexible_offsets(start_stack: Callable[..., LocalStack]) -> None:
    def beats(seed: int) -> list[str]:
        stack = start_stack(TEMPLATE, HANDLERS, start_time=MIDNIGHT, seed=seed)
        stack.advance(8 * HOUR)
        return [json.loads(message.body)["time"] for message in stack.messages("HeartbeatQueue")]

    assert beats(1) == beats(1) != beats(2)


@pytest.mark.parametrize(("expression", "zone", "said"), [
    ("at(garbage)", None, "at(garbage): at() takes a date and time as yyyy-mm-ddThh:mm:ss"),
    ("rate(0 minutes)", None, "rate(0 minutes): the rate must be positive"),
    ("cron(0 25 * * ? *)", None, "cron(0 25 * * ? *): '25' is out of range 0-23"),
    ("cron(0 12 * * ? *)", "../../etc/x", "unknown ScheduleExpressionTimezone '../../etc/x'"),
])
def test_a_schedule_scheduler_would_refuse_is_a_validation_exception(stack: LocalStack, expression: str,
                                                                    zone: str | None, said: str) -> None:
    # Found by the schedule campaign: moto stored such a schedule and it was silently never armed.
    scheduler = stack.client("scheduler")
    extra = {"ScheduleExpressionTimezone": zone} if zone else {}
    with pytest.raises(ClientError) as refused:
        scheduler.create_schedule(Name="refused", ScheduleExpression=expression, FlexibleTimeWindow={"Mode": "OFF"},
                                  Target={"Arn": stack.arn("AuditQueue"), "RoleArn": stack.arn("SchedulerRole")},
                                  **extra)
    assert refused.value.response["Error"] == {"Code": "ValidationException", "Message": said}
    assert "refused" not in [s["Name"] for s in scheduler.list_schedules()["Schedules"]]


def test_the_request_check_examples_hold() -> None:
    import doctest  # noqa: PLC0415

    from sluice.local.eventbridge.scheduler import requests  # noqa: PLC0415

    assert doctest.testmod(requests).failed == 0
