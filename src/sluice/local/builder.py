"""Build a template's local world: every collaborator through its constructor, in dependency order.

`LocalStack` (`sluice.local.stack`) is a facade over the `World` this returns. The order, each
step needing only what comes before it:

1. moto's backend (on the virtual clock: `sluice.local.adapters.moto_backends`), the stack's region
   as the default one, the capture of handlers' logs;
2. the template's resources, provisioned in moto;
3. the function catalog (versions, aliases) and the functions (`LambdaRuntime`); the engine, with
   its Task dispatcher (tracing, state faults), the template's activities and state machines,
   served to boto3's Step Functions clients;
4. the `Deliverer`, then the asynchronous invoker and the EventBridge router, which deliver
   through it and which it delivers to (a cycle, closed by `sluice.local.late`);
5. the Lambda API, the S3 wiring, the SQS queues, the DynamoDB stream store, the event sources
   (pollers of queues and streams, rule schedules, EventBridge Scheduler, Pipes) and the SNS
   fan-out;
6. the reactions to AWS calls, listening on the botocore hooks; the template's APIs
   (`sluice.local.apigateway`, SAM's implicit ones declared by `LocalStack` beforehand).

Every context entered (moto, hooks, patches of moto's clocks) is left by `exit`, in reverse order.

Example:
    >>> with ExitStack() as exit:
    ...     world = build_world(template, clock=clock, trace=trace, faults=faults, clients=clients,
    ...                         names=stack.logical_id, exit=exit)
    ...     world.runtime.call("IngestFunction", {})
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from sluice.asl import Engine
from sluice.asl.clock import VirtualClock
from sluice.asl.tasks.dispatch import TaskDispatcher
from sluice.local.adapters.botocore_sessions import copied_builtin_handlers
from sluice.local.adapters.moto_backends import (
    MotoPipeStore,
    MotoQueueStore,
    lazy_kms_key_pairs,
    object_size,
    one_model_loader,
    prefix_filtered_version_listing,
    rule_targets_left_to_moto,
    s3_urls_read_once,
    virtual_time,
)
from sluice.local.apigateway.resources import HTTP_API, RAW_HTTP_API, RAW_REST_API, REST_API
from sluice.local.clients import Clients, shared_model_loader
from sluice.local.delivery import Deliverer
from sluice.local.dynamodb.poller import DynamoDBStreamPoller
from sluice.local.dynamodb.streams import DynamoDBStreams
from sluice.local.dynamodb.ttl import TimeToLive
from sluice.local.env_vars import apply_env_vars
from sluice.local.errors import StackError, TemplateError
from sluice.local.eventbridge.bus import EventRouter
from sluice.local.eventbridge.catalog import RuleCatalog
from sluice.local.eventbridge.pipes.catalog import PipeCatalog
from sluice.local.eventbridge.rules import routed
from sluice.local.eventbridge.scheduler.source import SchedulerSource
from sluice.local.eventbridge.wiring import event_rules
from sluice.local.faults import Faults
from sluice.local.faults.calls import FaultyCalls
from sluice.local.faults.events import DeliveryFaults, FaultyInvoker, faulty_targets
from sluice.local.faults.functions import InvocationGuard
from sluice.local.faults.states import StateFaults
from sluice.local.hooks import listening
from sluice.local.kinesis.poller import KinesisPoller
from sluice.local.lambda_.api import LambdaApi
from sluice.local.lambda_.async_invoke import AsyncEvent, AsyncInvoker
from sluice.local.lambda_.catalog import FunctionCatalog
from sluice.local.lambda_.external_sources import pollable
from sluice.local.lambda_.logs import LogCapture
from sluice.local.lambda_.mappings import SourceMapping, source_mappings
from sluice.local.lambda_.public_layers import is_extension_layer
from sluice.local.lambda_.resources import FunctionKind
from sluice.local.lambda_.runtime import LOCAL_CREDENTIALS, LambdaRuntime
from sluice.local.lambda_.spec import FunctionSpec, function_specs
from sluice.local.late import Late
from sluice.local.provision import provision
from sluice.local.reactions import Reactions
from sluice.local.s3.events import S3Wiring
from sluice.local.s3.wiring import bucket_wirings
from sluice.local.sns.fanout import TopicFanout
from sluice.local.sns.subscriptions import content_deduplicated_topics, subscription_mappings, topic_subscriptions
from sluice.local.sources import EventSource, SourceHost
from sluice.local.sqs.api import SqsApi
from sluice.local.sqs.poller import SqsPoller
from sluice.local.sqs.queues import Queues
from sluice.local.stepfunctions.activities import register_activities
from sluice.local.stepfunctions.statemachines import MachineSpec, register, state_machine_specs
from sluice.local.stepfunctions.tracing import TracingDispatcher, invocation_observer
from sluice.local.template.model import SamTemplate
from sluice.local.trace import Trace
from sluice.local.wiring import FUNCTION, sam_events, unsupported_events, unsupported_resources

if TYPE_CHECKING:
    from sluice.api import StepFunctionsService
    from sluice.local.apigateway.gateway import ApiGateway
    from sluice.local.apigateway.invoker import ApiInvoker
    from sluice.local.apigateway.service_calls import ServiceCalls
    from sluice.local.apigateway.websocket.gateway import WebSocketGateway
    from sluice.local.apigateway.websocket.management import ManagementApi
    from sluice.local.lambda_.spec import FunctionSpec
    from sluice.local.lambda_.urls import FunctionUrls

# Event types of functions and state machines the wiring connects (others are warned about).
WIRED_EVENTS = ("S3", "EventBridgeRule", "CloudWatchEvent", "Schedule", "ScheduleV2", "SNS", "SQS", "Kinesis",
                "DynamoDB", "Api", "HttpApi")


@dataclass(frozen=True)
class World:
    """The collaborators of a running stack."""

    log_capture: LogCapture
    runtime: LambdaRuntime
    engine: Engine
    #: The Step Functions API over the engine, as boto3's clients are served it.
    stepfunctions: StepFunctionsService
    state_machines: dict[str, MachineSpec]
    deliverer: Deliverer
    invoker: AsyncInvoker
    router: EventRouter
    lambda_api: LambdaApi
    s3: S3Wiring
    queues: Queues
    sources: list[EventSource]
    reactions: Reactions
    #: The template's REST and HTTP APIs (`sluice.local.apigateway`); None when it declares none.
    apis: ApiGateway | None
    #: The template's WebSocket APIs (`sluice.local.apigateway.websocket`); None when it declares none.
    websockets: WebSocketGateway | None
    #: The template's Lambda function URLs (`sluice.local.lambda_.urls`); None when it declares none.
    function_urls: FunctionUrls | None


def build_world(template: SamTemplate, *, clock: VirtualClock, trace: Trace, faults: Faults, clients: Clients,
                names: Callable[[str], str | None], exit: ExitStack, seed: int | str = 0,
                env_vars: Mapping[str, Any] | None = None, echo_logs: TextIO | None = None) -> World:
    """Start the template's world inside `exit` (see the module docstring for the order)."""
    from moto import mock_aws  # noqa: PLC0415 - moto costs 0.3 s to import; only stacks need it

    from sluice.api import StepFunctionsService  # noqa: PLC0415
    from sluice.api.adapter import serve_boto3  # noqa: PLC0415
    from sluice.asl.integrations import ServiceIntegrations  # noqa: PLC0415

    region, account = template.region, template.account
    exit.enter_context(mock_aws())
    _adapt_libraries(exit, clock)
    exit.enter_context(_region_default(region))
    log_capture = exit.enter_context(LogCapture())
    provision(template, clients.client)

    inline_dir = Path(exit.enter_context(tempfile.TemporaryDirectory(prefix="sluice-inline-")))
    specs = function_specs(template, inline_dir=inline_dir)
    template.warnings.extend(apply_env_vars(specs, env_vars or {}))
    _start_extensions(template, specs, client=clients.client, now=clock.now, exit=exit)
    guard = InvocationGuard(faults, specs)
    catalog = FunctionCatalog.from_template(template, specs, last_modified=clock.now())
    runtime = exit.enter_context(closing(LambdaRuntime(
        specs, catalog=catalog, region=region, account=account, log_capture=log_capture, echo_logs=echo_logs,
        observer=invocation_observer(trace), clock=clock.now, seed=seed, guard=guard,
        virtual_sleep=not clock.real_time, **_node_support(specs, region))))  # Node.js processes end first

    unsupported_events(template, WIRED_EVENTS)
    unsupported_resources(template)
    # The APIs before the engine: Step Functions' `apigateway:invoke` reaches them.
    apis, websockets = _gateways(template, runtime=runtime, trace=trace, clock=clock, seed=seed)
    integrations = ServiceIntegrations(clients, apis=_api_invoker(apis, websockets))
    late_engine: Late[Engine] = Late("the engine")
    tasks = TaskDispatcher(runtime, integrations, virtual_sleep=not clock.real_time)
    dispatcher = StateFaults(TracingDispatcher(tasks, trace), faults, late_engine)
    engine = late_engine.bind(Engine(clock=clock, region=region, account=account, seed=seed,
                                     integrations=integrations, dispatcher=dispatcher))
    register_activities(engine, template)
    state_machines = state_machine_specs(template)
    register(engine, state_machines, template)
    stepfunctions = exit.enter_context(serve_boto3(StepFunctionsService(engine)))

    late_invoker: Late[AsyncInvoker] = Late("the asynchronous invoker")
    late_router: Late[EventRouter] = Late("the event router")
    deliverer = Deliverer(client=clients.client, engine=engine, trace=trace, region=region, account=account,
                          invoker=late_invoker, router=late_router, seed=seed, strict=template.strict)

    def dropped(queued: AsyncEvent, reason: str) -> None:
        deliverer.failed(f"event for {queued.function.spec.logical_id} dropped: {reason}")

    deliveries = DeliveryFaults(faults)
    invoker = late_invoker.bind(FaultyInvoker(runtime, loop=clock.loop, now=clock.now, sender=deliverer,
                                              on_dropped=dropped, faults=deliveries))
    router = late_router.bind(EventRouter(event_rules(template), loop=clock.loop, trace=trace,
                                          deliver=faulty_targets(deliverer.target, deliveries), now=clock.now,
                                          account=account, region=region))

    mappings = [*source_mappings(template), *subscription_mappings(template)]
    lambda_api = LambdaApi(catalog, runtime, invoker, mappings, created_at=clock.now())
    s3 = S3Wiring(bucket_wirings(template), clock=clock.now, account=account, region=region,
                  size_of=object_size(account), seed=seed)
    queues = Queues(MotoQueueStore(account, region), trace=trace, now=clock.now, seed=seed)
    host = SourceHost(template=template, clock=clock, trace=trace, runtime=runtime, deliverer=deliverer,
                      router=router, queues=queues, region=region, account=account, client=clients.client,
                      logical_id=names)
    streams = DynamoDBStreams(account=account, region=region, now=clock.now)
    exit.enter_context(streams.recording())
    # The pipes (the template's and the API's) are a source, and answer the `pipes` API (the reactions).
    sources = [*_sources(host, streams, mappings),
               (pipes := PipeCatalog(host, streams, MotoPipeStore(account, region))), SchedulerSource(host, seed=seed)]
    fanout = TopicFanout(topic_subscriptions(template), queues=queues, deliverer=deliverer, trace=trace,
                         loop=clock.loop, now=clock.now, names=names,
                         content_deduplicated=content_deduplicated_topics(template), region=region)
    reactions = Reactions(trace=trace, loop=clock.loop, engine=engine, s3=s3, router=router, deliverer=deliverer,
                          lambda_api=lambda_api, sns=fanout, sqs=SqsApi(queues, account=account), pipes=pipes,
                          sources=sources, names=names, connections=_management(websockets))
    exit.enter_context(listening(FaultyCalls(faults, guard, reactions)))
    _create_custom_resources(template, runtime=runtime, trace=trace, clock=clock)
    return World(log_capture=log_capture, runtime=runtime, engine=engine, stepfunctions=stepfunctions,
                 state_machines=state_machines,
                 deliverer=deliverer, invoker=invoker, router=router, lambda_api=lambda_api, s3=s3, queues=queues,
                 sources=sources, reactions=reactions,
                 apis=apis, websockets=websockets,
                 function_urls=_function_urls(template, runtime=runtime, trace=trace, clock=clock, seed=seed))


