"""Custom resources backed by the template's functions, created when the stack starts, as CloudFormation
creates them (CloudFormation user guide: "Custom resources", "Custom resource request objects" and
"response objects"):

- each `AWS::CloudFormation::CustomResource` or `Custom::<Name>` whose `ServiceToken` is a function of
  the template runs that function with a `Create` request: `RequestType`, `ResponseURL`, `StackId`,
  `RequestId`, `ResourceType`, `LogicalResourceId` and the resolved `ResourceProperties`, in dependency
  order (one that refers to another runs after it);
- the function answers by PUTting a response object to `ResponseURL` (here an HTTP endpoint on the loopback
  address, open while they run); a `SUCCESS` makes `Ref` the `PhysicalResourceId` and `Fn::GetAtt` the
  keys of its `Data`, from then on (Outputs, and what reads the template afterwards);
- a `FAILED` answer, no answer, or a `ServiceToken` that is not a function of the template is a warning
  naming the resource: CloudFormation would roll the stack back, locally the rest still runs.

Values read before the resources ran (the functions' environment variables) keep their placeholders, and
closing the stack sends no `Delete` request.

Example:
    >>> [decl.logical_id for decl in creation_order(template)]         # doctest: +SKIP
    ['SeedTable', 'WarmCache']
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any

from sluice import json_text
from sluice.http_endpoint import HttpService, content_length, endpoint_of
from sluice.local.cloudformation.resources import is_custom
from sluice.local.lambda_.resources import function_arns, unqualified
from sluice.local.lambda_.runtime import FunctionNotRunnable
from sluice.local.provision import references
from sluice.local.trace import FAILED, Trace

if TYPE_CHECKING:
    from sluice.local.template.model import ResourceDecl, SamTemplate



class _Handler(BaseHTTPRequestHandler):
    def do_PUT(self) -> None:
        answers = endpoint_of(self, ResponseCollector).answers
        try:
            answers[self.path.strip("/")] = json_text.loads(self.rfile.read(content_length(self)))
        except ValueError:  # an unreadable length or body
            self.close_connection = True
            answers[self.path.strip("/")] = {"Status": "FAILED", "Reason": "the response is not JSON"}
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return


class ResponseCollector(HttpService):
    """The `ResponseURL` endpoint, on the loopback address: the response objects PUT to it, by request id."""

    def __init__(self) -> None:
        self.answers: dict[str, Any] = {}
        super().__init__(_Handler, host="127.0.0.1", port=0)

    def response_url(self, request_id: str) -> str:
        return f"{self.url}/{request_id}"


def creation_order(template: SamTemplate) -> list[ResourceDecl]:
    """The template's custom resources, each after the custom resources it refers to."""
    pending = [decl for decl in template.resources.values() if is_custom(decl.type)]
    ordered: list[ResourceDecl] = []
    while pending:
        waiting = {decl.logical_id for decl in pending}
        ready = [decl for decl in pending if not set(references(decl)) & (waiting - {decl.logical_id})]
        chosen = ready or pending[:1]  # a cycle: CloudFormation refuses it at validation; take them in order
        ordered.extend(chosen)
        pending = [decl for decl in pending if decl not in chosen]
    return ordered


def create_custom_resources(template: SamTemplate, *, invoke: Callable[[str, Any], Any], trace: Trace) -> list[str]:
    """Run every custom resource's Create request; return the logical ids that were created."""
    resources = creation_order(template)
    if not resources:
        return []
    functions = function_arns(template)
    collector = ResponseCollector()
    collector.start()
    created = []
    try:
        for decl in resources:
            if _create(template, decl, functions, collector=collector, invoke=invoke, trace=trace):
                created.append(decl.logical_id)
    finally:
        collector.stop()
    return created


def _create(template: SamTemplate, decl: ResourceDecl, functions: frozenset[str], *, collector: ResponseCollector,
            invoke: Callable[[str, Any], Any], trace: Trace) -> bool:
    properties = {name: template.prop(decl, name) for name in decl.properties}
    token = str(properties.get("ServiceToken", ""))
    if unqualified(token) not in functions:
        template.unsupported(f"its ServiceToken {token!r} is not a function of this template: the custom resource "
                             "is not created locally", resource=decl.logical_id, property="ServiceToken")
        return False
    request_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{template.stack_name}/{decl.logical_id}/Create"))
    event = {"RequestType": "Create", "ServiceToken": token, "ResponseURL": collector.response_url(request_id),
             "StackId": template.ref("AWS::StackId"), "RequestId": request_id, "ResourceType": decl.type,
             "LogicalResourceId": decl.logical_id, "ResourceProperties": properties}
    activity = trace.record("cloudformation", f"Create {decl.type} ({decl.logical_id})", root=True)
    with trace.within(activity):
        try:
            invoke(token, event)
        except FunctionNotRunnable as error:  # a Node.js provider, code in S3…: said, and the stack goes on
            activity.status = FAILED
            activity.detail["error"] = str(error)
            template.unsupported(f"its function cannot run locally ({error}): the custom resource is not created "
                                 "locally", resource=decl.logical_id, property="ServiceToken")
            return False
    answer = collector.answers.get(request_id)
    if answer is None:
        problem: str | None = ("its function never answered the ResponseURL (CloudFormation would wait an hour, "
                               "then fail the stack)")
    elif not isinstance(answer, dict) or answer.get("Status") != "SUCCESS":
        problem = f"it failed: {answer.get('Reason') if isinstance(answer, dict) else answer}"
    elif not isinstance(answer.get("PhysicalResourceId"), str) or not answer["PhysicalResourceId"]:
        problem = "its response has no PhysicalResourceId (CloudFormation: Invalid PhysicalResourceId)"
    else:
        problem = None
    if problem is not None or not isinstance(answer, dict):
        activity.status = FAILED
        activity.detail["error"] = str(problem)
        template.warnings.append(f"{template.origin}, resource {decl.logical_id}: custom resource {problem}")
        return False
    template.record(decl.logical_id, "Ref", answer.get("PhysicalResourceId"))
    data = answer.get("Data")
    for key, value in (data.items() if isinstance(data, dict) else ()):
        template.record(decl.logical_id, str(key), value)
    return True
