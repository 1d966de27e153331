"""Service integrations for Task states, against an injectable AWS backend.

- optimized integrations: `dynamodb:getItem|putItem|updateItem|deleteItem`, `sqs:sendMessage`,
  `sns:publish`, `events:putEvents`, `states:startExecution` (`.sync`, `.sync:2`);
- `aws-sdk:<service>:<action>` for any action boto3 knows;
- run-a-job services that cannot run locally (`glue:startJobRun.sync`, …) through `JobFakes`.

`lambda:invoke` and Lambda function ARNs are the engine's own (`TaskDispatcher`), as are the
`.waitForTaskToken` waits (`sluice.asl.callbacks`).

Example:
    >>> from moto import mock_aws
    >>> with mock_aws(), Engine(integrations=ServiceIntegrations()) as engine:
    ...     engine.run(definition)
"""

from sluice.asl.integrations.clients import BotoClients, ClientFactory
from sluice.asl.integrations.jobs import JobFakes, JobOutcome
from sluice.asl.integrations.lambdas import BotoLambdaInvoker
from sluice.asl.integrations.router import ServiceIntegrations

__all__ = ["BotoClients", "BotoLambdaInvoker", "ClientFactory", "JobFakes", "JobOutcome", "ServiceIntegrations"]