def _adapt_libraries(exit: ExitStack, clock: VirtualClock) -> None:
    """moto on the stack's virtual clock and routing, and the start-up savings in moto and botocore
    (`sluice.local.adapters`), until `exit` closes."""
    for adapter in (virtual_time(clock.now), prefix_filtered_version_listing(), s3_urls_read_once(),
                    lazy_kms_key_pairs(), one_model_loader(), shared_model_loader(), copied_builtin_handlers(),
                    rule_targets_left_to_moto(routed)):
        exit.enter_context(adapter)


def _gateways(template: SamTemplate, *, runtime: LambdaRuntime, trace: Trace, clock: VirtualClock,
              seed: int | str) -> tuple[ApiGateway | None, WebSocketGateway | None]:
    """The template's REST and HTTP APIs, and its WebSocket APIs, served in-process (None: it has none)."""
    return (_apis(template, runtime=runtime, trace=trace, clock=clock, region=template.region,
                  account=template.account, seed=seed),
            _websockets(template, runtime=runtime, trace=trace, clock=clock, seed=seed))


def _apis(template: SamTemplate, *, runtime: LambdaRuntime, trace: Trace, clock: VirtualClock, region: str,
          account: str, seed: int | str) -> ApiGateway | None:
    """The template's APIs served in-process, if it has any: most templates have none, and the
    gateway's event and response models cost a tenth of a stack's start-up to import."""
    declared = any(template.of_type(REST_API, HTTP_API, RAW_REST_API, RAW_HTTP_API))
    if not declared and not any(sam_events(template, FUNCTION, ("Api", "HttpApi"))):
        return None
    from sluice.local.apigateway.gateway import ApiGateway  # noqa: PLC0415
    from sluice.local.apigateway.routes import read_apis  # noqa: PLC0415

    apis = read_apis(template)
    services = _service_calls(region) if any(route.integration is not None for api in apis for route in api.routes) \
        else None
    return ApiGateway(apis, runtime=runtime, trace=trace, clock=clock, region=region, account=account, seed=seed,
                      services=services)


