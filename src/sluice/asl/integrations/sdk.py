"""`arn:aws:states:::aws-sdk:<service>:<action>`: any action of any service boto3 knows.

The service name is Step Functions' (the Java SDK v2 package name: `s3`, `dynamodb`, `sfn`,
`eventbridge`, `cloudwatchlogs`, `acmpca` …) and is mapped to boto3's (`stepfunctions`, `events`,
`logs`, `acm-pca` …); the action is the API operation in camelCase. Parameters and results are
translated by `shapes`; service errors become `<Service>.<Exception>` (`S3.NoSuchKeyException`).

Example:
    >>> SdkIntegration(BotoClients()).call("s3", "listBuckets", {})
    {'Buckets': [], 'Owner': {...}}
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sluice.asl.errors import ErrorName, StatesError
from sluice.asl.integrations.clients import ClientFactory
from sluice.asl.integrations.errors import exception_name, sdk_client_error, sdk_service_prefix
from sluice.asl.integrations.shapes import to_boto, to_pascal

# Step Functions names that neither equal a boto3 name nor match one once dashes are dropped.
_SERVICE_ALIASES = {
    "sfn": "stepfunctions",
    "eventbridge": "events",
    "cloudwatchlogs": "logs",
    "cloudwatchevents": "events",
    "elasticloadbalancingv2": "elbv2",
    "elasticloadbalancing": "elb",
    "cognitoidentityprovider": "cognito-idp",
    "costexplorer": "ce",
    "databasemigration": "dms",
    "configservice": "config",
}


class SdkIntegration:
    """Performs AWS SDK integration calls with clients from a factory."""

    def __init__(self, clients: ClientFactory) -> None:
        self.clients = clients

    def call(self, service: str, action: str, parameters: Any, *, client: Any = None) -> Any:
        """One call: Step Functions-cased parameters in, Step Functions-cased result out."""
        from botocore import xform_name  # noqa: PLC0415
        from botocore.exceptions import ClientError, ParamValidationError  # noqa: PLC0415

        client = client or self.clients.client(boto_service_name(service))
        model = client.meta.service_model
        operation = _operation_name(model, service, action)
        operation_model = model.operation_model(operation)
        arguments = to_boto(parameters if parameters is not None else {}, operation_model.input_shape)
        if not isinstance(arguments, dict):
            raise StatesError(ErrorName.RUNTIME, f"The parameters of aws-sdk:{service}:{action} must be an object")
        try:
            response = getattr(client, xform_name(operation))(**arguments)
        except ClientError as error:
            raise sdk_client_error(model.service_id, error) from None
        except ParamValidationError as error:
            prefix = sdk_service_prefix(model.service_id)
            raise StatesError(f"{prefix}.{exception_name(prefix)}", str(error)) from None
        response.pop("ResponseMetadata", None)
        return to_pascal(response, operation_model.output_shape)


def boto_service_name(service: str) -> str:
    """The boto3 service for a Step Functions SDK service name; States.Runtime when none."""
    available = _available_services()
    if service in _SERVICE_ALIASES:
        return _SERVICE_ALIASES[service]
    if service in available:
        return service
    compact = {name.replace("-", ""): name for name in available}
    if service in compact:
        return compact[service]
    raise StatesError(ErrorName.RUNTIME, f"The AWS SDK integration has no service named '{service}'")


@cache
def _available_services() -> frozenset[str]:
    import botocore.session  # noqa: PLC0415

    return frozenset(botocore.session.get_session().get_available_services())


def _operation_name(model: Any, service: str, action: str) -> str:
    wanted = action.lower()
    for name in model.operation_names:
        if name.lower() == wanted:
            return str(name)
    raise StatesError(ErrorName.RUNTIME, f"The AWS SDK integration for '{service}' has no action '{action}'")
