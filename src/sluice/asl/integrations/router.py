"""`ServiceIntegrations`: the engine's resolver for every Task that is not a Lambda function.

It routes by resource: `states:startExecution` to the engine itself (nested workflows),
`apigateway:invoke` to the APIs it is given (`apigateway`),
the optimized DynamoDB/SQS/SNS/EventBridge integrations and `aws-sdk:*` to AWS clients from an
injectable factory, run-a-job services (`glue:startJobRun.sync`, …) to local job fakes. It checks
the integration pattern each resource supports, as Step Functions does. `.waitForTaskToken` is the
engine's part: by the time a request gets here, only its request-response call is left to make.

`aws-sdk:sfn:*` calls go to a Step Functions API served by the same engine, not to AWS.

Example:
    >>> engine = Engine(integrations=ServiceIntegrations(BotoClients()))
    >>> engine.run({"StartAt": "Put", "States": {"Put": {"Type": "Task",
    ...     "Resource": "arn:aws:states:::dynamodb:putItem",
    ...     "Parameters": {"TableName": "t", "Item": {"id": {"S": "1"}}}, "End": True}}})
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sluice.asl.errors import ErrorName, StatesError
from sluice.asl.integrations import apigateway, jobs, nested
from sluice.asl.integrations.clients import BotoClients, ClientFactory
from sluice.asl.integrations.jobs import JobFakes
from sluice.asl.integrations.optimized import OPTIMIZED
from sluice.asl.integrations.sdk import SdkIntegration
from sluice.asl.tasks.resources import REQUEST_RESPONSE, SDK, SYNC, SYNC_2, WAIT_FOR_TASK_TOKEN

if TYPE_CHECKING:
    from sluice.asl.engine import Engine
    from sluice.asl.tasks.dispatch import TaskRequest

_CALLBACK_PATTERNS = (REQUEST_RESPONSE, WAIT_FOR_TASK_TOKEN)
# Optimized integrations that support the callback pattern (DynamoDB does not).
_CALLBACK_SERVICES = {"sqs", "sns", "events"}


class ServiceIntegrations:
    """Performs service-integration Tasks; give it to `Engine(integrations=...)`."""

    def __init__(self, clients: ClientFactory | None = None, *, jobs: JobFakes | None = None,
                 apis: apigateway.ApiCaller | None = None) -> None:
        self._clients = clients
        self.jobs = jobs or JobFakes()
        #: Answers `apigateway:invoke` (the local stack's APIs); None: such a task fails, saying so.
        self.apis = apis
        self._engine: Engine | None = None
        self._sfn_client: Any = None

    def attach(self, engine: Engine) -> None:
        """Called by the engine: nested workflows and `aws-sdk:sfn` run on it; default clients
        are made for its region."""
        self._engine = engine
        if self._clients is None:
            self._clients = BotoClients(region_name=engine.region)

    @property
    def clients(self) -> ClientFactory:
        if self._clients is None:
            self._clients = BotoClients()
        return self._clients

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise StatesError(ErrorName.RUNTIME, "ServiceIntegrations is not attached to an engine")
        return self._engine

    async def __call__(self, request: TaskRequest) -> Any:
        try:
            return await self._perform(request)
        except StatesError:
            raise
        except Exception as error:  # no credentials, no endpoint, ...: the task fails, visibly
            raise StatesError(ErrorName.TASK_FAILED, f"{type(error).__name__}: {error}") from error

    async def _perform(self, request: TaskRequest) -> Any:
        resource = request.resource
        pattern = resource.pattern
        if resource.kind == SDK:
            _require(pattern in _CALLBACK_PATTERNS, request)
            client = self._sfn() if resource.service == "sfn" else None
            return SdkIntegration(self.clients).call(resource.service, resource.action, request.parameters,
                                                     client=client)
        key = (resource.service, resource.action)
        if key == ("states", "startExecution"):
            _require(pattern in nested.PATTERNS, request)
            return await nested.start_execution(self.engine, request)
        if key == ("apigateway", "invoke"):
            _require(pattern in _CALLBACK_PATTERNS, request)
            return apigateway.invoke(self.apis, request.parameters)
        handler = OPTIMIZED.get(key)
        if handler is not None:
            _require(pattern == REQUEST_RESPONSE or (pattern == WAIT_FOR_TASK_TOKEN
                                                     and resource.service in _CALLBACK_SERVICES), request)
            return handler(self.clients, request.parameters, request.context)
        job = f"{resource.service}:{resource.action}"
        if self.jobs.knows(job):
            _require(pattern in jobs.PATTERNS, request)
            return await self.jobs.run(job, request.parameters, sync=pattern == SYNC, now=self.engine.clock.now,
                                       on_submitted=request.on_submitted)
        raise StatesError(ErrorName.RUNTIME, f"sluice has no local integration for '{resource.arn}'")

    def _sfn(self) -> Any:
        """A Step Functions client answered by this engine (created on first `aws-sdk:sfn` call)."""
        if self._sfn_client is None:
            import boto3  # noqa: PLC0415

            from sluice.api import StepFunctionsService  # noqa: PLC0415
            from sluice.api.adapter import attach_client  # noqa: PLC0415

            engine = self.engine
            client = boto3.session.Session().client(
                "stepfunctions", region_name=engine.region, aws_access_key_id="local",
                aws_secret_access_key="local",
            )
            self._sfn_client = attach_client(client, StepFunctionsService(engine))
        return self._sfn_client


def _require(supported: bool, request: TaskRequest) -> None:
    if not supported:
        resource = request.resource
        pattern = {SYNC: ".sync", SYNC_2: ".sync:2", WAIT_FOR_TASK_TOKEN: ".waitForTaskToken"}.get(
            resource.pattern, "request-response")
        raise StatesError(ErrorName.RUNTIME,
                          f"The resource '{resource.arn}' does not support the {pattern} integration pattern")
