"""EventBridge Scheduler on the local stack: `AWS::Scheduler::Schedule`/`ScheduleGroup`
(`resources`), SAM `ScheduleV2` events (`wiring`), the schedule model (`model`), when invocations
fall due (`timing`), how targets are invoked (`targets`) and the event source that fires them on
the virtual clock (`source`).

Example:
    >>> stack.client("scheduler").create_schedule(Name="report", ScheduleExpression="rate(5 minutes)",
    ...     FlexibleTimeWindow={"Mode": "OFF"}, Target={"Arn": function_arn, "RoleArn": role_arn})
    >>> stack.advance(600)     # the function is invoked twice
"""
