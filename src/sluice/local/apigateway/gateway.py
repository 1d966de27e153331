"""`ApiGateway`: an HTTP request to one of the template's APIs → the route's function, run by the
stack's Lambda runtime (timeouts, faults, logs, trace) → the HTTP response API Gateway would send.

A request names its API and stage the ways a client does: a URL of the API
(`https://<api-id>.execute-api.<region>.amazonaws.com/Prod/hello/`, as the template's Outputs give it),
or a path under the stage with `api=` (a logical id or API id; not needed when the template has one
API). Every request is a root of the trace (`api`), the invocation under it; a function error or a
malformed answer is answered as API Gateway does (`responses`) and reported: the activity fails,
with the reason, and the `sluice.apigateway` logger says it.

Example:
    >>> gateway = stack.world.apis
    >>> gateway.request("GET", "/hello").json()
    {'message': 'hello world'}
    >>> gateway.request("POST", "/items", api="ItemsApi", body={"name": "pen"}).status
    201
"""

from __future__ import annotations

import json
import logging
import random
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any
from urllib.parse import SplitResult, parse_qsl, unquote, urlsplit

from sluice.local.apigateway.authorizers import (
    LambdaAuthorizer,
    PolicyCache,
    failed,
    http_verdict,
    identity_values,
    method_arn,
    missing_identity,
    unauthorized,
    verdict,
)
from sluice.local.apigateway.events import ApiRequest, RequestContext, proxy_event
from sluice.local.apigateway.jwt_authorizers import JwtAuthorizer, check
from sluice.local.apigateway.matching import Match, segments, select
from sluice.local.apigateway.resources import find_api
from sluice.local.apigateway.responses import (
    ApiResponse,
    MalformedResponse,
    configuration_failure,
    endpoint_timeout,
    gateway_error,
    integration_failure,
    invalid_request_body,
    no_route,
    to_response,
)
from sluice.local.apigateway.routes import Api
from sluice.local.apigateway.validation import InvalidModel, invalid_body, missing_parameters
from sluice.local.errors import StackError
from sluice.local.trace import FAILED, Activity, Trace

if TYPE_CHECKING:
    from sluice.asl.clock import VirtualClock
    from sluice.local.apigateway.service_calls import ServiceCalls
    from sluice.local.lambda_.runtime import LambdaRuntime

LOG = logging.getLogger("sluice.apigateway")
_EXECUTE_API = ".execute-api."
Body = bytes | str | Mapping[str, Any] | Sequence[Any] | None


