"""Optimized integrations: DynamoDB items, SQS messages, SNS notifications, EventBridge events.

Each is a request-response call whose result is the service response as Step Functions shows it:
DynamoDB, SQS and SNS add `SdkHttpMetadata`/`SdkResponseMetadata`; EventBridge returns `Entries`
and `FailedEntryCount` and fails the task with `EventBridge.FailedEntry` (cause: the response)
when any entry failed. Step Functions sends JSON objects given for an SQS `MessageBody`, an SNS
`Message` or an event `Detail` as JSON text, and appends the state machine and execution ARNs to
each event's `Resources`.

Example:
    >>> OPTIMIZED[("sqs", "sendMessage")](clients, {"QueueUrl": url, "MessageBody": {"a": 1}}, context)
    {'MD5OfMessageBody': '...', 'MessageId': '...', 'SdkHttpMetadata': {...}, 'SdkResponseMetadata': {...}}
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sluice.asl.errors import ErrorName, StatesError
from sluice.asl.integrations.clients import ClientFactory
from sluice.asl.integrations.errors import optimized_client_error
from sluice.asl.integrations.metadata import with_http_metadata

Handler = Callable[[ClientFactory, Any, dict[str, Any]], Any]


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _call(clients: ClientFactory, service: str, method: str, parameters: Any) -> dict[str, Any]:
    from botocore.exceptions import ClientError, ParamValidationError  # noqa: PLC0415

    if not isinstance(parameters, dict):
        raise StatesError(ErrorName.RUNTIME, f"The parameters of {service}:{method} must be an object")
    try:
        response: dict[str, Any] = getattr(clients.client(service), method)(**parameters)
    except ClientError as error:
        raise optimized_client_error(service, error) from None
    except ParamValidationError as error:
        raise StatesError(ErrorName.RUNTIME, f"Invalid parameters for {service}:{method}: {error}") from None
    return response


def _with_metadata(response: dict[str, Any]) -> dict[str, Any]:
    metadata = response.pop("ResponseMetadata", {})
    return with_http_metadata(response, metadata)


def _dynamodb(method: str) -> Handler:
    def handler(clients: ClientFactory, parameters: Any, context: dict[str, Any]) -> Any:
        return _with_metadata(_call(clients, "dynamodb", method, parameters))

    return handler


def _send_message(clients: ClientFactory, parameters: Any, context: dict[str, Any]) -> Any:
    if isinstance(parameters, dict) and not isinstance(parameters.get("MessageBody", ""), str):
        parameters = parameters | {"MessageBody": _compact(parameters["MessageBody"])}
    return _with_metadata(_call(clients, "sqs", "send_message", parameters))


def _publish(clients: ClientFactory, parameters: Any, context: dict[str, Any]) -> Any:
    if isinstance(parameters, dict) and not isinstance(parameters.get("Message", ""), str):
        parameters = parameters | {"Message": _compact(parameters["Message"])}
    return _with_metadata(_call(clients, "sns", "publish", parameters))


def _put_events(clients: ClientFactory, parameters: Any, context: dict[str, Any]) -> Any:
    entries = parameters.get("Entries") if isinstance(parameters, dict) else None
    if not isinstance(entries, list):
        raise StatesError(ErrorName.RUNTIME, "The field 'Entries' of events:putEvents must be an array")
    owners = [context["StateMachine"]["Id"], context["Execution"]["Id"]]
    sent = [_event_entry(entry, owners) for entry in entries]
    response = _call(clients, "events", "put_events", parameters | {"Entries": sent})
    response.pop("ResponseMetadata", None)
    if response.get("FailedEntryCount", 0) > 0:
        raise StatesError("EventBridge.FailedEntry", _compact(response))
    return response


def _event_entry(entry: Any, owners: list[str]) -> Any:
    if not isinstance(entry, dict):
        return entry  # botocore's validation reports it
    sent = entry | {"Resources": [*entry.get("Resources", []), *owners]}
    if isinstance(entry.get("Detail"), dict | list):
        sent["Detail"] = _compact(entry["Detail"])
    return sent


OPTIMIZED: dict[tuple[str, str], Handler] = {
    ("dynamodb", "getItem"): _dynamodb("get_item"),
    ("dynamodb", "putItem"): _dynamodb("put_item"),
    ("dynamodb", "updateItem"): _dynamodb("update_item"),
    ("dynamodb", "deleteItem"): _dynamodb("delete_item"),
    ("sqs", "sendMessage"): _send_message,
    ("sns", "publish"): _publish,
    ("events", "putEvents"): _put_events,
}
