"""Jobs we cannot run locally — Glue, Athena, ECS, Batch, EMR, CodeBuild — as configurable fakes.

A Task like `arn:aws:states:::glue:startJobRun.sync` starts a job and waits for it to finish. Here
a fake answers: the start call returns the identifiers the real service returns; with `.sync` the
job then "runs" for `seconds` of clock time and either succeeds (the task's result is the job's
final description, in the service's shape) or fails with `States.TaskFailed` (cause: the failed
job's description) or any error the outcome names. Outcomes are set per resource by a test or a
config file; unset, a job succeeds at once.

Example:
    >>> jobs = JobFakes()
    >>> jobs.fail("glue:startJobRun", cause="bad input", after=120)
    >>> jobs.succeed("batch:submitJob", after=30, output={"Container": {"ExitCode": 0}})
    >>> Engine(integrations=ServiceIntegrations(jobs=jobs))
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sluice.asl.errors import ErrorName, StatesError
from sluice.asl.tasks.resources import REQUEST_RESPONSE, SYNC, WAIT_FOR_TASK_TOKEN

PATTERNS = (REQUEST_RESPONSE, SYNC, WAIT_FOR_TASK_TOKEN)


@dataclass(frozen=True)
class JobOutcome:
    """How a faked job ends: after `seconds`, successfully (with `output` merged into the final
    description) or with `error` (default `States.TaskFailed` when a `cause` is given)."""

    seconds: float = 0.0
    error: str | None = None
    cause: str | None = None
    output: Mapping[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return self.error is not None or self.cause is not None

    @classmethod
    def from_config(cls, value: Mapping[str, Any]) -> JobOutcome:
        unknown = set(value) - {"seconds", "error", "cause", "output"}
        if unknown:
            raise ValueError(f"unknown job outcome fields: {', '.join(sorted(unknown))}")
        return cls(float(value.get("seconds", 0)), value.get("error"), value.get("cause"), value.get("output", {}))


@dataclass(frozen=True)
class _JobKind:
    """The shapes of one job type: its start response and its final description."""

    start: Callable[[dict[str, Any], str], dict[str, Any]]
    finish: Callable[[dict[str, Any], str, bool, float, float], dict[str, Any]]
    new_id: Callable[[], str] = lambda: str(uuid.uuid4())


def _millis(epoch_seconds: float) -> int:
    return round(epoch_seconds * 1000)


def _glue_finish(params: dict[str, Any], job_id: str, ok: bool, started: float, ended: float) -> dict[str, Any]:
    return {
        "Attempt": 0, "Id": job_id, "JobName": params.get("JobName"), "Arguments": params.get("Arguments", {}),
        "JobRunState": "SUCCEEDED" if ok else "FAILED", "StartedOn": _millis(started),
        "LastModifiedOn": _millis(ended), "CompletedOn": _millis(ended), "ExecutionTime": round(ended - started),
    } | ({} if ok else {"ErrorMessage": "The job run failed"})


def _athena_finish(params: dict[str, Any], job_id: str, ok: bool, started: float, ended: float) -> dict[str, Any]:
    return {"QueryExecution": {
        "QueryExecutionId": job_id, "Query": params.get("QueryString"),
        "QueryExecutionContext": params.get("QueryExecutionContext", {}),
        "ResultConfiguration": params.get("ResultConfiguration", {}),
        "Status": {"State": "SUCCEEDED" if ok else "FAILED", "SubmissionDateTime": _millis(started),
                   "CompletionDateTime": _millis(ended)},
        "WorkGroup": params.get("WorkGroup", "primary"),
    }}


def _ecs_task(params: dict[str, Any], job_id: str, status: str) -> dict[str, Any]:
    return {"TaskArn": f"arn:aws:ecs:us-east-1:123456789012:task/{params.get('Cluster', 'default')}/{job_id}",
            "TaskDefinitionArn": params.get("TaskDefinition"), "LastStatus": status,
            "DesiredStatus": "RUNNING" if status != "STOPPED" else "STOPPED"}


def _ecs_finish(params: dict[str, Any], job_id: str, ok: bool, started: float, ended: float) -> dict[str, Any]:
    task = _ecs_task(params, job_id, "STOPPED") | {
        "StopCode": "EssentialContainerExited", "StartedAt": _millis(started), "StoppedAt": _millis(ended),
        "Containers": [{"ExitCode": 0 if ok else 1, "LastStatus": "STOPPED"}],
    }
    return {"Tasks": [task], "Failures": []}


def _batch_finish(params: dict[str, Any], job_id: str, ok: bool, started: float, ended: float) -> dict[str, Any]:
    return {
        "JobId": job_id, "JobName": params.get("JobName"), "JobQueue": params.get("JobQueue"),
        "JobDefinition": params.get("JobDefinition"), "Status": "SUCCEEDED" if ok else "FAILED",
        "StartedAt": _millis(started), "StoppedAt": _millis(ended),
        "Container": {"ExitCode": 0 if ok else 1},
    }


def _emr_step_finish(params: dict[str, Any], job_id: str, ok: bool, started: float, ended: float) -> dict[str, Any]:
    step = params.get("Step", {})
    return {"Step": {
        "Id": job_id, "Name": step.get("Name") if isinstance(step, dict) else None,
        "Status": {"State": "COMPLETED" if ok else "FAILED",
                   "Timeline": {"StartDateTime": _millis(started), "EndDateTime": _millis(ended)}},
    }}


def _emr_cluster_finish(params: dict[str, Any], job_id: str, ok: bool, started: float, ended: float) -> dict[str, Any]:
    return {"Cluster": {"Id": job_id, "Name": params.get("Name"),
                        "Status": {"State": "WAITING" if ok else "TERMINATED_WITH_ERRORS"}}}


def _codebuild_finish(params: dict[str, Any], job_id: str, ok: bool, started: float, ended: float) -> dict[str, Any]:
    return {"Build": {"Id": job_id, "ProjectName": params.get("ProjectName"),
                      "BuildStatus": "SUCCEEDED" if ok else "FAILED", "BuildComplete": True,
                      "StartTime": _millis(started), "EndTime": _millis(ended)}}


_JOB_KINDS: dict[str, _JobKind] = {
    # Step Functions adds the request's JobName to Glue's StartJobRun response (the `sam init` ETL
    # template's check function reads it; LocalStack's AWS-validated Glue integration does the same).
    "glue:startJobRun": _JobKind(lambda p, i: {"JobName": p.get("JobName"), "JobRunId": i}, _glue_finish,
                                 lambda: f"jr_{uuid.uuid4().hex}{uuid.uuid4().hex}"),  # jr_ + 64 hex digits
    "athena:startQueryExecution": _JobKind(lambda p, i: {"QueryExecutionId": i}, _athena_finish),
    "ecs:runTask": _JobKind(lambda p, i: {"Tasks": [_ecs_task(p, i, "PROVISIONING")], "Failures": []}, _ecs_finish),
    "batch:submitJob": _JobKind(
        lambda p, i: {"JobId": i, "JobName": p.get("JobName"),
                      "JobArn": f"arn:aws:batch:us-east-1:123456789012:job/{i}"}, _batch_finish),
    "elasticmapreduce:addStep": _JobKind(lambda p, i: {"StepId": i}, _emr_step_finish),
    "elasticmapreduce:createCluster": _JobKind(
        lambda p, i: {"ClusterId": i, "ClusterArn": f"arn:aws:elasticmapreduce:us-east-1:123456789012:cluster/{i}"},
        _emr_cluster_finish),
    "codebuild:startBuild": _JobKind(
        lambda p, i: {"Build": {"Id": i, "ProjectName": p.get("ProjectName"), "BuildStatus": "IN_PROGRESS"}},
        _codebuild_finish),
}


class JobFakes:
    """The outcome of each job resource (`"glue:startJobRun"`); unset ones succeed at once."""

    def __init__(self, outcomes: Mapping[str, JobOutcome] | None = None) -> None:
        self._outcomes: dict[str, JobOutcome] = {}
        for resource, outcome in (outcomes or {}).items():
            self.set(resource, outcome)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> JobFakes:
        """`{"glue:startJobRun": {"seconds": 30, "cause": "boom"}, ...}` (e.g. a JSON file)."""
        return cls({resource: JobOutcome.from_config(value) for resource, value in config.items()})

    @staticmethod
    def kinds() -> list[str]:
        return sorted(_JOB_KINDS)

    def knows(self, resource: str) -> bool:
        return resource in _JOB_KINDS

    def set(self, resource: str, outcome: JobOutcome) -> None:
        if resource not in _JOB_KINDS:
            raise ValueError(f"no local job fake for '{resource}' (known: {', '.join(self.kinds())})")
        self._outcomes[resource] = outcome

    def succeed(self, resource: str, *, after: float = 0.0, output: Mapping[str, Any] | None = None) -> None:
        self.set(resource, JobOutcome(seconds=after, output=output or {}))

    def fail(self, resource: str, *, error: str = ErrorName.TASK_FAILED, cause: str | None = None,
             after: float = 0.0) -> None:
        self.set(resource, JobOutcome(seconds=after, error=error, cause=cause))

    async def run(self, resource: str, parameters: Any, *, sync: bool, now: Callable[[], float],
                  on_submitted: Callable[[Any], None] | None) -> Any:
        kind = _JOB_KINDS[resource]
        params = parameters if isinstance(parameters, dict) else {}
        job_id = kind.new_id()
        started = kind.start(params, job_id)
        if not sync:
            return started
        if on_submitted is not None:
            on_submitted(started)
        outcome = self._outcomes.get(resource, JobOutcome())
        start_time = now()
        await asyncio.sleep(outcome.seconds)
        description = kind.finish(params, job_id, not outcome.failed, start_time, now())
        if outcome.failed:
            raise StatesError(outcome.error or ErrorName.TASK_FAILED,
                              outcome.cause or json.dumps(description, separators=(",", ":")))
        return description | dict(outcome.output)