def _node_support(specs: Mapping[str, FunctionSpec], region: str) -> dict[str, Any]:
    """For a template with a Node.js function: what answers its AWS calls (the edge gateway `sluice up`
    replays requests with) and the packages Lambda's Node.js runtime provides (imported only then)."""
    if not any(spec.nodejs and spec.problem is None for spec in specs.values()):
        return {}
    from sluice.local.edge.gateway import EdgeClients, Gateway  # noqa: PLC0415
    from sluice.local.lambda_.nodejs.runtime_modules import RuntimeModules  # noqa: PLC0415

    return {"services": Gateway(EdgeClients(region)).handle, "node_modules": RuntimeModules()}


def _service_calls(region: str) -> ServiceCalls:
    """What carries out API routes' service integrations (imported only for APIs with one)."""
    from sluice.local.apigateway.service_calls import ServiceCalls  # noqa: PLC0415
    from sluice.local.edge.gateway import EdgeClients, Gateway  # noqa: PLC0415

    return ServiceCalls(Gateway(EdgeClients(region)), region=region)


def _websockets(template: SamTemplate, *, runtime: LambdaRuntime, trace: Trace, clock: VirtualClock,
                seed: int | str) -> WebSocketGateway | None:
    """The template's WebSocket APIs served in-process, if it has any (imported only then, as `_apis`)."""
    from sluice.local.apigateway.websocket.routes import is_websocket  # noqa: PLC0415

    if not any(is_websocket(template, decl) for decl in template.of_type(RAW_HTTP_API)):
        return None
    from sluice.local.apigateway.websocket.gateway import WebSocketGateway  # noqa: PLC0415
    from sluice.local.apigateway.websocket.routes import read_websocket_apis  # noqa: PLC0415

    apis = read_websocket_apis(template)
    services = _service_calls(template.region) if any(route.integration is not None for api in apis
                                                      for route in api.routes.values()) else None
    return WebSocketGateway(apis, runtime=runtime, trace=trace, clock=clock, region=template.region,
                            account=template.account, seed=seed, services=services)