class ApiGateway:
    """The template's APIs, served in-process."""

    def __init__(self, apis: Sequence[Api], *, runtime: LambdaRuntime, trace: Trace, clock: VirtualClock,
                 region: str, account: str, seed: int | str = 0, services: ServiceCalls | None = None) -> None:
        self.apis = tuple(apis)
        self.runtime = runtime
        #: Carries out the routes whose integration is an AWS service or a mock (`service_calls`).
        self.services = services
        self.trace = trace
        self.clock = clock
        self.region = region
        self.account = account
        self._random = random.Random(f"{seed}:apigateway")
        self._policies = PolicyCache(clock.now)

    def api(self, reference: str | None = None) -> Api:
        """An API by logical id or API id; the only one when `reference` is None."""
        return find_api(self.apis, reference)

    def request(self, method: str, target: str, *, headers: Mapping[str, str] | None = None, body: Body = None,
                api: str | None = None, source_ip: str = "127.0.0.1") -> ApiResponse:
        """Send `method target` — a URL of an API, or a path (and query) under the stage of `api` — and
        return the response. A mapping or list `body` is sent as JSON."""
        url = split_target(target)
        pairs, data = encoded(headers, body)
        if url.scheme:
            host = url.hostname or ""
            if _EXECUTE_API not in host:
                raise StackError(f"{target!r} is not an API Gateway URL (https://<api-id>.execute-api.<region>."
                                 "amazonaws.com/<stage>/...)")
            chosen = self.api(host.split(".", 1)[0])
            return self.on_stage(chosen, method, url.path or "/", ApiRequest(
                method.upper(), "/", url.query, tuple(pairs), data, source_ip))
        chosen = self.api(api)
        request = ApiRequest(method.upper(), url.path or "/", url.query, tuple(pairs), data, source_ip)
        return self.call(chosen, request)

    def on_stage(self, api: Api, method: str, full_path: str, request: ApiRequest) -> ApiResponse:
        """Answer a request whose path still starts with the stage (`/Prod/hello`); an HTTP API's
        `$default` stage has no segment."""
        if api.default_stage:
            return self.call(api, _moved(request, full_path))
        parts = full_path.split("/", 2)
        if len(parts) < 2 or segments(parts[1]) != [api.stage]:
            LOG.warning("%s %s: %s has no stage there (stage: %s)", method, full_path, api.logical_id, api.stage)
            return self._customised(api, request, no_route(api.protocol))
        return self.call(api, _moved(request, "/" + (parts[2] if len(parts) > 2 else "")))

    def call(self, api: Api, request: ApiRequest) -> ApiResponse:
        """Answer `request` (its path under the stage) as `api` does."""
        return self._customised(api, request, self._answer(api, request))

    def _customised(self, api: Api, request: ApiRequest, response: ApiResponse) -> ApiResponse:
        """An answer API Gateway gave itself, as the REST API's gateway responses shape it."""
        if not api.gateway_responses or response.gateway_type is None:
            return response
        from sluice.local.apigateway.gateway_responses import customised  # noqa: PLC0415 - loads Velocity

        context = {"requestId": response.header("x-amzn-requestid"), "stage": api.stage, "apiId": api.api_id,
                   "httpMethod": request.method, "path": request.path}
        return customised(api.gateway_responses, request, response, context=context,
                          stage_variables=api.stage_variables)

    def _answer(self, api: Api, request: ApiRequest) -> ApiResponse:
        from sluice.local.apigateway.preflight import preflight  # noqa: PLC0415

        answered = preflight(api, request)
        if answered is not None:
            return answered
        match = select(api, request.method, request.path)
        title = f"{request.method} {request.path} ({api.logical_id})"
        if match is None:
            self.trace.record("api", f"{title}: no route", status=FAILED, root=True)
            LOG.warning("%s: no route", title)
            return no_route(api.protocol)
        if match.route.required_parameters and (missing := missing_parameters(
                match.route.required_parameters, dict(parse_qsl(request.query)), dict(request.headers))):
            # The request validator answers before the integration, with API Gateway's own wording.
            self.trace.record("api", f"{title}: missing required request parameters {missing}", status=FAILED,
                              root=True)
            return gateway_error(400, f"Missing required request parameters: [{', '.join(missing)}]",
                                 "BadRequestException", response_type="BAD_REQUEST_PARAMETERS")
        if match.route.body_schema is not None:
            try:
                reason = invalid_body(match.route.body_schema, request.body)
            except InvalidModel as error:
                self.trace.record("api", f"{title}: {error}", status=FAILED, root=True)
                LOG.error("%s: %s", title, error)
                return configuration_failure(api.protocol)
            if reason is not None:
                # API Gateway's request validator answers before the integration: the function never runs.
                self.trace.record("api", f"{title}: invalid request body ({reason})", status=FAILED, root=True)
                LOG.warning("%s: invalid request body: %s", title, reason)
                return invalid_request_body(reason)
        activity = self.trace.record("api", f"{title} → {match.route.key}", root=True, route=match.route.key)
        request_id = str(uuid.UUID(int=self._random.getrandbits(128), version=4))
        context = RequestContext(request_id, now=self.clock.now(), region=self.region, account=self.account,
                                 trace_id=f"Root=1-{int(self.clock.now()):08x}-{request_id.replace('-', '')[:24]}")
        authorizer = match.route.authorizer
        if authorizer is not None:
            refusal, allowed = self._authorize(api, match, authorizer, request, context=context, activity=activity) \
                if isinstance(authorizer, LambdaAuthorizer) else self._check_token(api, authorizer, request, activity)
            if refusal is not None:
                return replace(refusal, headers={**refusal.headers, **_request_id_header(api, request_id)})
            context = replace(context, authorizer=allowed)
        event = proxy_event(api, match, request, context=context)
        if match.route.integration is not None:
            return self._service(api, match, request, event=event, activity=activity, title=title,
                                 request_id=request_id)
        assert match.route.function is not None  # a route has a function or a service integration
        try:
            # As `stack.invoke` does: work the handler starts is answered at once and left for the clock.
            with self.trace.within(activity), self.clock.hold():
                invocation = self.runtime.call(match.route.function, event)
            if invocation.error is not None:
                raise MalformedResponse(f"the function failed: {invocation.error.error_type}: "
                                        f"{invocation.error.message}")
            response = to_response(invocation.result, protocol=api.protocol,
                                   payload_version=match.route.payload_version)
        except (MalformedResponse, StackError) as error:
            activity.status = FAILED
            activity.detail["error"] = str(error)
            LOG.error("%s: %s", title, error)
            response = integration_failure(api.protocol)
        return _finished(api, request, request_id, response)

    def _service(self, api: Api, match: Match, request: ApiRequest, *, event: dict[str, Any], activity: Activity,
                 title: str, request_id: str) -> ApiResponse:
        """Answer through the route's service integration; one that cannot be carried out is API Gateway's
        500 (REST: "Internal server error"), said in the trace and the log."""
        from sluice.local.apigateway.integrations import IntegrationFailure  # noqa: PLC0415

        integration = match.route.integration
        assert integration is not None and self.services is not None
        try:
            with self.trace.within(activity), self.clock.hold():
                response = self.services.answer(integration, request, event)
        except IntegrationFailure as error:
            activity.status = FAILED
            activity.detail["error"] = str(error)
            LOG.error("%s: %s", title, error)
            response = endpoint_timeout(api.protocol) if error.timed_out else configuration_failure(api.protocol)
        if response.status >= 400:
            activity.detail["status"] = response.status
        return _finished(api, request, request_id, response)

    def _check_token(self, api: Api, authorizer: JwtAuthorizer, request: ApiRequest,
                     activity: Activity) -> tuple[ApiResponse | None, dict[str, Any]]:
        """Check the request's token with the route's Cognito or JWT authorizer (see `jwt_authorizers`): a
        refusal, or `requestContext.authorizer` (the token's claims)."""
        from sluice.local.adapters.moto_backends import cognito_token_claims  # noqa: PLC0415

        verdict = check(authorizer, request, now=self.clock.now(), verify=cognito_token_claims(self.account))
        if verdict.status is not None:
            activity.status = FAILED
            activity.detail["error"] = f"{authorizer.name}: {verdict.reason}"
            response_type = "UNAUTHORIZED" if verdict.status == 401 else "ACCESS_DENIED"
            error_type = "UnauthorizedException" if verdict.status == 401 else "AccessDeniedException"
            return gateway_error(verdict.status, verdict.message, error_type if api.protocol == "REST" else None,
                                 response_type=response_type), {}
        return None, verdict.context or {}

    def _authorize(self, api: Api, match: Match, authorizer: LambdaAuthorizer, request: ApiRequest, *,
                   context: RequestContext, activity: Activity) -> tuple[ApiResponse | None, dict[str, Any]]:
        """Run the route's Lambda authorizer (see `authorizers`): a refusal, or `requestContext.authorizer`."""
        if missing_identity(authorizer, request):
            activity.status = FAILED
            activity.detail["error"] = f"{authorizer.name}: no identity in the request"
            return unauthorized(), {}
        arn = method_arn(region=self.region, account=self.account, api_id=api.api_id, stage=api.stage,
                         method=request.method, path=unquote(request.path))
        key = (api.api_id, authorizer.name, tuple(identity_values(authorizer, request)))
        result = self._policies.get(key)
        if result is not None:
            activity.detail["authorizer"] = f"{authorizer.name}: cached answer"
        else:
            with self.trace.within(activity), self.clock.hold():
                invocation = self.runtime.call(authorizer.function,
                                               _authorizer_event(api, match, authorizer, request, context, arn=arn))
            if invocation.error is not None:
                refusal = unauthorized() if invocation.error.message == "Unauthorized" else failed(api.protocol)
                activity.status = FAILED
                activity.detail["error"] = (f"{authorizer.name}: {invocation.error.error_type}: "
                                            f"{invocation.error.message}")
                return refusal, {}
            result = invocation.result
            self._policies.put(key, result, ttl=authorizer.ttl)
        answered, allowed = verdict(result, arn) if api.protocol == "REST" else http_verdict(authorizer, result, arn)
        if answered is not None:
            activity.status = FAILED
            activity.detail["error"] = f"{authorizer.name} refused: {answered.text}"
        return answered, allowed