def _api_invoker(apis: ApiGateway | None, websockets: WebSocketGateway | None) -> ApiInvoker | None:
    """What answers Step Functions' `apigateway:invoke`: the template's APIs, when it has any."""
    if apis is None and websockets is None:
        return None
    from sluice.local.apigateway.invoker import ApiInvoker  # noqa: PLC0415

    return ApiInvoker(apis, websockets)


def _management(websockets: WebSocketGateway | None) -> ManagementApi | None:
    """The `apigatewaymanagementapi` API over the WebSocket APIs' connections, when there are any."""
    if websockets is None:
        return None
    from sluice.local.apigateway.websocket.management import ManagementApi  # noqa: PLC0415

    return ManagementApi(websockets)


def _start_extensions(template: SamTemplate, specs: Mapping[str, FunctionSpec], *, client: Callable[[str], Any],
                      now: Callable[[], float], exit: ExitStack) -> None:
    """Serve the Parameters and Secrets Lambda Extension for the functions whose layers name it (imported
    only then: it serves HTTP)."""
    if not any(is_extension_layer(arn) for decl in template.of_type(*FunctionKind.types)
               for arn in template.prop(decl, "Layers") or ()):
        return
    from sluice.local.lambda_.secrets_extension import start_extensions  # noqa: PLC0415

    start_extensions(template, specs, client=client, now=now, token=LOCAL_CREDENTIALS["AWS_SESSION_TOKEN"],
                     exit=exit)