def split_target(target: str) -> SplitResult:
    """A request's target: a URL (`https://host/path?query`), or a path under the stage whose own query
    follows `?`. A path is never read as a URL, so `//a/b` stays a path (urlsplit would make `a` a host)."""
    if target.startswith("/"):
        path, _, query = target.partition("?")
        return SplitResult("", "", path, query, "")
    try:
        return urlsplit(target)
    except ValueError as error:  # e.g. "Invalid IPv6 URL"
        raise StackError(f"{target!r} is not a URL: {error}") from None


def encoded(headers: Mapping[str, str] | None, body: Body) -> tuple[list[tuple[str, str]], bytes]:
    """A client's headers and body as sent: a mapping or list `body` as JSON (with its Content-Type
    unless one is given), text as UTF-8."""
    pairs = list((headers or {}).items())
    if body is not None and not isinstance(body, bytes | str):
        body = json.dumps(body)
        if not any(name.lower() == "content-type" for name, _ in pairs):
            pairs.append(("Content-Type", "application/json"))
    return pairs, body.encode() if isinstance(body, str) else body or b""


def _authorizer_event(api: Api, match: Match, authorizer: LambdaAuthorizer, request: ApiRequest,
                      context: RequestContext, *, arn: str) -> dict[str, Any]:
    """What the route's authorizer is invoked with: a REST `TOKEN` or `REQUEST` event, or an HTTP API's
    request in its authorizer payload format (see `authorizers`)."""
    if authorizer.payload_type == "TOKEN":
        return {"type": "TOKEN", "authorizationToken": request.header(authorizer.headers[0]), "methodArn": arn}
    version = authorizer.payload_version or "1.0"
    proxied = proxy_event(api, replace(match, route=replace(match.route, payload_version=version)), request,
                          context=context)
    fields = {key: value for key, value in proxied.items() if key not in ("body", "isBase64Encoded", "version")}
    if authorizer.payload_version is None:
        return {"type": "REQUEST", "methodArn": arn, **fields}
    sources = identity_values(authorizer, request)
    if version == "2.0":
        return {"version": "2.0", "type": "REQUEST", "routeArn": arn, "identitySource": sources, **fields}
    return {"version": "1.0", "type": "REQUEST", "methodArn": arn, "identitySource": ",".join(sources),
            "authorizationToken": ",".join(sources), **fields}


def _moved(request: ApiRequest, path: str) -> ApiRequest:
    return ApiRequest(request.method, path, request.query, request.headers, request.body, request.source_ip)


def _finished(api: Api, request: ApiRequest, request_id: str, response: ApiResponse) -> ApiResponse:
    """`response` with the headers API Gateway adds to every answer: the request id, and an HTTP API's CORS."""
    headers = {**response.headers, **_request_id_header(api, request_id)}
    if api.cors is not None and api.protocol == "HTTP":
        headers.update(api.cors.response_headers(request.header("origin")))
    return replace(response, headers=headers)


def _request_id_header(api: Api, request_id: str) -> dict[str, str]:
    return {"x-amzn-RequestId": request_id} if api.protocol == "REST" else {"Apigw-Requestid": request_id}