def _create_custom_resources(template: SamTemplate, *, runtime: LambdaRuntime, trace: Trace,
                             clock: VirtualClock) -> None:
    """Run the template's custom resources, last, as CloudFormation would have before the stack is in use
    (imported only when it has some)."""
    from sluice.local.cloudformation.resources import is_custom  # noqa: PLC0415

    if not any(is_custom(decl.type) for decl in template.resources.values()):
        return
    from sluice.local.cloudformation.custom_resources import create_custom_resources  # noqa: PLC0415

    def invoke(arn: str, event: Any) -> None:
        with clock.hold():  # as `stack.invoke`: work the function starts is left for the clock
            runtime.call(arn, event)

    create_custom_resources(template, invoke=invoke, trace=trace)


def _function_urls(template: SamTemplate, *, runtime: LambdaRuntime, trace: Trace, clock: VirtualClock,
                   seed: int | str) -> FunctionUrls | None:
    """The template's function URLs served in-process, if it has any (imported only then, as `_apis`)."""
    from sluice.local.lambda_.resources import FUNCTION_URL  # noqa: PLC0415

    if not any(template.of_type(FUNCTION_URL)):
        return None
    from sluice.local.lambda_.urls import FunctionUrls, read_function_urls  # noqa: PLC0415

    return FunctionUrls(read_function_urls(template), runtime=runtime, trace=trace, clock=clock, seed=seed)


def _sources(host: SourceHost, streams: DynamoDBStreams, mappings: list[SourceMapping]) -> list[EventSource]:
    """The DynamoDB streams (first: they wake their pollers), Time to Live, a poller per event source mapping (and
    per SNS subscription of a polled queue), and the rule catalog (the template's rules stored in
    moto, kept in step with the API; it fires the scheduled ones)."""
    template = host.template
    sources: list[EventSource] = [streams, TimeToLive(host, streams)]
    for mapping in pollable(template, mappings, host.client):
        try:
            if mapping.kind == "sqs":
                sources.append(SqsPoller(host, mapping))
            elif mapping.kind == "kinesis":
                sources.append(KinesisPoller(host, mapping))
            elif mapping.kind == "dynamodb":
                sources.append(DynamoDBStreamPoller(host, mapping, streams))
            else:
                template.unsupported(f"{mapping.kind} event source mappings are not emulated",
                                     resource=mapping.logical_id)
        except StackError as error:
            raise TemplateError(f"event source mapping: {error}", resource=mapping.logical_id,
                                origin=template.origin) from None
    catalog = RuleCatalog(host)
    catalog.store()
    sources.append(catalog)
    return sources


@contextmanager
def _region_default(region: str) -> Iterator[None]:
    """Clients created without a region (e.g. in tests) use the stack's region."""
    previous = os.environ.get("AWS_DEFAULT_REGION")
    os.environ["AWS_DEFAULT_REGION"] = region
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("AWS_DEFAULT_REGION", None)
        else:
            os.environ["AWS_DEFAULT_REGION"] = previous
